"""`nova erp demo`: writes the demo database, says what it wrote, never overwrites unasked."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from novabot.cli.erp import report
from novabot.erp.demo.generate import generate
from tests.cli.conftest import Nova
from tests.cli.test_main import assert_one_line_error, nova
from tests.conftest import cli_env


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def orders(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM sales_orders ORDER BY id").fetchall()


def test_writes_the_default_path_and_says_how_to_use_it(
    nova_here: Nova, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = nova_here("erp", "demo")
    target = tmp_path / "data" / "erp-demo.db"
    assert (code, err) == (0, ""), err
    assert target.is_file()
    assert "sales_orders" in out and "5,000" in out
    assert f"NOVA_ERP_DATABASE_URL={target}" in out.splitlines()
    assert "seed 1" in out and "2026-06-26" in out
    assert not (tmp_path / "data" / "nova.log").exists()  # Nova's own store was not touched


def test_refuses_to_overwrite_without_force(nova_here: Nova, tmp_path: Path) -> None:
    target = tmp_path / "erp.db"
    assert nova_here("erp", "demo", str(target))[0] == 0
    before = file_hash(target)
    code, out, err = nova_here("erp", "demo", str(target), "--seed", "2")
    assert code == 2 and out == ""
    assert err == f"nova: {target} already exists and is not empty; add --force to replace it\n"
    assert file_hash(target) == before

    code, out, err = nova_here("erp", "demo", str(target), "--seed", "2", "--force")
    assert code == 0, err
    assert file_hash(target) != before
    assert not list(tmp_path.glob(".*partial"))  # the temporary file was renamed into place


def test_the_same_seed_writes_the_same_bytes(nova_here: Nova, tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    for path in (first, second):
        assert nova_here("erp", "demo", str(path), "--seed", "5")[0] == 0
    assert file_hash(first) == file_hash(second)
    assert len(orders(first)) == 5000


def test_an_empty_file_may_be_written(nova_here: Nova, tmp_path: Path) -> None:
    target = tmp_path / "empty.db"
    target.touch()  # as `touch` or another tool left it: nothing to lose
    assert nova_here("erp", "demo", str(target))[0] == 0
    assert len(orders(target)) == 5000


async def test_the_real_command_refuses_in_one_line(tmp_path: Path) -> None:
    target = tmp_path / "taken.db"
    target.write_text("someone's data")
    result = await nova(tmp_path, "erp", "demo", str(target), env=cli_env(tmp_path))
    assert_one_line_error(result, "already exists and is not empty", "--force")
    assert target.read_text() == "someone's data"


def test_an_unreachable_postgres_is_one_line(nova_here: Nova) -> None:
    url = "postgresql://nova:secret@127.0.0.1:1/erp"  # port 1: nothing listens there
    code, out, err = nova_here("erp", "demo", url)
    assert code == 2 and out == ""
    assert err.startswith("nova: PostgreSQL at postgresql://nova:***@127.0.0.1:1/erp: ")
    assert err.count("\n") == 1 and "secret" not in err


def test_the_report_never_shows_a_password() -> None:
    url = "postgresql://writer:s3cret@db.internal:5432/erp"
    text = report(generate(scale=0.05), url, 1.25, url)
    assert "s3cret" not in text
    assert "NOVA_ERP_DATABASE_URL=postgresql://writer:***@db.internal:5432/erp" in text
    assert "read-only role" in text and "in 1.2 s" in text
