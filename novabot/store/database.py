"""The single aiosqlite connection, its pragmas, and the serialised `transaction()`.

aiosqlite runs every call on one worker thread in FIFO order, but coroutines still
interleave between awaits. One connection has one transaction, so two coroutines
writing at once would share it: one's ROLLBACK would undo the other's rows. An
asyncio.Lock therefore guards every transaction, and reads take it too so they never
observe another coroutine's uncommitted, possibly-about-to-be-rolled-back rows.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from novabot.store.errors import StoreError, sqlite_failure

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
"""How long SQLite waits for another process's write lock before 'database is locked'."""

Params = Iterable[Any]

_PRAGMAS = (
    # First, so even the WAL switch below waits for another process instead of failing.
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    # WAL lets readers in other processes (a CLI, the bot) proceed while one writes.
    "PRAGMA journal_mode = WAL",
    # In WAL mode NORMAL is still crash-safe (a power cut may lose the last commits only).
    "PRAGMA synchronous = NORMAL",
    # Off by default in SQLite, per connection; ON DELETE CASCADE depends on it.
    "PRAGMA foreign_keys = ON",
)


async def _apply(conn: aiosqlite.Connection, pragma: str) -> None:
    """Run a connection pragma, waiting out another process that holds the database.

    Switching a new database to WAL needs an exclusive lock, and SQLite reports "database
    is locked" at once, without its busy handler, when another process is opening the same
    new file at that moment (two `nova` commands started together). So wait here instead.
    """
    deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            await conn.execute_fetchall(pragma)
            return
        except sqlite3.OperationalError as exc:
            locked = "locked" in str(exc) or "busy" in str(exc)
            if not locked or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


class Transaction:
    """Statement access valid only inside `Database.transaction()` (the lock is held)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run one statement; rows of a SELECT or a RETURNING clause, else []."""
        # execute_fetchall is a single hop to the worker thread and leaves no open cursor.
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class Database:
    """Owns the process's one connection and serialises access to it."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: Path) -> Database:
        """Open `path` (creating its directory), and apply the connection pragmas.

        Every failure is a StoreError of one line saying what to do next.
        """
        path = await asyncio.to_thread(prepare_location, path)
        try:
            # isolation_level=None: no implicit BEGINs from the sqlite3 module; we issue
            # BEGIN IMMEDIATE ourselves so the write lock is taken up front.
            conn = await aiosqlite.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise sqlite_failure(exc, path) from exc
        conn.row_factory = aiosqlite.Row
        try:
            for pragma in _PRAGMAS:
                await _apply(conn, pragma)
        except sqlite3.Error as exc:
            await conn.close()
            raise sqlite_failure(exc, path) from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    @property
    def connection(self) -> aiosqlite.Connection:
        """The raw connection, for migrations run before the store is shared."""
        return self._require_open()

    @property
    def in_transaction(self) -> bool:
        return self._conn is not None and self._conn.in_transaction

    def _require_open(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError(f"store {self.path} is closed")
        return self._conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """A read outside any transaction (waits for an in-flight write to finish)."""
        async with self._lock:
            return list(await self._require_open().execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception, CancelledError included.

        The rollback is queued on aiosqlite's FIFO worker behind whatever statement was
        in flight when the task was cancelled, so it always runs after it and before the
        next transaction's BEGIN: a cancelled write leaves nothing behind.
        """
        async with self._lock:
            conn = self._require_open()
            try:
                await conn.execute_fetchall("BEGIN IMMEDIATE")
                yield Transaction(conn)
                await conn.execute_fetchall("COMMIT")
            except BaseException:
                await _rollback(conn)
                raise

    async def close(self) -> None:
        """Close once; waits for an in-flight transaction rather than cutting it off."""
        if self._conn is None:
            return
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:  # closed by a concurrent close() while we waited
                return
            # Cheap, and recommended by SQLite before closing long-lived connections.
            with suppress(sqlite3.Error):
                await conn.execute_fetchall("PRAGMA optimize")
            await conn.close()


def prepare_location(path: Path) -> Path:
    """Expand `~`, create the database's folder and check that files can be made in it.

    SQLite needs the folder, not just the file: WAL mode keeps `-wal` and `-shm` files
    beside the database. A folder Nova cannot use is a StoreError naming the reason, found
    here before SQLite's vaguer "unable to open database file". Blocking: run it in a thread
    from async code.
    """
    if str(path) == ":memory:":
        return path
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        problem = _location_problem(path, exc)
        raise StoreError(
            f"cannot use the database {path}: {problem}; "
            "set NOVA_DB_PATH to a file in a folder you can write"
        ) from None
    if path.is_dir():
        raise StoreError(
            f"the database path {path} is a folder: set NOVA_DB_PATH to a file, e.g. "
            f"{path / 'nova.db'}"
        )
    return path


def _location_problem(path: Path, exc: OSError) -> str:
    for ancestor in path.parents:
        if ancestor.exists() and not ancestor.is_dir():
            return f"{ancestor} is a file, not a folder"
    return f"cannot create files in {path.parent} ({exc.strerror or exc})"


async def _rollback(conn: aiosqlite.Connection) -> None:
    # sqlite3's rollback() is a no-op outside a transaction (e.g. BEGIN itself failed).
    try:
        await conn.rollback()
    except Exception:  # keep the original error; this one is secondary
        log.exception("rollback failed")


def open_read_only(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A plain read-only connection (`mode=ro`): it never writes, migrates or creates the
    file, so checks, backups and metrics can read a database another process is using,
    or a damaged one, without changing it."""
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=timeout)
