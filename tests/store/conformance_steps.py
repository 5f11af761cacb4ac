"""The steps' part of the `PipelineStore` contract (conformance.py holds the runs' part):
attempts, results, tokens, retries and interrupted steps, whatever store holds them."""

from __future__ import annotations

import asyncio
import json

import pytest

from novabot.core.message import ConversationKey
from novabot.store import PipelineRunRecord, PipelineStore, StoreError

KEY = ConversationKey("slack", "C1", "T1")
OTHER = ConversationKey("slack", "C2")
PLAN = json.dumps({"steps": ["research", "write", "review"]})
STEPS = [
    ("research", "researcher", "find sources", []),
    ("write", "writer", "draft the text", ["research"]),
    ("review", "critic", "check the draft", ("research", "write")),
]


async def new_run(
    store: PipelineStore, key: ConversationKey = KEY, task: str = "write a report"
) -> int:
    return await store.create_run(key, task, PLAN, STEPS)


async def run_of(store: PipelineStore, run_id: int) -> PipelineRunRecord:
    run = await store.get_run(run_id)
    assert run is not None
    return run


class StepsContract:
    """Mixed into `PipelineStoreContract`; needs the same `pipeline_store` fixture."""

    async def test_start_step_increments_attempt_and_runs_the_run(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        assert await store.start_step(run_id, "research") == 1
        run = await run_of(store, run_id)
        assert run.status == "running"
        assert run.updated_at >= run.created_at
        step = run.steps[0]
        assert (step.status, step.attempt, step.finished_at) == ("running", 1, None)
        assert step.started_at is not None and step.started_at >= run.created_at
        await store.fail_step(run_id, "research", "timeout")
        assert await store.start_step(run_id, "research") == 2
        step = (await run_of(store, run_id)).steps[0]
        assert (step.status, step.attempt, step.error, step.finished_at) == (
            "running",
            2,
            None,
            None,
        )
        # A run already past pending keeps its status.
        await store.set_run_status(run_id, "cancelled")
        await store.start_step(run_id, "write")
        assert (await run_of(store, run_id)).status == "cancelled"

    async def test_finish_step_adds_tokens_to_step_and_run(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.start_step(run_id, "research")
        await store.finish_step(
            run_id, "research", "3 sources", prompt_tokens=10, completion_tokens=5
        )
        await store.start_step(run_id, "write")
        await store.finish_step(run_id, "write", "draft", prompt_tokens=7, completion_tokens=3)
        run = await run_of(store, run_id)
        research, write, review = run.steps
        assert (research.status, research.output, research.error) == ("done", "3 sources", None)
        assert research.finished_at is not None and research.started_at is not None
        assert research.finished_at >= research.started_at
        assert (research.prompt_tokens, research.completion_tokens) == (10, 5)
        assert (write.prompt_tokens, write.completion_tokens) == (7, 3)
        assert (review.status, review.prompt_tokens) == ("pending", 0)
        assert (run.prompt_tokens, run.completion_tokens) == (17, 8)
        assert write.finished_at is not None and run.updated_at >= write.finished_at

    async def test_fail_skip_and_cancel(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.start_step(run_id, "research")
        await store.fail_step(
            run_id, "research", "no sources", prompt_tokens=4, completion_tokens=1
        )
        await store.set_steps_status(run_id, ["write"], "skipped")
        await store.set_steps_status(run_id, ["review"], "cancelled")
        run = await run_of(store, run_id)
        research, write, review = run.steps
        assert (research.status, research.error, research.output) == ("failed", "no sources", None)
        assert research.finished_at is not None
        assert (research.prompt_tokens, research.completion_tokens) == (4, 1)
        assert (run.prompt_tokens, run.completion_tokens) == (4, 1)
        assert (write.status, write.attempt, write.started_at) == ("skipped", 0, None)
        assert write.finished_at is not None
        assert review.status == "cancelled"
        await store.fail_step(run_id, "write", "upstream failed")  # tokens default to 0
        assert (await run_of(store, run_id)).prompt_tokens == 4

    async def test_retry_back_to_pending_clears_results_but_keeps_attempts_and_tokens(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        for step_id in ("research", "write"):
            await store.start_step(run_id, step_id)
        await store.finish_step(run_id, "research", "old", prompt_tokens=2, completion_tokens=2)
        await store.fail_step(run_id, "write", "boom")
        await store.set_steps_status(run_id, ["research", "write", "research"], "pending")
        research, write, _ = (await run_of(store, run_id)).steps
        for step in (research, write):
            assert (step.status, step.output, step.error) == ("pending", None, None)
            assert (step.started_at, step.finished_at, step.attempt) == (None, None, 1)
        assert research.prompt_tokens == 2  # spent tokens stay spent
        assert await store.start_step(run_id, "research") == 2

    async def test_set_steps_status_is_all_or_nothing(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        with pytest.raises(StoreError, match=f"run {run_id} has no step 'ghost'"):
            await store.set_steps_status(run_id, ["research", "ghost"], "skipped")
        assert [s.status for s in (await run_of(store, run_id)).steps] == ["pending"] * 3
        await store.set_steps_status(run_id, [], "skipped")  # a no-op on a known run
        with pytest.raises(StoreError, match="no pipeline run 999"):
            await store.set_steps_status(999, [], "skipped")
        with pytest.raises(TypeError):
            await store.set_steps_status(run_id, "research", "skipped")

    async def test_reset_interrupted_steps(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.start_step(run_id, "research")
        await store.finish_step(run_id, "research", "ok", prompt_tokens=1, completion_tokens=1)
        await store.start_step(run_id, "review")
        await store.start_step(run_id, "write")
        assert await store.reset_interrupted_steps(run_id) == ["write", "review"]
        research, write, review = (await run_of(store, run_id)).steps
        assert (research.status, research.output) == ("done", "ok")
        for step in (write, review):
            assert (step.status, step.started_at, step.attempt) == ("pending", None, 1)
        assert await store.reset_interrupted_steps(run_id) == []

    async def test_50_concurrent_finish_steps_on_one_run(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        steps = [(f"s{i}", "worker", f"part {i}", []) for i in range(50)]
        run_id = await store.create_run(KEY, "fan out", "{}", steps)
        attempts = await asyncio.gather(*(store.start_step(run_id, f"s{i}") for i in range(50)))
        assert attempts == [1] * 50
        await asyncio.gather(
            *(
                store.finish_step(
                    run_id, f"s{i}", f"out {i}", prompt_tokens=i, completion_tokens=2 * i
                )
                for i in range(50)
            )
        )
        run = await run_of(store, run_id)
        assert [s.step_id for s in run.steps] == [f"s{i}" for i in range(50)]
        assert all(s.status == "done" and s.output == f"out {s.position}" for s in run.steps)
        assert all(s.prompt_tokens == s.position for s in run.steps)
        assert (run.prompt_tokens, run.completion_tokens) == (sum(range(50)), 2 * sum(range(50)))
