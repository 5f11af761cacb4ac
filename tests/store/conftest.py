"""Fixtures for the store tests: a real SQLite file per test, the real migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from novabot.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    # A missing subdirectory, so every test also exercises directory creation.
    return tmp_path / "data" / "nova.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(db_path)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def count_rows(db_path: Path) -> Callable[[str], int]:
    """Count a table's committed rows from a separate connection, as another process would."""

    def count(table: str) -> int:
        with sqlite3.connect(db_path) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    return count
