"""Pipelines in Slack: `/nova pipeline` opens a thread with live progress and one answer;
follow-ups there reach the pipeline agent; `nova run` resumes an interrupted run."""

from __future__ import annotations

import asyncio
import json

from novabot.adapters.serve import serve
from novabot.core.message import ConversationKey
from novabot.pipeline.plan import parse_plan
from tests.adapters.slack.conftest import RunningSlack, StartSlack
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

PLAN = {
    "task": "summarise the report",
    "steps": [{"id": "sum", "agent": "summarizer", "instruction": "summarise it"}],
}


def top_level(slack: RunningSlack) -> list[dict]:
    return slack.replies("C1", None)


async def test_nova_pipeline_runs_in_its_own_thread(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)), Text("three bullets"), Text("Here is the summary."))
    await slack.command("pipeline summarise the report")
    [title] = await eventually(lambda: top_level(slack))
    assert title["text"] == "Pipeline: summarise the report"
    thread = title["ts"]

    def progress_and_answer() -> list[str] | None:
        texts = [m["text"] for m in slack.replies("C1", thread)]
        finished = len(texts) == 2 and texts[0].startswith("Pipeline #1 (done)")
        return texts if finished else None  # the last progress edit follows the answer

    progress, answer = await eventually(progress_and_answer)
    assert progress.startswith("Pipeline #1 (done): summarise the report")
    assert "✅ sum (summarizer) done" in progress and answer == "Here is the summary."
    [started] = await slack.fake.wait_for_responses(1)
    assert started["text"] == "Started pipeline #1 (1 steps) in a thread of its own."

    fake_openai.script(Text("The summarizer wrote: three bullets"))
    follow_up = {
        "type": "message",
        "channel_type": "channel",
        "user": "U1",
        "text": "what did the summarizer say?",
        "ts": "999.1",
        "thread_ts": thread,
        "channel": "C1",
    }
    await slack.event(follow_up, event_id="Ev-follow")
    await eventually(
        lambda: "The summarizer wrote: three bullets" in str(slack.replies("C1", thread))
    )
    assert "Output of step 'sum' (summarizer):\nthree bullets" in str(
        fake_openai.requests[-1].body["messages"][0]["content"]
    )


async def test_nova_run_resumes_an_interrupted_pipeline(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    running = await start_slack()
    key = ConversationKey("slack", "C1", "500.1")
    plan = parse_plan(PLAN, "test")
    run_id = await running.app.pipelines.executor.create(key, plan)
    await running.bot.store.start_step(run_id, "sum")  # as if a crash hit mid-step
    fake_openai.script(Text("three bullets"), Text("Resumed summary."))
    await running.adapter.stop()
    stop = asyncio.Event()
    service = asyncio.create_task(serve(running.app, [running.adapter], grace_s=1, stop=stop))
    await eventually(
        lambda: "Resumed summary." in [m["text"] for m in running.replies("C1", "500.1")]
    )
    stop.set()
    await asyncio.wait_for(service, timeout=10)
    record = await running.bot.store.get_run(run_id)
    assert record is not None and record.status == "done" and record.steps[0].attempt == 2
