"""The demo data in a real PostgreSQL server: the same rows as in SQLite, in one
transaction, and the same refusal to overwrite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from novabot.cli.main import main
from novabot.erp.demo.generate import generate
from novabot.erp.demo.schema import TABLE_NAMES
from novabot.erp.demo.writers import DemoTargetError, write_postgres, write_sqlite
from tests.erp.demo.conftest import content, digest, sqlite_content
from tests.erp.postgres_server import PostgresServer


@pytest.fixture(scope="module")
def demo_url(postgres: PostgresServer) -> Iterator[str]:
    """An empty database on the session's server, that this module's tests write in turn."""
    yield postgres.create_database("erp_demo")
    postgres.drop_database("erp_demo")


def pg_content(url: str) -> dict[str, list[tuple[str, ...]]]:
    with psycopg.connect(url) as conn:
        return content(lambda sql: conn.execute(sql).fetchall())


def test_the_cli_writes_postgres_and_refuses_to_overwrite(
    demo_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NOVA_DB_PATH", str(tmp_path / "nova.db"))
    assert main(["erp", "demo", demo_url, "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert f"NOVA_ERP_DATABASE_URL={demo_url}" in out.splitlines()

    # The same rows, value for value, as the SQLite file of the same seed.
    write_sqlite(tmp_path / "same.db", generate(3))
    assert digest(pg_content(demo_url)) == digest(sqlite_content(tmp_path / "same.db"))
    with psycopg.connect(demo_url) as conn:
        assert conn.execute("SELECT count(*) FROM sales_orders").fetchone() == (5000,)
        gutter = conn.execute(
            "SELECT sum(s.on_hand) FROM stock s JOIN products p ON p.id = s.product_id "
            "WHERE p.name = '600 mm gutter brush'"
        ).fetchone()
        assert gutter is not None and gutter[0] > 0

    assert main(["erp", "demo", demo_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty (15 tables); add --force" in err
    assert digest(pg_content(demo_url)) == digest(sqlite_content(tmp_path / "same.db"))


def test_force_replaces_the_demo_tables_in_one_transaction(demo_url: str, tmp_path: Path) -> None:
    small = generate(4, scale=0.05)
    write_postgres(demo_url, small, force=True)
    write_sqlite(tmp_path / "small.db", small)
    assert digest(pg_content(demo_url)) == digest(sqlite_content(tmp_path / "small.db"))

    broken = generate(4, scale=0.05)
    broken.rows["payments"].append(broken.rows["payments"][0])  # a duplicate key, late in the load
    with pytest.raises(DemoTargetError, match="duplicate key"):
        write_postgres(demo_url, broken, force=True)
    # Nothing of the failed run stayed: the tables are still the previous ones, whole.
    assert digest(pg_content(demo_url)) == digest(sqlite_content(tmp_path / "small.db"))


def test_every_foreign_key_is_declared_and_holds(demo_url: str) -> None:
    with psycopg.connect(demo_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        keys = conn.execute(
            "SELECT count(*) FROM information_schema.table_constraints "
            "WHERE constraint_type = 'FOREIGN KEY' AND table_schema = 'public'"
        ).fetchone()
    assert sorted(t[0] for t in tables) == sorted(TABLE_NAMES)
    assert keys is not None and keys[0] >= 20  # PostgreSQL checked them all as rows went in


def test_sqlite_and_postgres_answer_a_question_alike(demo_url: str, tmp_path: Path) -> None:
    data = generate(5, scale=0.05)
    write_postgres(demo_url, data, force=True)
    write_sqlite(tmp_path / "q.db", data)
    question = (
        "SELECT c.kind, count(*), sum(i.total_amount) FROM invoices i "
        "JOIN customers c ON c.id = i.customer_id WHERE i.status <> 'paid' "
        "GROUP BY c.kind ORDER BY c.kind"
    )
    with psycopg.connect(demo_url) as conn:
        in_pg = [(k, n, f"{total:.2f}") for k, n, total in conn.execute(question).fetchall()]
    with closing(sqlite3.connect(tmp_path / "q.db")) as conn:
        in_sqlite = [(k, n, f"{total:.2f}") for k, n, total in conn.execute(question).fetchall()]
    assert in_pg == in_sqlite and in_pg
