"""The contract every `PipelineStore` passes: what a pipeline may rely on, whatever holds it.

`PipelineStoreContract` is a base class of tests run against a `pipeline_store` fixture;
test_pipeline_store_conformance.py runs it on every store Nova ships. Only the protocol's
methods are used here, so a new store (PostgreSQL...) proves itself equal by passing it.
"""

from __future__ import annotations

import asyncio

import pytest

from novabot.core.message import ConversationKey
from novabot.store import PipelineStore, StoreError
from tests.store.conformance_steps import KEY, OTHER, PLAN, STEPS, StepsContract, new_run, run_of


class PipelineStoreContract(StepsContract):
    """Subclass it as `Test…` where a `pipeline_store` fixture gives a fresh, empty store.
    The runs' part is here; the steps' part is in conformance_steps.py."""

    async def test_create_and_get_round_trip(self, pipeline_store: PipelineStore) -> None:
        run_id = await new_run(pipeline_store)
        run = await run_of(pipeline_store, run_id)
        assert (run.id, run.key, run.task, run.plan) == (run_id, KEY, "write a report", PLAN)
        assert (run.status, run.answer, run.answer_posted) == ("pending", None, False)
        assert (run.prompt_tokens, run.completion_tokens, run.finished_at) == (0, 0, None)
        assert run.created_at == run.updated_at
        assert run.created_at.utcoffset() is not None and not run.created_at.utcoffset()
        assert [s.step_id for s in run.steps] == ["research", "write", "review"]
        assert [s.position for s in run.steps] == [0, 1, 2]
        assert [s.agent for s in run.steps] == ["researcher", "writer", "critic"]
        assert [s.instruction for s in run.steps] == [s[2] for s in STEPS]
        assert [s.depends_on for s in run.steps] == [(), ("research",), ("research", "write")]
        for step in run.steps:
            assert (step.run_id, step.status, step.attempt) == (run_id, "pending", 0)
            assert (step.output, step.error, step.started_at, step.finished_at) == (None,) * 4
            assert (step.prompt_tokens, step.completion_tokens) == (0, 0)
        assert await pipeline_store.get_run(run_id + 1) is None

    async def test_ids_grow_with_each_run(self, pipeline_store: PipelineStore) -> None:
        ids = [await new_run(pipeline_store) for _ in range(3)]
        assert ids == sorted(ids) and len(set(ids)) == 3

    async def test_key_without_thread_and_run_without_steps(
        self, pipeline_store: PipelineStore
    ) -> None:
        run_id = await pipeline_store.create_run(OTHER, "nothing to do", "[]", [])
        run = await run_of(pipeline_store, run_id)
        assert (run.key, run.key.thread_id, run.steps) == (OTHER, None, ())

    async def test_an_empty_thread_is_no_thread(self, pipeline_store: PipelineStore) -> None:
        run_id = await new_run(pipeline_store, ConversationKey("slack", "C2", ""))
        assert (await run_of(pipeline_store, run_id)).key == OTHER
        assert await pipeline_store.latest_run_id(OTHER) == run_id
        assert [r.id for r in await pipeline_store.list_runs(key=OTHER)] == [run_id]

    async def test_create_run_validates_steps_before_writing(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        with pytest.raises(ValueError, match="duplicate step ids"):
            await store.create_run(KEY, "t", PLAN, [("a", "x", "i", []), ("a", "y", "j", [])])
        with pytest.raises(ValueError, match="unknown steps"):
            await store.create_run(KEY, "t", PLAN, [("a", "x", "i", ["nope"])])
        with pytest.raises(TypeError):
            await store.create_run(KEY, "t", PLAN, [("ab", "x", "i", "a")])
        assert await store.list_runs() == [] and await store.latest_run_id(KEY) is None

    async def test_list_runs_newest_first_and_by_key(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        first = await new_run(store, KEY, "one")
        second = await new_run(store, OTHER, "two")
        third = await new_run(store, KEY, "three")
        assert [r.id for r in await store.list_runs()] == [third, second, first]
        assert [r.id for r in await store.list_runs(limit=2)] == [third, second]
        assert [r.id for r in await store.list_runs(key=KEY)] == [third, first]
        assert [r.id for r in await store.list_runs(key=OTHER)] == [second]
        assert await store.list_runs(key=ConversationKey("slack", "C1")) == []  # no thread
        assert await store.list_runs(limit=0) == []
        listed = await store.list_runs(limit=1)
        assert listed == [await run_of(store, third)]
        assert len(listed[0].steps) == 3

    async def test_a_run_remembers_who_started_it(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        mine = await store.create_run(KEY, "t", PLAN, STEPS, started_by="U1")
        unknown = await new_run(store)
        assert (await run_of(store, mine)).started_by == "U1"
        assert (await run_of(store, unknown)).started_by is None
        await store.reopen_run(mine)  # a retry keeps the starter
        listed = {run.id: run.started_by for run in await store.list_runs(key=KEY)}
        assert listed == {mine: "U1", unknown: None}

    async def test_list_runs_of_a_channel_and_its_threads(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        channel = ConversationKey("slack", "C1")
        in_thread = await new_run(store, KEY)  # slack C1/T1
        at_channel_level = await new_run(store, channel)
        await new_run(store, OTHER)  # slack C2
        await new_run(store, ConversationKey("discord", "C1", "T1"))  # same ids, other platform
        assert [r.id for r in await store.list_runs(key=channel, threads=True)] == [
            at_channel_level,
            in_thread,
        ]
        assert [r.id for r in await store.list_runs(key=channel)] == [at_channel_level]
        # A key with a thread is that thread alone, with or without `threads`.
        assert [r.id for r in await store.list_runs(key=KEY, threads=True)] == [in_thread]
        assert [r.id for r in await store.list_runs(key=channel, threads=True, limit=1)] == [
            at_channel_level
        ]

    async def test_latest_run_id_of_a_conversation(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        key = ConversationKey("t", "c", "thread")
        assert await store.latest_run_id(key) is None
        await store.create_run(key, "first", "{}", [("a", "chat", "x", [])])
        newest = await store.create_run(key, "second", "{}", [("a", "chat", "x", [])])
        await store.create_run(
            ConversationKey("t", "c", "other"), "elsewhere", "{}", [("a", "chat", "x", [])]
        )
        await store.create_run(ConversationKey("t", "c"), "no thread", "{}", [])
        assert await store.latest_run_id(key) == newest

    async def test_run_status_is_the_cheap_check(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await store.create_run(
            ConversationKey("t", "c"), "task", "{}", [("a", "chat", "x", [])]
        )
        assert await store.run_status(run_id) == "pending"
        await store.set_run_status(run_id, "cancelled")
        assert await store.run_status(run_id) == "cancelled"
        assert await store.run_status(run_id + 1) is None

    async def test_records_are_snapshots(self, pipeline_store: PipelineStore) -> None:
        run_id = await new_run(pipeline_store)
        before = await run_of(pipeline_store, run_id)
        await pipeline_store.start_step(run_id, "research")
        assert before.status == "pending" and before.steps[0].status == "pending"

    async def test_unfinished_runs_oldest_first(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        ids = [await new_run(store, task=f"t{i}") for i in range(5)]
        await store.start_step(ids[1], "research")  # running
        await store.set_run_status(ids[2], "done")
        await store.set_run_status(ids[3], "cancelled")
        await store.save_answer(ids[4], "sorry", "failed")
        await store.claim_answer_post(ids[4])
        assert await store.unfinished_runs() == [ids[0], ids[1]]

    async def test_unfinished_runs_include_answers_not_yet_posted(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.save_answer(run_id, "the answer", "done")
        assert await store.unfinished_runs() == [run_id]  # a crash before the post: post it
        await store.claim_answer_post(run_id)
        assert await store.unfinished_runs() == []

    async def test_set_run_status_sets_and_clears_finished_at(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.set_run_status(run_id, "failed")
        run = await run_of(store, run_id)
        assert run.status == "failed" and run.finished_at is not None
        await store.set_run_status(run_id, "running")  # resumed by hand
        run = await run_of(store, run_id)
        assert (run.status, run.finished_at) == ("running", None)

    async def test_save_answer_and_claim_answer_post_once(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        await store.save_answer(run_id, "the report", "done", prompt_tokens=5, completion_tokens=6)
        run = await run_of(store, run_id)
        assert (run.answer, run.status, run.answer_posted) == ("the report", "done", False)
        assert (run.prompt_tokens, run.completion_tokens) == (5, 6)
        assert run.finished_at is not None
        results = await asyncio.gather(*(store.claim_answer_post(run_id) for _ in range(20)))
        assert results.count(True) == 1
        assert (await run_of(store, run_id)).answer_posted is True
        assert await store.claim_answer_post(run_id) is False

    async def test_reopen_run_allows_one_new_answer_post(
        self, pipeline_store: PipelineStore
    ) -> None:
        store = pipeline_store
        run_id = await store.create_run(
            ConversationKey("t", "c", "th"), "task", "{}", [("a", "chat", "x", [])]
        )
        await store.save_answer(run_id, "first", "done")
        assert await store.claim_answer_post(run_id)
        await store.reopen_run(run_id)
        reopened = await run_of(store, run_id)
        assert (reopened.status, reopened.answer, reopened.answer_posted) == (
            "pending",
            None,
            False,
        )
        assert reopened.finished_at is None
        assert await store.claim_answer_post(run_id) and not await store.claim_answer_post(run_id)

    async def test_invalid_statuses_raise_value_error(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        with pytest.raises(ValueError, match="run status"):
            await store.set_run_status(run_id, "skipped")
        with pytest.raises(ValueError, match="step status"):
            await store.set_steps_status(run_id, ["research"], "finished")
        with pytest.raises(ValueError):
            await store.save_answer(run_id, "x", "running")
        with pytest.raises(ValueError):
            await store.set_run_status(999, "bogus")  # checked before the run is looked up
        with pytest.raises(ValueError, match="negative"):
            await store.finish_step(run_id, "research", "x", prompt_tokens=-1, completion_tokens=0)
        with pytest.raises(ValueError, match="negative"):
            await store.save_answer(run_id, "x", "done", completion_tokens=-5)
        run = await run_of(store, run_id)
        assert (run.status, run.answer, run.prompt_tokens) == ("pending", None, 0)

    async def test_unknown_ids_raise_store_error(self, pipeline_store: PipelineStore) -> None:
        store = pipeline_store
        run_id = await new_run(store)
        no_run = f"no pipeline run {run_id + 1}"
        writes = [
            store.set_run_status(run_id + 1, "done"),
            store.start_step(run_id + 1, "research"),
            store.finish_step(run_id + 1, "research", "x", prompt_tokens=0, completion_tokens=0),
            store.fail_step(run_id + 1, "research", "x"),
            store.set_steps_status(run_id + 1, ["research"], "skipped"),
            store.reset_interrupted_steps(run_id + 1),
            store.save_answer(run_id + 1, "x", "done"),
            store.claim_answer_post(run_id + 1),
            store.reopen_run(run_id + 1),
        ]
        for write in writes:
            with pytest.raises(StoreError) as raised:
                await write
            assert str(raised.value) == no_run
        no_step = f"run {run_id} has no step 'ghost'"
        for write in [
            store.start_step(run_id, "ghost"),
            store.finish_step(run_id, "ghost", "x", prompt_tokens=1, completion_tokens=1),
            store.fail_step(run_id, "ghost", "x", prompt_tokens=1),
        ]:
            with pytest.raises(StoreError) as raised:
                await write
            assert str(raised.value) == no_step
        # Nothing of the failed writes landed, the run's tokens included.
        run = await run_of(store, run_id)
        assert (run.status, run.prompt_tokens, run.completion_tokens) == ("pending", 0, 0)
