"""A demo database written once per module at full size (about a second), and helpers
that read any SQLite or PostgreSQL copy of it back in a comparable form."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from novabot.erp.demo.generate import generate
from novabot.erp.demo.schema import TABLES
from novabot.erp.demo.writers import write_sqlite

MONEY_COLUMNS = {
    (table.name, column)
    for table in TABLES
    for column in re.findall(r"^\s*(\w+) NUMERIC", table.ddl, flags=re.MULTILINE)
}


@pytest.fixture(scope="module")
def full_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """The default demo database (seed 1, full size), read-only."""
    path = tmp_path_factory.mktemp("erp") / "erp-demo.db"
    write_sqlite(path, generate())
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        yield conn


def canonical(table: str, column: str, value: Any) -> str:
    """One text for a value, whichever database returned it: SQLite gives money back as
    int or float and dates as text; PostgreSQL as Decimal and date."""
    if value is None:
        return "NULL"
    if (table, column) in MONEY_COLUMNS:
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def content(rows_of: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows in key order, as canonical text; `rows_of(sql)` runs a query."""
    tables = {}
    for table in TABLES:
        order = ", ".join(table.columns[:2])  # the key, or its first part
        rows = rows_of(f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {order}")
        tables[table.name] = [
            tuple(canonical(table.name, c, v) for c, v in zip(table.columns, row, strict=True))
            for row in rows
        ]
    return tables


def digest(tables: dict[str, list[tuple[str, ...]]]) -> str:
    return hashlib.sha256(repr(sorted(tables.items())).encode()).hexdigest()


def sqlite_content(path: Path) -> dict[str, list[tuple[str, ...]]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return content(lambda sql: conn.execute(sql).fetchall())
