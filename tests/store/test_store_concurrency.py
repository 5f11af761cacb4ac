"""Concurrent writers, a second connection on the same file, and cancelled writes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey, Message
from novabot.store import Store, StoredMessage
from novabot.store.database import Params, Transaction

KEYS = [ConversationKey("slack", "C1", f"T{i}") for i in range(4)]


async def test_200_concurrent_writes_all_land(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    # gather() re-raises the first failure, e.g. sqlite3.OperationalError 'database is locked'.
    ids = await asyncio.gather(
        *(store.add_message(KEYS[i % 4], "user", f"m{i}") for i in range(200))
    )
    assert len(set(ids)) == 200
    assert count_rows("messages") == 200
    assert count_rows("conversations") == 4
    for key in KEYS:
        assert len(await store.history(key, limit=1000)) == 50


async def test_two_connections_on_one_file_share_it(
    store: Store, db_path: Path, count_rows: Callable[[str], int]
) -> None:
    # As two Nova processes would: separate connections, relying on WAL + busy_timeout.
    async with await Store.open(db_path) as other:
        writes = [s.add_message(KEYS[0], "user", "x") for s in (store, other) for _ in range(50)]
        message = Message(KEYS[0], "hi", user_id="U1", event_id="Ev1")
        claims = [
            s.take_inbound(message, f"owner{n}", 30) for n, s in enumerate((store, other) * 10)
        ]
        results = await asyncio.gather(*writes, *claims)
    assert count_rows("messages") == 100
    assert sum(result is not None for result in results[100:]) == 1


async def test_failed_transaction_rolls_back(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    with pytest.raises(RuntimeError):
        async with store._db.transaction() as tx:
            await tx.fetchall("INSERT INTO channel_bindings VALUES ('slack', 'C1', 'coder', 'now')")
            raise RuntimeError("boom")
    assert not store._db.in_transaction
    assert count_rows("channel_bindings") == 0
    assert await store.channel_agent("slack", "C1") is None


async def test_cancelled_write_leaves_no_partial_rows(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = KEYS[0]
    parked = asyncio.Event()
    original = Transaction.fetchall

    async def park_before_message_insert(self: Transaction, sql: str, params: Params = ()) -> list:
        # Stop add_message after it created the conversation row, before the message row.
        if sql.startswith("INSERT INTO messages"):
            parked.set()
            await asyncio.Event().wait()
        return await original(self, sql, params)

    monkeypatch.setattr(Transaction, "fetchall", park_before_message_insert)
    writer = asyncio.create_task(store.add_message(key, "user", "half written"))
    reader: asyncio.Task[list[StoredMessage]] | None = None
    try:
        await asyncio.wait_for(parked.wait(), timeout=2)
        # Half-written indeed: the connection's open transaction holds the conversation row.
        raw = store._db.connection
        assert store._db.in_transaction
        [(uncommitted,)] = await raw.execute_fetchall("SELECT count(*) FROM conversations")
        assert uncommitted == 1
        # A concurrent read waits for the write instead of seeing its uncommitted row.
        reader = asyncio.create_task(store.history(key))
        await asyncio.sleep(0.05)
        assert not reader.done()
    finally:
        # Also on a failed assertion, so the parked writer cannot hang the fixture's close().
        writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    monkeypatch.undo()

    assert reader is not None
    assert await reader == []
    assert not store._db.in_transaction
    assert (await store._db.fetchone("SELECT count(*) FROM conversations"))[0] == 0
    # The connection is usable again (no transaction left open to break the next BEGIN).
    await store.add_message(key, "user", "whole")
    await store.close()
    async with await Store.open(db_path) as reopened:
        assert [m.content for m in await reopened.history(key)] == ["whole"]


async def test_cancelled_waiter_does_not_disturb_the_running_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()
    parked = asyncio.Event()
    original = Transaction.fetchall

    async def slow(self: Transaction, sql: str, params: Params = ()) -> list:
        if sql.startswith("INSERT INTO messages") and not release.is_set():
            parked.set()
            await release.wait()
        return await original(self, sql, params)

    monkeypatch.setattr(Transaction, "fetchall", slow)
    first = asyncio.create_task(store.add_message(KEYS[0], "user", "first"))
    try:
        await asyncio.wait_for(parked.wait(), timeout=2)
        queued = asyncio.create_task(store.add_message(KEYS[1], "user", "queued"))
        await asyncio.sleep(0.01)
        queued.cancel()  # cancelled while waiting for the lock: must not roll back `first`
    finally:
        release.set()  # never leave `first` parked holding the lock
    await first
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert [m.content for m in await store.history(KEYS[0])] == ["first"]
    assert await store.history(KEYS[1]) == []


async def test_opening_waits_for_a_writer_on_a_database_not_yet_in_wal_mode(
    tmp_path: Path,
) -> None:
    # Two `nova` commands started together on a new file: while one holds a write lock in
    # the default journal mode, the other's switch to WAL is refused at once ("database is
    # locked", SQLite's busy handler is not consulted for it). Opening must wait instead.
    db_path = tmp_path / "fresh.db"
    writer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")

    async def commit_soon() -> None:
        await asyncio.sleep(0.3)
        writer.execute("COMMIT")

    releasing = asyncio.create_task(commit_soon())
    try:
        store = await Store.open(db_path)
        await store.close()
    finally:
        await releasing
        writer.close()
