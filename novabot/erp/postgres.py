"""A PostgreSQL ERP database, read-only by construction.

Every call opens its own connection (psycopg 3, async) and closes it after, so nothing a
statement changes in its session outlives it. The session starts with
`default_transaction_read_only`, `statement_timeout` and `lock_timeout` set, and the
statement runs inside `BEGIN READ ONLY`, which is never committed: the server refuses
every write (`WITH … DELETE` too), temporary tables and sequence bumps. The statement is
sent with the extended protocol, which carries exactly one statement, and its rows are
streamed so that only the first `max_rows` + 1 ever reach Nova.

A role that can only read (README: `nova_ro`) is still the first line of defence: it
also keeps out functions that act outside the transaction (dblink, server files).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors, sql

from novabot.erp.database import Collector, Column, ForeignKey, Limits, QueryResult, Table
from novabot.erp.errors import (
    ErpError,
    ErpUnavailable,
    QueryFailed,
    QueryRefused,
    QueryTimedOut,
)
from novabot.erp.url import ErpUrl

CONNECT_ALLOWANCE_S = 5.0
"""Time to connect and to give up cleanly, on top of the statement's own timeout."""
EXACT_COUNT_UNDER = 1_000_000
"""Tables the planner estimates larger than this show the estimate, not a count(*)."""
ONE_STATEMENT = "one statement per call: send each SELECT on its own"
READ_ONLY = "ERP queries only read (one SELECT per call)"

TABLES = """
SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname <> 'public', n.nspname, c.relname
"""
COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_attribute a
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
KEYS = """
SELECT con.conrelid, con.contype, ka.attname, con.confrelid::regclass::text, fa.attname
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(attnum, fattnum)
JOIN pg_attribute ka ON ka.attrelid = con.conrelid AND ka.attnum = k.attnum
LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum
WHERE con.contype IN ('p', 'f') AND con.conrelid = ANY(%s)
ORDER BY con.conrelid, con.conname
"""


class PostgresErp:
    """An ERP database on a PostgreSQL server."""

    def __init__(self, url: ErpUrl, limits: Limits) -> None:
        self.url = url
        self.limits = limits

    async def query(self, text: str) -> QueryResult:
        if not text.strip():
            raise QueryFailed("no SQL was given")
        async with self._session() as conn, conn.cursor() as cursor:
            started = time.monotonic()
            collector = Collector(self.limits)
            try:
                async with contextlib.aclosing(cursor.stream(text)) as rows:
                    async for row in rows:
                        if not collector.add(row):
                            break
            except psycopg.Error as exc:
                raise self._explain(exc) from None
            columns = [d.name for d in cursor.description or ()]
            elapsed = time.monotonic() - started
        return QueryResult(columns, collector.rows, collector.truncated, elapsed)

    async def schema(self) -> list[Table]:
        async with self._session() as conn:
            try:
                return await self._describe(conn)
            except psycopg.Error as exc:
                message = f"cannot read the schema of {self.url.label}: {_line(exc)}"
                raise ErpUnavailable(message) from None

    @contextlib.asynccontextmanager
    async def _session(self) -> Any:
        """A fresh read-only connection inside a read-only transaction, closed (so rolled
        back) at the end, the whole within the timeout."""
        budget = self.limits.timeout_s + CONNECT_ALLOWANCE_S
        try:
            async with asyncio.timeout(budget):
                conn = await self._connect()
                try:
                    yield conn
                finally:
                    await conn.close()
        except TimeoutError:
            raise QueryTimedOut(
                f"no answer from {self.url.label} within {budget:g} s (NOVA_ERP_TIMEOUT_S)"
            ) from None

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        ms = max(1, int(self.limits.timeout_s * 1000))
        options = (
            f"-c default_transaction_read_only=on -c statement_timeout={ms}"
            f" -c lock_timeout={ms} -c idle_in_transaction_session_timeout={ms * 2}"
        )
        try:
            conn = await psycopg.AsyncConnection.connect(
                self.url.target,
                options=options,
                connect_timeout=max(2, int(CONNECT_ALLOWANCE_S)),
                application_name="nova-erp",
            )
            await conn.set_read_only(True)  # every transaction: BEGIN READ ONLY
        except psycopg.Error as exc:
            raise ErpUnavailable(f"cannot connect to {self.url.label}: {_line(exc)}") from None
        return conn

    def _explain(self, exc: psycopg.Error) -> ErpError:
        message = _line(exc)
        if isinstance(exc, errors.ReadOnlySqlTransaction | errors.InsufficientPrivilege):
            return QueryRefused(f"{message}: {READ_ONLY}")
        if "multiple commands" in message:
            return QueryRefused(ONE_STATEMENT)
        if isinstance(exc, errors.QueryCanceled):
            return QueryTimedOut(
                f"the query ran past {self.limits.timeout_s:g} s and was stopped "
                "(NOVA_ERP_TIMEOUT_S); narrow it down or aggregate"
            )
        if isinstance(exc, errors.ActiveSqlTransaction | errors.InvalidTransactionState):
            return QueryRefused(f"{message}: {READ_ONLY}")
        if isinstance(exc, psycopg.OperationalError):
            return ErpUnavailable(f"{self.url.label}: {message}")
        if "EMPTY_QUERY" in message:
            return QueryFailed("no SQL was given")
        if "didn't produce a result" in message:  # SET, LOAD, BEGIN …: nothing to read
            return QueryRefused(f"the statement returns no rows: {READ_ONLY}")
        return QueryFailed(message)

    async def _describe(self, conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> list[Table]:
        tables = await (await conn.execute(TABLES)).fetchall()
        oids = [row[0] for row in tables]
        columns = await (await conn.execute(COLUMNS, (oids,))).fetchall()
        keys = await (await conn.execute(KEYS, (oids,))).fetchall()
        primary = {(oid, col) for oid, kind, col, _, _ in keys if kind == "p"}
        described = []
        counting = True
        for oid, schema, name, kind, estimate in tables:
            rows, approximate = int(estimate), True
            if counting and estimate < EXACT_COUNT_UNDER:  # -1: never analysed
                counted = await _count(conn, schema, name)
                counting = counted is not None  # one count too slow: estimates from here on
                rows, approximate = (counted, False) if counted is not None else (rows, True)
            described.append(
                Table(
                    name if schema == "public" else f"{schema}.{name}",
                    _columns(oid, columns, primary),
                    tuple(
                        ForeignKey(col, ref_table, ref or "")
                        for rel, con, col, ref_table, ref in keys
                        if rel == oid and con == "f"
                    ),
                    rows=None if rows < 0 else rows,
                    approximate=approximate,
                    view=kind in ("v", "m"),
                )
            )
        return described


def _columns(
    oid: int, columns: Sequence[tuple[Any, ...]], primary: set[tuple[int, str]]
) -> tuple[Column, ...]:
    return tuple(
        Column(name, kind, nullable=not notnull, primary_key=(oid, name) in primary)
        for rel, name, kind, notnull in columns
        if rel == oid
    )


async def _count(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], schema: str, name: str
) -> int | None:
    """The exact row count, or None when it passed the statement timeout (the savepoint
    keeps the transaction usable)."""
    statement = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
    try:
        async with conn.transaction():
            row = await (await conn.execute(statement)).fetchone()
    except errors.QueryCanceled:
        return None
    return None if row is None else int(row[0])


def _line(exc: BaseException) -> str:
    """The first line of a driver's message (the rest repeats the SQL with a caret)."""
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)
    text = primary or str(exc).strip() or type(exc).__name__
    return " ".join(text.splitlines()[0].split())
