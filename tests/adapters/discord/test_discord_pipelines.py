"""`/nova pipeline` on Discord: a public thread with live progress and one answer."""

from __future__ import annotations

import json

from tests.adapters.discord.conftest import CHANNEL, NOVA_ID, RunningDiscord
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

PLAN = {
    "task": "summarise the report",
    "steps": [{"id": "sum", "agent": "summarizer", "instruction": "summarise it"}],
}


async def test_nova_pipeline_opens_a_thread_with_progress_and_the_answer(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)), Text("three bullets"), Text("Here is the summary."))
    await nova_discord.slash("pipeline", task="summarise the report")
    [created] = await nova_discord.fake.wait_for_request("POST", rf"/channels/{CHANNEL}/threads")
    assert created.json["name"] == "Pipeline: summarise the report"
    thread = next(c for c in nova_discord.fake.channels.values() if c.get("type") == 11)
    thread_id = int(thread["id"])

    def progress_and_answer() -> list[str] | None:
        texts = [m["content"] for m in nova_discord.sent(thread_id)]
        done = len(texts) == 2 and texts[0].startswith("Pipeline #1 (done)")
        return texts if done else None

    progress, answer = await eventually(progress_and_answer)
    assert "✅ sum (summarizer) done" in progress and answer == "Here is the summary."
    started = await nova_discord.fake.wait_for_request("POST", rf"/webhooks/{NOVA_ID}/.+")
    assert started[-1].json["content"] == "Started pipeline #1 (1 steps) in a thread of its own."
