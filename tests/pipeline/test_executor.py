"""The executor: parallel where it can, checkpointed, bounded, and honest about failures.

Run on the in-memory pipeline store with no bot, router or model (see conftest.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from novabot.core.message import ConversationKey
from novabot.pipeline.executor import Executor, Limits
from novabot.store import PipelineRunRecord
from tests.fakes.openai_server import Fail, FakeOpenAI, Slow, Text
from tests.pipeline.steps import StepServer, make_plan, step_of

KEY = ConversationKey("test", "C1", "pipeline-1")
pytestmark = pytest.mark.usefixtures("no_bot_router_or_model")
MakeExecutor = Callable[[Limits], Executor]


def statuses(record: PipelineRunRecord) -> dict[str, str]:
    return {step.step_id: step.status for step in record.steps}


async def test_independent_steps_run_in_parallel(
    executor: Executor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.latency = 0.5
    plan = make_plan(("a", "chat", []), ("b", "translator", []), ("c", "summarizer", []),
                     ("d", "chat", ["a", "b", "c"]))  # fmt: skip
    run_id = await executor.create(KEY, plan)
    started = time.monotonic()
    posted: list[str] = []

    async def post(run: PipelineRunRecord) -> None:
        posted.append(run.answer or "")

    record = await executor.run(run_id, post=post)
    elapsed = time.monotonic() - started
    # Three waves (a|b|c, d, the final answer) of 0.5 s = 1.5 s; one at a time takes 2.5 s.
    assert elapsed < 2.1, elapsed
    assert record.status == "done" and posted == ["final answer"]
    assert statuses(record) == dict.fromkeys("abcd", "done")
    d_request = next(r for r in fake_openai.requests if step_of(r.body) == "d").body
    prompt = d_request["messages"][-1]["content"]
    assert "Result of step 'a' (chat):\noutput of a" in prompt and "The task: the task" in prompt
    assert record.prompt_tokens > 0 and record.completion_tokens > 0


async def test_a_failed_step_skips_only_its_dependents(
    executor: Executor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.overrides["a"] = lambda n: Fail(400, message="bad request")
    plan = make_plan(("a", "chat", []), ("b", "chat", []), ("c", "chat", ["a"]),
                     ("d", "chat", ["b"]), ("e", "chat", ["c"]))  # fmt: skip
    record = await executor.run(await executor.create(KEY, plan))
    assert statuses(record) == {
        "a": "failed",
        "b": "done",
        "c": "skipped",
        "d": "done",
        "e": "skipped",
    }
    assert record.status == "failed" and record.answer == "final answer"
    aggregation = fake_openai.requests[-1].body["messages"][-1]["content"]
    assert "## a — chat — failed" in aggregation and "## c — chat — skipped" in aggregation
    failed = next(s for s in record.steps if s.step_id == "a")
    assert "HTTP 400" in (failed.error or "") and failed.attempt == 3  # 1 try + 2 retries
    # A step's error is shown in the run's channel: no endpoint address, no upstream body.
    assert "127.0.0.1" not in (failed.error or "") and "bad request" not in (failed.error or "")


async def test_a_timed_out_step_is_retried(
    make_executor: MakeExecutor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    # A second's timeout: the slow first attempt (5 s) misses it by far, and the second
    # makes it even on a busy machine (0.3 s was too tight when the CPUs were shared).
    executor = make_executor(Limits(step_timeout_s=1.0, step_retries=1, retry_backoff_s=0.01))
    steps.overrides["a"] = lambda n: Slow(5, Text("too late")) if n == 1 else Text("in time")
    record = await executor.run(await executor.create(KEY, make_plan(("a", "chat", []))))
    [a] = record.steps
    assert (a.status, a.output, a.attempt) == ("done", "in time", 2)


async def test_cancel_mid_run_stops_what_is_left(
    executor: Executor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.latency = 0.5
    plan = make_plan(("a", "chat", []), ("b", "chat", ["a"]), ("c", "chat", ["b"]))
    run_id = await executor.create(KEY, plan)
    running = asyncio.create_task(executor.run(run_id))
    await asyncio.sleep(0.2)
    assert await executor.cancel(run_id)
    record = await asyncio.wait_for(running, timeout=5)
    assert record.status == "cancelled" and record.answer is None
    assert set(statuses(record).values()) == {"cancelled"}
    assert not await executor.cancel(run_id)  # already ended


async def test_a_done_step_is_never_run_again_and_the_answer_is_posted_once(
    executor: Executor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    plan = make_plan(("a", "chat", []), ("b", "chat", ["a"]))
    run_id = await executor.create(KEY, plan)
    # As if a crash hit while b ran: a is done, b was caught running.
    await executor.store.start_step(run_id, "a")
    await executor.store.finish_step(
        run_id, "a", "saved output", prompt_tokens=1, completion_tokens=1
    )
    await executor.store.start_step(run_id, "b")
    posted: list[str] = []

    async def post(run: PipelineRunRecord) -> None:
        posted.append(run.answer or "")

    record = await executor.run(run_id, post=post)
    assert steps.calls == {"b": 1, None: 1}  # a was not asked again
    assert statuses(record) == {"a": "done", "b": "done"}
    assert "saved output" in fake_openai.requests[0].body["messages"][-1]["content"]
    again = await executor.run(run_id, post=post)
    assert again.status == "done" and posted == ["final answer"]


async def test_retry_reruns_a_failed_step_and_what_follows(
    executor: Executor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.overrides["a"] = lambda n: Fail(400) if n <= 3 else Text("fixed")
    plan = make_plan(("a", "chat", []), ("b", "chat", ["a"]), ("c", "chat", []))
    run_id = await executor.create(KEY, plan)
    assert (await executor.run(run_id)).status == "failed"
    assert await executor.retry(run_id) == ["a", "b"]
    record = await executor.run(run_id)
    assert record.status == "done" and statuses(record) == dict.fromkeys("abc", "done")
    assert steps.calls["c"] == 1


async def test_the_token_budget_stops_new_steps(
    make_executor: MakeExecutor, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    executor = make_executor(Limits(max_tokens=5, retry_backoff_s=0.01))
    plan = make_plan(("a", "chat", []), ("b", "chat", ["a"]))
    record = await executor.run(await executor.create(KEY, plan))
    assert statuses(record) == {"a": "done", "b": "failed"}
    assert "token budget of 5" in (record.steps[1].error or "")
    assert "could not be written" in (record.answer or "")
