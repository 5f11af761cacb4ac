"""The ERP database interface the tools use, and what it returns.

Two methods, whatever the engine: `schema()` describes the tables, `query(sql)` runs one
read-only statement and returns at most `max_rows` rows and `max_bytes` of text. The
engines (sqlite.py, postgres.py) make "read-only" a property of the connection, not of a
keyword filter: the database itself refuses anything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from novabot.erp.url import ErpUrl

Cell = str | int | float | None
"""A value as it is shown: numbers stay numbers, everything else becomes text."""

CELL_LIMIT = 4000
"""Characters of one value shown before it is cut (a long description, a blob)."""


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 5.0
    max_rows: int = 100
    max_bytes: int = 64 * 1024


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    rows: int | None = None
    """The row count; None when counting took too long."""
    approximate: bool = False
    """`rows` is the engine's estimate (very large PostgreSQL tables)."""
    view: bool = False


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Cell, ...]]
    truncated: bool
    """More rows (or longer values) than were returned: the limits cut the result."""
    elapsed_s: float


class ErpDatabase(Protocol):
    """One ERP database, read-only."""

    url: ErpUrl
    limits: Limits

    async def schema(self) -> list[Table]:
        """Every table and view the connection can read, with columns, keys and row counts."""
        ...

    async def query(self, sql: str) -> QueryResult:
        """Run one read-only statement; ErpError (QueryRefused, QueryTimedOut, …) if not."""
        ...


def cell(value: object) -> tuple[Cell, bool]:
    """A value as shown, and whether it was cut."""
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if value is None or isinstance(value, int | float):
        return value, False
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>", False
    if isinstance(value, dt.datetime | dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    if len(text) > CELL_LIMIT:
        return text[: CELL_LIMIT - 1] + "…", True
    return text, False


def row_size(row: Sequence[Cell]) -> int:
    """The bytes a row adds to a result as text (one separator per value)."""
    return sum(len(str(value).encode()) + 1 for value in row)


class Collector:
    """Takes rows until the row or byte limit is reached; `full` says to stop fetching."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows: list[tuple[Cell, ...]] = []
        self.size = 0
        self.truncated = False

    def add(self, raw: Iterable[object]) -> bool:
        """Add one row; False (and `truncated`) once a limit is passed: stop fetching."""
        if len(self.rows) >= self.limits.max_rows:
            self.truncated = True
            return False
        shown = [cell(value) for value in raw]
        row = tuple(value for value, _ in shown)
        size = row_size(row)
        if self.size + size > self.limits.max_bytes:
            self.truncated = True
            return False
        self.truncated = self.truncated or any(cut for _, cut in shown)
        self.rows.append(row)
        self.size += size
        return True
