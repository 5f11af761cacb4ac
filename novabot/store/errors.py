"""The one exception type the store raises for its own failures, and SQLite's in words."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(Exception):
    """The database cannot be opened, migrated or used (closed store, schema too new...)."""


DAMAGED = (
    "the file is damaged: stop nova, run `nova db check`, then restore a backup or recover "
    "what SQLite can read with `sqlite3 {path} .recover`"
)
ADVICE = {
    sqlite3.SQLITE_CORRUPT: DAMAGED,
    sqlite3.SQLITE_NOTADB: "it is not a SQLite database: set NOVA_DB_PATH to Nova's database",
    sqlite3.SQLITE_READONLY: (
        "make the file and its folder writable for you, or set NOVA_DB_PATH to a writable copy"
    ),
    sqlite3.SQLITE_CANTOPEN: "set NOVA_DB_PATH to a file in a folder you can write",
    sqlite3.SQLITE_PERM: "check the file's permissions",
    sqlite3.SQLITE_BUSY: "another process kept it locked for too long: try again",
    sqlite3.SQLITE_LOCKED: "another process kept it locked for too long: try again",
    sqlite3.SQLITE_FULL: "the disk is full: free some space and try again",
    sqlite3.SQLITE_IOERR: "the disk failed to read or write it: check it, then run `nova db check`",
}


def sqlite_failure(exc: sqlite3.Error, path: Path | str) -> StoreError:
    """`exc` as one line: which database, what SQLite said, and what to do next."""
    code = getattr(exc, "sqlite_errorcode", None)
    # Extended codes (SQLITE_READONLY_DBMOVED, SQLITE_IOERR_SHORT_READ...) keep the
    # primary code in their low byte.
    advice = ADVICE.get(code & 0xFF) if isinstance(code, int) else None
    detail = str(exc) or type(exc).__name__
    if advice is None:
        return StoreError(f"database {path}: {detail}")
    return StoreError(f"database {path}: {detail}; {advice.format(path=path)}")
