"""Write a generated data set into SQLite (stdlib) or PostgreSQL (psycopg 3).

Both writers create the same tables from the same DDL, load every table in one
transaction and refuse to replace a database that already holds something unless told to
(`force`). SQLite is written to a temporary file beside the target and renamed into place,
so an interrupted run never leaves half a database under the target's name.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from novabot.erp.demo.generate import DemoData
from novabot.erp.demo.master import Row
from novabot.erp.demo.schema import INDEXES, TABLE_NAMES, TABLES

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class DemoTargetError(Exception):
    """The demo database cannot be written there; the message says why, in one line."""


def is_postgres_url(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def masked(url: str) -> str:
    """The URL with its password replaced, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def sqlite_value(value: object) -> object:
    """Dates as ISO text and money as exact decimal text (NUMERIC columns keep the number)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def check_sqlite_target(path: Path, *, force: bool = False) -> None:
    """Refuse a folder, and a file with something in it unless `force`."""
    if path.is_dir():
        raise DemoTargetError(f"{path} is a folder; give a file name such as {path}/erp-demo.db")
    if path.exists() and path.stat().st_size > 0 and not force:
        raise DemoTargetError(f"{path} already exists and is not empty; add --force to replace it")


def write_sqlite(path: Path, data: DemoData, *, force: bool = False) -> None:
    check_sqlite_target(path, force=force)
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(partial, isolation_level=None)) as conn:
            load_sqlite(conn, data)
        os.replace(partial, path)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise DemoTargetError(f"cannot write {path}: {exc}") from None


def load_sqlite(conn: sqlite3.Connection, data: DemoData) -> None:
    conn.execute("PRAGMA foreign_keys = ON")  # every row is checked as it goes in
    conn.execute("BEGIN")
    for table in TABLES:
        conn.execute(table.ddl)
        marks = ", ".join("?" for _ in table.columns)
        rows = ([sqlite_value(v) for v in row] for row in data.rows[table.name])
        conn.executemany(f"INSERT INTO {table.name} VALUES ({marks})", rows)
    for index in INDEXES:
        conn.execute(index)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


def write_postgres(url: str, data: DemoData, *, force: bool = False) -> None:
    import psycopg  # imported here: SQLite users never load the driver

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            tables = existing_tables(conn)
            if tables and not force:
                raise DemoTargetError(
                    f"the database at {masked(url)} is not empty ({len(tables)} tables); "
                    "add --force to replace the demo tables"
                )
            with conn.transaction():
                for name in reversed(TABLE_NAMES):
                    conn.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
                for table in TABLES:
                    conn.execute(table.ddl)
                    copy_rows(conn, table.name, table.columns, data.rows[table.name])
                for index in INDEXES:
                    conn.execute(index)
            conn.execute("ANALYZE")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DemoTargetError(f"PostgreSQL at {masked(url)}: {first}") from None


def existing_tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    ).fetchall()
    return [str(row[0]) for row in rows]


def copy_rows(
    conn: psycopg.Connection[Any], table: str, columns: Iterable[str], rows: list[Row]
) -> None:
    """COPY: PostgreSQL's bulk load, one stream per table."""
    with (
        conn.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
