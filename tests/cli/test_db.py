"""`nova db check`: "ok" for a sound database; the problems and what to do for a damaged
one, without changing the file."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from novabot.cli.main import main
from novabot.store import LATEST_VERSION
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.store.damage import overwrite_page, read_only, real_database, root_page


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A real database (main() runs its own event loop, so the tests here are not async)."""
    return asyncio.run(real_database(tmp_path / "nova.db"))


Captured = pytest.CaptureFixture[str]


def check(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured) -> tuple[int, str, str]:
    monkeypatch.setenv("NOVA_DB_PATH", str(path))
    code = main(["db", "check"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_sound_database_is_ok(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    assert check(database, monkeypatch, capsys) == (0, "ok\n", "")


def test_a_damaged_table_is_reported_with_what_to_do(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    path = database
    overwrite_page(path, root_page(path, "messages"))
    before = path.read_bytes()
    code, out, err = check(path, monkeypatch, capsys)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"database {path}: ") and "problem" in lines[0]
    assert len(lines) >= 3 and "Traceback" not in out
    assert lines[-1].startswith("what to do: stop nova, then restore a backup")
    assert f'sqlite3 {path} ".recover"' in lines[-1]
    assert path.read_bytes() == before  # checked read-only


def test_a_damaged_schema_page_is_reported_too(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    path = database
    overwrite_page(path, 1)
    code, out, _ = check(path, monkeypatch, capsys)
    assert code == 1
    assert "database disk image is malformed" in out and "what to do:" in out


def test_a_missing_file_is_a_problem_not_a_new_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    path = tmp_path / "nowhere" / "nova.db"
    code, out, _ = check(path, monkeypatch, capsys)
    assert code == 1 and "there is no database file here" in out
    assert not path.parent.exists()


def test_a_newer_schema_says_upgrade(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    path = database
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    code, out, _ = check(path, monkeypatch, capsys)
    assert code == 1 and "newer than this Nova's" in out and "upgrade Nova" in out


def test_a_read_only_database_can_be_checked(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    path = database
    with read_only(path):
        assert check(path, monkeypatch, capsys) == (0, "ok\n", "")


async def test_nova_db_check_as_a_process(tmp_path: Path) -> None:
    path = await real_database(tmp_path / "nova.db")
    overwrite_page(path, root_page(path, "conversations"))
    result = await nova(tmp_path, "db", "check", env=cli_env(tmp_path))
    assert result.code == 1 and result.err == ""
    assert "what to do:" in result.out
