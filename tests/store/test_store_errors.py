"""Opening a database that cannot be used: one StoreError line naming the file, the cause
and what to do next; never a bare sqlite3 or OS error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store, StoreError
from novabot.store.errors import sqlite_failure
from tests.store.damage import overwrite_page, read_only, real_database, root_page


async def test_a_damaged_schema_page_is_named_with_what_to_do(tmp_path: Path) -> None:
    path = await real_database(tmp_path / "nova.db")
    overwrite_page(path, 1)  # sqlite_master lives on page 1
    with pytest.raises(StoreError) as raised:
        await Store.open(path)
    message = str(raised.value)
    assert message.startswith(f"database {path}: database disk image is malformed;")
    assert "nova db check" in message and ".recover" in message and "\n" not in message


async def test_a_file_that_is_not_a_database_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nova.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match="file is not a database; it is not a SQLite database"):
        await Store.open(path)


async def test_damage_met_by_a_query_is_a_sqlite_error_the_cli_words(tmp_path: Path) -> None:
    """A damaged table is found only when read; the CLI turns that into one line."""
    path = await real_database(tmp_path / "nova.db")
    overwrite_page(path, root_page(path, "routing_decisions"))
    async with await Store.open(path) as store:
        with pytest.raises(sqlite3.DatabaseError) as raised:
            await store.last_decision(ConversationKey("cli", "alice", None))
    assert "malformed" in str(sqlite_failure(raised.value, path))


async def test_a_read_only_file_is_readable_and_a_write_is_worded(tmp_path: Path) -> None:
    path = await real_database(tmp_path / "nova.db")
    key = ConversationKey("cli", "alice", None)
    with read_only(path):
        async with await Store.open(path) as store:
            assert (await store.last_decision(key)) is not None
            with pytest.raises(sqlite3.OperationalError) as raised:
                await store.add_message(key, "user", "hi")
    message = str(sqlite_failure(raised.value, path))
    assert message == (
        f"database {path}: attempt to write a readonly database; make the file and its folder "
        "writable for you, or set NOVA_DB_PATH to a writable copy"
    )


async def test_a_parent_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    path = tmp_path / "data" / "nova.db"
    with pytest.raises(StoreError) as raised:
        await Store.open(path)
    assert str(raised.value) == (
        f"cannot use the database {path}: {tmp_path / 'data'} is a file, not a folder; "
        "set NOVA_DB_PATH to a file in a folder you can write"
    )


HAS_PROC = Path("/proc/self").is_dir()


@pytest.mark.skipif(not HAS_PROC, reason="no /proc here")
@pytest.mark.parametrize("where", ["/proc/nova-test/nova.db", "/proc/self/nova.db"])
async def test_a_path_under_proc(where: str) -> None:
    with pytest.raises(StoreError, match=r"cannot create files in /proc/.*; set NOVA_DB_PATH"):
        await Store.open(Path(where))


async def test_a_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder: set NOVA_DB_PATH to a file"):
        await Store.open(tmp_path)


def test_an_unknown_sqlite_error_keeps_its_text() -> None:
    error = sqlite3.ProgrammingError("Cannot operate on a closed database.")
    expected = "database x.db: Cannot operate on a closed database."
    assert str(sqlite_failure(error, "x.db")) == expected
