"""Real databases made unusable the ways they are in the wild: damaged pages, a file
nobody may write. Built by Nova's own migrations, then broken from outside."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store


async def real_database(path: Path) -> Path:
    """A migrated database with a conversation in it, closed (its WAL checkpointed)."""
    async with await Store.open(path) as store:
        key = ConversationKey("cli", "alice", None)
        await store.add_message(key, "user", "hello", user_id="alice")
        await store.record_decision(key, agent="chat", rule="semantic", reason="r", score=0.5)
    return path


def overwrite_page(path: Path, page: int, data: bytes = b"\xa5" * 64) -> None:
    """Overwrite the start of page `page` (1-based): past page 1's 100-byte file header."""
    with closing(sqlite3.connect(path)) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    offset = (page - 1) * page_size + (100 if page == 1 else 0)
    with path.open("r+b") as stream:
        stream.seek(offset)
        stream.write(data)


def root_page(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        return int(row.fetchone()[0])


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file cannot be written by this process, root included (immutable), or skip."""
    path.chmod(0o444)
    immutable = False
    try:
        if os.access(path, os.W_OK):  # root: permission bits do not stop it
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip("cannot make a file read-only for this user here (no chattr +i)")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(0o644)
