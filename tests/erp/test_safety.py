"""Read-only by construction, on SQLite and on a real PostgreSQL server: every write, every
session change and every second statement is refused by the database with one line, and
the data is the same after; a runaway query stops at the deadline; a huge result is cut."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from novabot.erp import ErpError, QueryRefused, QueryTimedOut
from novabot.erp.sqlite import SqliteErp
from tests.erp.conftest import LIMITS, Engine

WRITES = {
    "drop": "DROP TABLE stock",
    "delete": "DELETE FROM stock",
    "update": "UPDATE stock SET on_hand = 0",
    "insert": "INSERT INTO customers (id, name, city) VALUES (9, 'Nobody', 'Nowhere')",
    "with-delete": (
        "WITH low AS (SELECT product_id FROM stock WHERE on_hand < 5)"
        " DELETE FROM stock WHERE product_id IN (SELECT product_id FROM low)"
    ),
    "two-statements": "SELECT count(*) FROM stock; DELETE FROM stock",
    "select-then-drop": "SELECT 1; DROP TABLE products",
    "temp-table": "CREATE TEMP TABLE scratch (n INTEGER)",
    "create-table": "CREATE TABLE scratch (n INTEGER)",
}
SQLITE_ONLY = {
    "attach": "ATTACH DATABASE 'elsewhere.db' AS other",
    "query-only-off": "PRAGMA query_only=0",
    "load-extension": "SELECT load_extension('/tmp/evil.so')",
    "writable-schema": "PRAGMA writable_schema=1",
    "begin": "BEGIN IMMEDIATE",
}
POSTGRES_ONLY = {
    "modifying-cte": "WITH gone AS (DELETE FROM stock RETURNING *) SELECT count(*) FROM gone",
    "read-write": "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "read-only-off": "SET default_transaction_read_only = off",
    "set-config": "SELECT set_config('transaction_read_only', 'off', false)",
    "extension": "CREATE EXTENSION IF NOT EXISTS dblink",
    "sequence": "CREATE SEQUENCE counter",
    "create-database": "CREATE DATABASE copy",
}
# Not SQL PostgreSQL knows: an error, one line, nothing run.
FOREIGN_TO_POSTGRES = {
    "attach": "ATTACH DATABASE 'elsewhere.db' AS other",
    "query-only-off": "PRAGMA query_only=0",
    "load-extension": "SELECT load_extension('/tmp/evil.so')",
}
RUNAWAY = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
MILLION = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000)"
    " SELECT n FROM r"
)


async def refused(engine: Engine, sql: str) -> str:
    with pytest.raises(QueryRefused) as caught:
        await engine.db.query(sql)
    line = caught.value.line
    assert line.startswith("refused: ") and "\n" not in line, line
    return line


BECAUSE = {"sqlite": "is not allowed", "postgresql": "in a read-only transaction"}
"""What each engine's refusal of a write says: the authorizer, the read-only transaction
(not some later failure, nor the rollback at the end, which would hide a write too)."""


@pytest.mark.parametrize("sql", WRITES.values(), ids=WRITES.keys())
async def test_writes_and_second_statements_are_refused(engine: Engine, sql: str) -> None:
    before = engine.snapshot()
    line = await refused(engine, sql)
    assert ("one statement per call" if "; " in sql else BECAUSE[engine.name]) in line
    assert engine.snapshot() == before


@pytest.mark.parametrize("sql", SQLITE_ONLY.values(), ids=SQLITE_ONLY.keys())
async def test_sqlite_session_changes_are_refused(
    sqlite_engine: Engine, sql: str, tmp_path: Path
) -> None:
    engine = sqlite_engine
    before = engine.snapshot()
    line = await refused(engine, sql)
    assert "not allowed" in line
    assert engine.snapshot() == before
    assert not (tmp_path / "elsewhere.db").exists()  # ATTACH would have created it


@pytest.mark.parametrize("sql", POSTGRES_ONLY.values(), ids=POSTGRES_ONLY.keys())
async def test_postgres_writes_and_session_changes_are_refused(
    postgres_engine: Engine, sql: str
) -> None:
    engine = postgres_engine
    before = engine.snapshot()
    line = await refused(engine, sql)
    if "SET " not in sql:  # a SET runs, returns nothing, and dies with its session
        assert any(why in line for why in ("read-only transaction", "read-write mode", "block")), (
            line
        )
    assert engine.snapshot() == before


@pytest.mark.parametrize("sql", FOREIGN_TO_POSTGRES.values(), ids=FOREIGN_TO_POSTGRES.keys())
async def test_sqlite_statements_fail_on_postgres_in_one_line(
    postgres_engine: Engine, sql: str
) -> None:
    engine = postgres_engine
    before = engine.snapshot()
    with pytest.raises(ErpError) as caught:
        await engine.db.query(sql)
    assert caught.value.line.startswith("error: ") and "\n" not in caught.value.line
    assert engine.snapshot() == before


async def test_a_session_change_does_not_outlive_its_call(engine: Engine) -> None:
    """Even a statement that ran (a SET) cannot open the next call to writes."""
    switch = {"sqlite": "PRAGMA query_only=0", "postgresql": "SET TRANSACTION READ WRITE"}
    before = engine.snapshot()
    with pytest.raises(QueryRefused):
        await engine.db.query(switch[engine.name])
    await refused(engine, "DELETE FROM payments")
    assert engine.snapshot() == before


async def test_a_select_reads_the_rows(engine: Engine) -> None:
    result = await engine.db.query(
        "SELECT p.sku, s.bin, s.on_hand, p.unit_price FROM stock s"
        " JOIN products p ON p.id = s.product_id WHERE p.sku = 'GB-600' ORDER BY s.bin"
    )
    assert result.columns == ["sku", "bin", "on_hand", "unit_price"]
    assert [row[:3] for row in result.rows] == [("GB-600", "A-01", 42), ("GB-600", "B-07", 5)]
    assert float(result.rows[0][3]) == 84.5  # type: ignore[arg-type]
    assert not result.truncated and result.elapsed_s < LIMITS.timeout_s


async def test_a_trailing_semicolon_and_comment_are_one_statement(engine: Engine) -> None:
    result = await engine.db.query("SELECT count(*) AS n FROM products; -- all of them")
    assert result.rows == [(5,)]


async def test_a_runaway_recursive_query_stops_at_the_deadline(engine: Engine) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimedOut) as caught:
        await engine.db.query(RUNAWAY)
    took = time.monotonic() - started
    assert LIMITS.timeout_s * 0.9 <= took < LIMITS.timeout_s + 2
    assert caught.value.line.startswith("stopped: ") and "NOVA_ERP_TIMEOUT_S" in caught.value.line


async def test_a_million_rows_are_cut_at_the_row_limit(engine: Engine) -> None:
    started = time.monotonic()
    result = await engine.db.query(MILLION)
    assert len(result.rows) == LIMITS.max_rows and result.truncated
    assert result.rows[:3] == [(1,), (2,), (3,)]
    assert time.monotonic() - started < LIMITS.timeout_s  # it stops reading, not counting


async def test_a_wide_result_is_cut_at_the_byte_limit(engine: Engine) -> None:
    wide = {
        "sqlite": "replace(hex(zeroblob(1000)), '0', 'x')",  # 2,000 characters
        "postgresql": "repeat('x', 2000)",
    }[engine.name]
    result = await engine.db.query(
        f"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 90)"
        f" SELECT n, {wide} AS filler FROM r"
    )
    assert result.truncated and 20 < len(result.rows) < 90
    shown = sum(len(str(value)) + 1 for row in result.rows for value in row)
    assert shown <= LIMITS.max_bytes


async def test_a_typo_is_an_error_line_not_a_refusal(engine: Engine) -> None:
    with pytest.raises(ErpError) as caught:
        await engine.db.query("SELECT no_such_column FROM stock")
    assert not isinstance(caught.value, QueryRefused)
    assert caught.value.line.startswith("error: ") and "no_such_column" in caught.value.line


async def test_the_loop_keeps_running_while_a_query_does(engine: Engine) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    with pytest.raises(QueryTimedOut):
        await engine.db.query(RUNAWAY)
    ticker.cancel()
    assert ticks > 30  # about 100 in the second the query ran


async def test_the_sqlite_connection_itself_cannot_write(sqlite_engine: Engine) -> None:
    """Below the authorizer, the file is opened read-only: a second lock on the door."""
    db = sqlite_engine.db
    assert isinstance(db, SqliteErp)
    conn = db._connect()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM stock")
    finally:
        conn.close()
