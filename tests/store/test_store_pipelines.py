"""Pipeline runs in SQLite: rows, durability, migrations and what only this store has.

What every pipeline store does is the contract in conformance.py, run on SQLite by
test_pipeline_store_conformance.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiosqlite
import pytest

from novabot.store import LATEST_VERSION, Store, StoreError, migrate
from tests.store.conformance import KEY, PLAN, new_run, run_of


async def test_a_run_is_a_row_and_a_row_per_step(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    await new_run(store)
    assert (count_rows("pipeline_runs"), count_rows("pipeline_steps")) == (1, 3)


async def test_a_refused_run_writes_no_rows(store: Store, count_rows: Callable[[str], int]) -> None:
    with pytest.raises(ValueError, match="duplicate step ids"):
        await store.create_run(KEY, "t", PLAN, [("a", "x", "i", []), ("a", "y", "j", [])])
    assert count_rows("pipeline_runs") == count_rows("conversations") == 0


async def test_add_run_tokens_outside_any_step(store: Store) -> None:
    run_id = await new_run(store)
    await store.start_step(run_id, "research")
    await store.finish_step(run_id, "research", "x", prompt_tokens=17, completion_tokens=8)
    await store.add_run_tokens(run_id, 100, 1)
    run = await run_of(store, run_id)
    assert (run.prompt_tokens, run.completion_tokens) == (117, 9)
    with pytest.raises(ValueError, match="negative"):
        await store.add_run_tokens(run_id, 0, -5)
    with pytest.raises(StoreError, match=f"no pipeline run {run_id + 1}"):
        await store.add_run_tokens(run_id + 1, 1, 1)
    assert (await run_of(store, run_id)).prompt_tokens == 117


async def test_claimed_answer_post_survives_reopen(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        run_id = await new_run(store)
        other_id = await new_run(store)
        await store.save_answer(run_id, "answer", "done")
        assert await store.claim_answer_post(run_id) is True
    async with await Store.open(db_path) as store:
        assert await store.claim_answer_post(run_id) is False
        assert await store.claim_answer_post(other_id) is True
        assert (await run_of(store, run_id)).answer == "answer"


async def test_deleting_a_conversation_cascades_to_runs_and_steps(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    await new_run(store)
    async with store._db.transaction() as tx:
        await tx.fetchall("DELETE FROM conversations")
    assert count_rows("pipeline_runs") == count_rows("pipeline_steps") == 0


async def test_version_2_database_is_upgraded_with_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    t = "2024-05-01T12:00:00.000000+00:00"
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, target=2) == 2
        await conn.execute(
            "INSERT INTO conversations (platform, channel_id, thread_id, created_at, updated_at)"
            " VALUES ('slack', 'C1', 'T1', ?, ?)",
            (t, t),
        )
        await conn.execute(
            "INSERT INTO messages (conversation_id, role, content, agent, created_at)"
            " VALUES (1, 'user', 'hello', NULL, ?)",
            (t,),
        )
        await conn.execute(
            "INSERT INTO token_usage"
            " (conversation_id, agent, model, prompt_tokens, completion_tokens, created_at)"
            " VALUES (1, 'helper', 'm', 3, 4, ?)",
            (t,),
        )
        await conn.execute("INSERT INTO channel_bindings VALUES ('slack', 'C1', 'helper', ?)", (t,))
        await conn.commit()
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "pipeline_runs" not in names

    async with await Store.open(path) as store:
        assert await store.schema_version() == LATEST_VERSION >= 3
        assert [m.content for m in await store.history(KEY)] == ["hello"]
        assert [(u.agent, u.prompt_tokens) for u in await store.usage(KEY)] == [("helper", 3)]
        assert await store.channel_agent("slack", "C1") == "helper"
        # The new tables hang off the old conversation.
        run_id = await new_run(store)
        assert [r.id for r in await store.list_runs(key=KEY)] == [run_id]
        async with store._db.transaction() as tx:
            row = await tx.fetchone("SELECT conversation_id FROM pipeline_runs")
        assert row is not None and row[0] == 1
