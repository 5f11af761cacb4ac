"""The ERP databases the tests read: a SQLite file per test, and a fresh copy of the same
data on one real PostgreSQL server per session (started only when a test needs it)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from novabot.erp import ErpDatabase, Limits
from novabot.erp.connect import open_database
from tests.erp.erp_data import STATEMENTS, TABLE_NAMES, create_sqlite, snapshot_sqlite
from tests.erp.postgres_server import PostgresServer

LIMITS = Limits(timeout_s=1.0, max_rows=100, max_bytes=64 * 1024)
Snapshot = dict[str, list[tuple[object, ...]]]
_numbers = itertools.count(1)
READ_ONLY_ROLE = (
    "CREATE ROLE nova_ro LOGIN",
    "GRANT USAGE ON SCHEMA public TO nova_ro",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO nova_ro",
    "ALTER ROLE nova_ro SET default_transaction_read_only = on",
)
"""The role README recommends (less its password: the test server trusts 127.0.0.1)."""


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        with psycopg.connect(server.create_database("erp_template"), autocommit=True) as conn:
            for statement in STATEMENTS:
                conn.execute(statement)
            for statement in READ_ONLY_ROLE:
                conn.execute(statement)
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A database of its own for this test, copied from the template (a test that did
    change data would spoil no other)."""
    name = f"erp_{next(_numbers)}"
    yield postgres.create_database(name, template="erp_template")
    postgres.drop_database(name)


def snapshot_postgres(url: str) -> Snapshot:
    with psycopg.connect(url, autocommit=True) as conn:
        found: Snapshot = {
            name: conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall()
            for name in TABLE_NAMES
        }
        found["<schema>"] = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
            " ORDER BY 1, 2"
        ).fetchall()
        found["<extensions>"] = conn.execute("SELECT extname FROM pg_extension").fetchall()
    return found


@dataclass
class Engine:
    name: str
    db: ErpDatabase
    snapshot: Callable[[], Snapshot]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    path = create_sqlite(tmp_path / "erp.db")
    return Engine("sqlite", open_database(str(path), LIMITS), lambda: snapshot_sqlite(path))


@pytest.fixture
def postgres_engine(pg_url: str) -> Engine:
    return Engine("postgresql", open_database(pg_url, LIMITS), lambda: snapshot_postgres(pg_url))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same ERP data behind each engine Nova supports."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found
