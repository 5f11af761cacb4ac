"""`nova db backup` and `nova db restore`: a consistent copy while the database is being
written, and a restore that refuses while a `nova run` holds the database."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from novabot.store import LATEST_VERSION
from tests.adapters.slack.conftest import fake_slack
from tests.cli.conftest import Nova
from tests.cli.test_main import nova
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.reliability.process import NovaProcess, stopped_at_exit
from tests.reliability.test_pipeline_handover import slack_env
from tests.store.damage import real_database

__all__ = ["fake_slack"]  # the fixture, for the test with a real `nova run`


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return asyncio.run(real_database(tmp_path / "nova.db"))


def contents(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT content FROM messages ORDER BY id")]


def version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


@pytest.fixture
def writer(database: Path) -> Iterator[threading.Event]:
    """Another connection adding messages in pairs (one transaction each) until stopped,
    as a running Nova would while the backup is taken."""
    stop = threading.Event()

    def write() -> None:
        with closing(sqlite3.connect(database, timeout=5)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            while not stop.is_set():
                with conn:  # one transaction: both rows or neither
                    for text in ("pair-a", "pair-b"):
                        conn.execute(
                            "INSERT INTO messages (conversation_id, role, content, created_at)"
                            " SELECT id, 'user', ?, datetime('now') FROM conversations LIMIT 1",
                            (text,),
                        )

    thread = threading.Thread(target=write)
    thread.start()
    yield stop
    stop.set()
    thread.join()


def test_a_backup_taken_while_nova_writes_is_one_consistent_snapshot(
    database: Path, tmp_path: Path, nova_here: Nova, writer: threading.Event
) -> None:
    for n in range(3):
        code, out, err = nova_here("db", "backup", str(tmp_path / f"copy{n}.db"))
        assert (code, err) == (0, ""), err
        assert out.startswith(f"backed up to {tmp_path / f'copy{n}.db'} (")
        assert f"schema version {LATEST_VERSION})" in out
        copied = contents(tmp_path / f"copy{n}.db")
        assert copied[0] == "hello" and copied.count("pair-a") == copied.count("pair-b")
    assert not list(tmp_path.glob(".*.partial"))


def test_a_backup_into_a_folder_gets_a_dated_name(
    database: Path, tmp_path: Path, nova_here: Nova
) -> None:
    (tmp_path / "backups").mkdir()
    code, out, _ = nova_here("db", "backup", str(tmp_path / "backups"))
    [made] = (tmp_path / "backups").glob("nova-*.db")
    assert code == 0 and str(made) in out and contents(made) == ["hello"]


def test_a_backup_never_overwrites_a_file_unless_forced(
    database: Path, tmp_path: Path, nova_here: Nova
) -> None:
    existing = tmp_path / "keep.db"
    existing.write_text("my notes")
    code, out, err = nova_here("db", "backup", str(existing))
    assert (code, out) == (2, "") and existing.read_text() == "my notes"
    assert err == f"nova: {existing} exists; choose another path or pass --force\n"
    assert nova_here("db", "backup", "--force", str(existing))[0] == 0
    assert contents(existing) == ["hello"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nova.db", "nova: the backup cannot be the database itself\n"),
        ("missing/copy.db", "nova: there is no folder {tmp}/missing\n"),
    ],
)
def test_a_backup_with_a_bad_target_says_so_in_one_line(
    database: Path, tmp_path: Path, nova_here: Nova, target: str, message: str
) -> None:
    code, _, err = nova_here("db", "backup", str(tmp_path / target))
    assert (code, err) == (2, message.format(tmp=tmp_path))


def test_a_backup_without_a_database_says_where_it_looked(tmp_path: Path, nova_here: Nova) -> None:
    code, _, err = nova_here("db", "backup", str(tmp_path / "copy.db"))
    assert code == 2 and err.startswith(f"nova: there is no database at {tmp_path / 'nova.db'}")
    assert not (tmp_path / "nova.db").exists()


def test_a_restore_brings_the_backup_back_and_keeps_what_it_replaced(
    database: Path, tmp_path: Path, nova_here: Nova
) -> None:
    assert nova_here("db", "backup", str(tmp_path / "copy.db"))[0] == 0
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("UPDATE messages SET content = 'changed after the backup'")
    code, out, err = nova_here("db", "restore", str(tmp_path / "copy.db"))
    assert (code, err) == (0, ""), err
    assert contents(database) == ["hello"] and version(database) == LATEST_VERSION
    [kept] = tmp_path.glob("nova-before-restore-*.db")
    assert contents(kept) == ["changed after the backup"] and str(kept) in out


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_a_restore_from_a_file_that_is_not_a_nova_database_changes_nothing(
    database: Path, tmp_path: Path, nova_here: Nova, content: bytes
) -> None:
    (tmp_path / "junk.db").write_bytes(content)
    code, _, err = nova_here("db", "restore", str(tmp_path / "junk.db"))
    assert code == 2 and err.count("\n") == 1, err
    assert "is not a" in err and contents(database) == ["hello"]
    assert not list(tmp_path.glob("nova-before-restore-*"))


async def test_restore_refuses_while_a_nova_run_holds_the_database_and_backup_works(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    await real_database(tmp_path / "nova.db")
    env = slack_env(tmp_path, fake_openai, fake_slack)
    service = NovaProcess(tmp_path, env, "service")
    async with stopped_at_exit(service):
        await service.start()
        backed = await nova(tmp_path, "db", "backup", "copy.db", env=env)
        refused = await nova(tmp_path, "db", "restore", "copy.db", env=env)
        assert await service.stop() == 0
    assert backed.code == 0 and contents(tmp_path / "copy.db") == ["hello"]
    assert refused.code == 2 and refused.err.startswith("nova: a nova run (pid "), refused.err
    assert refused.err.endswith("; stop it, then restore\n")
    restored = await nova(tmp_path, "db", "restore", "copy.db", env=env)
    assert restored.code == 0, restored.err
