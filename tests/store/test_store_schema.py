"""Opening, pragmas, and the migration path (fresh, upgrade, too new, failed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from novabot.core.message import ConversationKey
from novabot.store import LATEST_VERSION, MIGRATIONS, Store, StoreError, UsageRow, migrate
from novabot.store import migrations as migrations_module
from novabot.store.migrations import Migration, split_statements

KEY = ConversationKey("slack", "C1")


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def is_file(path: Path) -> bool:
    return path.is_file()


async def test_open_creates_file_at_latest_version_with_pragmas(db_path: Path) -> None:
    assert not is_file(db_path.parent)
    async with await Store.open(db_path) as store:
        assert is_file(db_path)
        assert store.path == db_path
        assert await store.schema_version() == LATEST_VERSION
        pragma = store._db.fetchone
        assert (await pragma("PRAGMA journal_mode"))[0] == "wal"
        assert (await pragma("PRAGMA foreign_keys"))[0] == 1
        assert (await pragma("PRAGMA busy_timeout"))[0] == 5000
        assert (await pragma("PRAGMA synchronous"))[0] == 1  # NORMAL
    assert {
        "conversations",
        "messages",
        "routing_decisions",
        "processed_events",
        "token_usage",
        "channel_bindings",
        "pipeline_runs",
        "pipeline_steps",
    } <= tables(db_path)


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with store._db.transaction() as tx:
            await tx.fetchall(
                "INSERT INTO messages (conversation_id, role, content, created_at)"
                " VALUES (999, 'user', 'orphan', '2024-01-01T00:00:00+00:00')"
            )


def test_migrations_are_numbered_in_order_from_one() -> None:
    # In order from 1; a number may be missing while a branch waits for another's migration.
    versions = [m.version for m in MIGRATIONS]
    assert versions[0] == 1 and versions == sorted(set(versions))
    assert all(m.description and split_statements(m.sql) for m in MIGRATIONS)


def test_split_statements_keeps_semicolons_inside_literals() -> None:
    script = "CREATE TABLE t (x TEXT DEFAULT 'a;b');\n-- note; here\nINSERT INTO t VALUES (1);\n"
    assert len(split_statements(script)) == 2


async def test_version_1_database_is_upgraded_with_rows_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    t = "2024-05-01T12:00:00.000000+00:00"
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, target=1) == 1
        await conn.execute(
            "INSERT INTO conversations (platform, channel_id, thread_id, created_at, updated_at)"
            " VALUES ('slack', 'C1', '', ?, ?)",
            (t, t),
        )
        await conn.execute(
            "INSERT INTO messages (conversation_id, role, content, agent, created_at)"
            " VALUES (1, 'user', 'hello', NULL, ?), (1, 'assistant', 'hi there', 'helper', ?)",
            (t, t),
        )
        await conn.execute(
            "INSERT INTO routing_decisions"
            " (conversation_id, message_id, agent, rule, reason, score, created_at)"
            " VALUES (1, 1, 'helper', 'keyword', 'said hello', 0.75, ?)",
            (t,),
        )
        await conn.execute("INSERT INTO processed_events VALUES ('slack', 'Ev1', ?)", (t,))
        await conn.commit()
    assert "token_usage" not in tables(path)

    async with await Store.open(path) as store:
        assert await store.schema_version() == LATEST_VERSION
        assert [(m.role, m.content) for m in await store.history(KEY)] == [
            ("user", "hello"),
            ("assistant", "hi there"),
        ]
        assert await store.last_agent(KEY) == "helper"
        decision = await store.last_decision(KEY)
        assert decision is not None
        assert (decision.agent, decision.message_text, decision.score) == ("helper", "hello", 0.75)
        assert await store.claim_event("slack", "Ev1") is False
        # Version-2 tables work against the version-1 conversation.
        await store.record_usage(
            KEY, agent="helper", model="m", prompt_tokens=3, completion_tokens=4
        )
        assert await store.usage(KEY) == [UsageRow("helper", "m", 1, 3, 4)]
        await store.bind_channel("slack", "C1", "helper")
        assert await store.channel_agent("slack", "C1") == "helper"


async def test_newer_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir()
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(StoreError) as raised:
        await Store.open(db_path)
    assert str(raised.value) == (
        f"database {db_path} has schema version {LATEST_VERSION + 1}, "
        f"newer than this Nova ({LATEST_VERSION}); upgrade Nova"
    )
    assert tables(db_path) == set()  # nothing was created in it
    async with aiosqlite.connect(db_path) as conn:
        with pytest.raises(StoreError, match="newer than this Nova"):
            await migrate(conn)


async def test_failed_migration_rolls_back_entirely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_version = LATEST_VERSION + 1
    broken = Migration(broken_version, "broken", "CREATE TABLE half_done (x); CREATE TABLE oops (")
    monkeypatch.setattr(migrations_module, "MIGRATIONS", [*MIGRATIONS, broken])
    path = tmp_path / "broken.db"
    async with aiosqlite.connect(path) as conn:
        with pytest.raises(StoreError, match=rf"migration {broken_version} \(broken\) failed"):
            await migrate(conn)
        assert not conn.in_transaction
    # The real migrations committed; none of the broken one, not even its first statement.
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert "half_done" not in tables(path)


async def test_migrate_is_idempotent_and_never_downgrades(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "m.db") as conn:
        assert await migrate(conn, target=1) == 1
        assert await migrate(conn) == LATEST_VERSION
        assert await migrate(conn) == LATEST_VERSION
        assert await migrate(conn, target=1) == LATEST_VERSION
        with pytest.raises(ValueError):
            await migrate(conn, target=LATEST_VERSION + 1)


async def test_close_is_idempotent_and_closed_store_refuses_work(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="closed"):
        await store.history(KEY)
    with pytest.raises(StoreError, match="closed"):
        await store.add_message(KEY, "user", "too late")
