"""A SQLite ERP database, read-only by construction.

Every call opens its own connection in a worker thread (`asyncio.to_thread`, so the event
loop never waits on SQLite) and closes it after. The connection is:

- opened with `mode=ro`, so SQLite itself cannot write the file;
- guarded by an allow-list authorizer: only SELECT, READ, FUNCTION and RECURSIVE pass, so
  `PRAGMA query_only=0`, `ATTACH` (which would create a file), temporary tables and every
  write are refused while the statement is prepared, before anything runs;
- limited to one statement (sqlite3 refuses a second one in `execute`);
- bounded by a progress handler that interrupts it past the deadline.

Extension loading is refused twice: this build's connections cannot enable it, and the
authorizer denies the `load_extension` function by name.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from novabot.erp.database import Collector, Column, ForeignKey, Limits, QueryResult, Table
from novabot.erp.errors import ErpUnavailable, QueryFailed, QueryRefused, QueryTimedOut
from novabot.erp.url import ErpUrl

ALLOWED = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
DENIED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})
"""Functions that reach outside the database (files, shared libraries), should this SQLite
have them."""

ACTIONS = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ")
    for name in (
        "CREATE_INDEX CREATE_TABLE CREATE_TEMP_INDEX CREATE_TEMP_TABLE CREATE_TEMP_TRIGGER "
        "CREATE_TEMP_VIEW CREATE_TRIGGER CREATE_VIEW DELETE DROP_INDEX DROP_TABLE "
        "DROP_TEMP_INDEX DROP_TEMP_TABLE DROP_TEMP_TRIGGER DROP_TEMP_VIEW DROP_TRIGGER "
        "DROP_VIEW INSERT PRAGMA TRANSACTION UPDATE ATTACH DETACH ALTER_TABLE REINDEX "
        "ANALYZE CREATE_VTABLE DROP_VTABLE SAVEPOINT"
    ).split()
}
"""Authorizer action codes by name, to say what was refused ("DELETE on stock")."""

PROGRESS_STEPS = 1000
"""Virtual-machine instructions between two deadline checks (well under a millisecond)."""
MAX_VALUE_BYTES = 64 * 1024 * 1024
"""No string or blob a query makes may be larger (zeroblob(1e9) would eat the memory)."""
ONE_STATEMENT = "one statement per call: send each SELECT on its own"
READ_ONLY = "ERP queries only read (one SELECT per call)"


class SqliteErp:
    """An ERP database in a SQLite file."""

    def __init__(self, url: ErpUrl, limits: Limits) -> None:
        self.url = url
        self.limits = limits
        self.path = Path(url.target).expanduser()

    async def query(self, sql: str) -> QueryResult:
        return await asyncio.to_thread(self._query, sql)

    async def schema(self) -> list[Table]:
        return await asyncio.to_thread(self._schema)

    # -- in the worker thread ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise ErpUnavailable(f"the ERP database {self.path} does not exist")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            # Autocommit (isolation_level=None): sqlite3 adds no BEGIN of its own.
            conn = sqlite3.connect(
                uri, uri=True, timeout=self.limits.timeout_s, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise ErpUnavailable(f"cannot open the ERP database {self.path}: {exc}") from None
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        return conn

    def _deadline(self, conn: sqlite3.Connection) -> float:
        started = time.monotonic()
        deadline = started + self.limits.timeout_s
        conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        return started

    def _query(self, sql: str) -> QueryResult:
        if not sql.strip():
            raise QueryFailed("no SQL was given")
        conn = self._connect()
        try:
            denied: list[str] = []
            conn.set_authorizer(_authorizer(denied))
            started = self._deadline(conn)
            collector = Collector(self.limits)
            try:
                cursor = conn.execute(sql)
                columns = [d[0] for d in cursor.description or ()]
                for row in cursor:
                    if not collector.add(row):
                        break
            except (sqlite3.Error, sqlite3.Warning) as exc:
                raise self._explain(exc, denied) from None
            return QueryResult(
                columns, collector.rows, collector.truncated, time.monotonic() - started
            )
        finally:
            conn.close()

    def _explain(
        self, exc: sqlite3.Error | sqlite3.Warning, denied: list[str]
    ) -> QueryRefused | QueryTimedOut | QueryFailed:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if denied:
            return QueryRefused(f"{denied[0]} is not allowed: {READ_ONLY}")
        if "one statement at a time" in message:
            return QueryRefused(ONE_STATEMENT)
        if message == "interrupted":
            return QueryTimedOut(
                f"the query ran past {self.limits.timeout_s:g} s and was stopped "
                "(NOVA_ERP_TIMEOUT_S); narrow it down or aggregate"
            )
        if "readonly database" in message or "not authorized" in message:
            return QueryRefused(f"{message}: {READ_ONLY}")
        return QueryFailed(message)

    def _schema(self) -> list[Table]:
        conn = self._connect()
        try:
            # Counting a huge table gives up at the deadline; the rest is still described.
            deadline = time.monotonic() + self.limits.timeout_s
            found = conn.execute(
                "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall()
            return [_table(conn, name, kind == "view", deadline) for name, kind in found]
        except sqlite3.Error as exc:
            raise ErpUnavailable(f"cannot read the schema of {self.path}: {exc}") from None
        finally:
            conn.close()


def _authorizer(
    denied: list[str],
) -> Callable[[int, str | None, str | None, str | None, str | None], int]:
    def authorize(
        action: int, arg1: str | None, arg2: str | None, database: str | None, trigger: str | None
    ) -> int:
        if action in ALLOWED and not (
            action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS
        ):
            return sqlite3.SQLITE_OK
        denied.append(_describe(action, arg1, arg2))
        return sqlite3.SQLITE_DENY

    return authorize


def _describe(action: int, arg1: str | None, arg2: str | None) -> str:
    if action == sqlite3.SQLITE_FUNCTION:
        return f"the function {arg2}()"
    if arg1 == "sqlite_temp_master":  # the first thing a CREATE TEMP … asks for
        return "creating temporary tables, views or triggers"
    if arg1 == "sqlite_master":  # the first thing CREATE, DROP or ALTER asks for
        return "changing the schema"
    if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
        return "transaction control (BEGIN, COMMIT, SAVEPOINT)"
    name = ACTIONS.get(action, f"action {action}")
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1}"
    if action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE):
        return f"{name} on {arg1}"
    return name


def _table(conn: sqlite3.Connection, name: str, view: bool, deadline: float) -> Table:
    keys = conn.execute(
        'SELECT "from", "table", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq', (name,)
    ).fetchall()
    columns = tuple(
        Column(column, kind or "", nullable=not notnull and not pk, primary_key=bool(pk))
        for column, kind, notnull, pk in conn.execute(
            'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid', (name,)
        )
    )
    quoted = name.replace('"', '""')
    conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        rows: int | None = int(conn.execute(f'SELECT count(*) FROM "{quoted}"').fetchone()[0])
    except sqlite3.OperationalError:  # interrupted: the deadline passed
        rows = None
    finally:
        conn.set_progress_handler(None, 0)
    return Table(
        name,
        columns,
        tuple(ForeignKey(col, table, ref or "") for col, table, ref in keys),
        rows=rows,
        view=view,
    )
