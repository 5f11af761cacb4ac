"""Who is dead: a worker whose process is gone from this host, or whose heartbeat stopped."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from novabot.delivery.worker import Worker, process_exists
from novabot.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "nova.db") as opened:
        yield opened


async def exited_pid() -> int:
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await process.wait()
    return process.pid


async def test_a_worker_whose_process_is_gone_is_dead_at_once(store: Store) -> None:
    me = Worker(store, lease_s=30)
    async with me:
        pid = await exited_pid()
        assert not process_exists(pid)
        await store.register_worker(f"{me.host}:{pid}:x", me.host, pid)
        await store.register_worker("elsewhere:1:y", "elsewhere", 1)  # another host: alive
        other = Worker(store, lease_s=30)
        await other.start()
        assert await me.dead_owners() == {f"{me.host}:{pid}:x"}
        await other.stop()


async def test_a_worker_whose_heartbeat_stopped_is_dead(store: Store, tmp_path: Path) -> None:
    me = Worker(store, lease_s=30)
    await store.register_worker("elsewhere:1:y", "elsewhere", 1)
    with sqlite3.connect(tmp_path / "nova.db") as db:
        db.execute("UPDATE workers SET heartbeat_at = '2020-01-01T00:00:00.000000+00:00'")
    assert await me.dead_owners() == {"elsewhere:1:y"}
    await me.forget_old_workers(timedelta(days=7))
    assert await store.workers() == []


async def test_a_heartbeat_keeps_a_worker_alive_and_stopping_retires_it(store: Store) -> None:
    beating = Worker(store, lease_s=0.3)
    watcher = Worker(store, lease_s=0.3)
    async with beating:
        await asyncio.sleep(0.6)  # two leases' worth: only the heartbeat keeps it fresh
        assert await watcher.dead_owners() == set()
        assert [w.owner for w in await store.workers()] == [beating.owner]
    assert await store.workers() == []
