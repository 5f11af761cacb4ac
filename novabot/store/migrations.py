"""Applying the schema's migrations (store/schema/) in order at open, tracked in PRAGMA
user_version, each in a transaction of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from novabot.store.errors import StoreError
from novabot.store.schema import MIGRATIONS, Migration

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration", "migrate"]

LATEST_VERSION: int = MIGRATIONS[-1].version


def newer_schema_error(path: str | Path, found: int, latest: int = LATEST_VERSION) -> StoreError:
    """The refusal to touch a database written by a newer Nova (we cannot know its schema)."""
    return StoreError(
        f"database {path} has schema version {found}, newer than this Nova ({latest}); upgrade Nova"
    )


def split_statements(script: str) -> list[str]:
    """Split a script on ';' without breaking a ';' inside a string, comment or trigger.

    Statements run one by one because sqlite3's executescript() would COMMIT first and
    so escape the migration's transaction.
    """
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                statements.append(buffer.strip())
            buffer = ""
    return statements


async def user_version(conn: aiosqlite.Connection) -> int:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def migrate(conn: aiosqlite.Connection, target: int | None = None) -> int:
    """Upgrade `conn`'s database to `target` (default: latest); return the version reached.

    Never downgrades: a database already at or past `target` is left alone, but one newer
    than this code raises StoreError, since the code cannot know that schema.
    """
    latest = _latest()
    goal = latest if target is None else target
    if not 0 <= goal <= latest:
        raise ValueError(f"target schema version {goal} is not in 0..{latest}")
    current = await user_version(conn)
    if current > latest:
        raise newer_schema_error(await _database_file(conn), current, latest)
    for migration in MIGRATIONS:
        if current < migration.version <= goal:
            await _apply(conn, migration)
    return await user_version(conn)


async def _apply(conn: aiosqlite.Connection, migration: Migration) -> None:
    """One migration and its user_version bump, atomically."""
    await conn.execute_fetchall("BEGIN IMMEDIATE")
    try:
        # Another process opening the same file may have migrated while we waited.
        if await user_version(conn) >= migration.version:
            await conn.rollback()
            return
        for statement in split_statements(migration.sql):
            await conn.execute_fetchall(statement)
        # PRAGMA takes no bound parameters; the version is an int from our own table.
        await conn.execute_fetchall(f"PRAGMA user_version = {int(migration.version)}")
        await conn.commit()
    except BaseException as exc:
        await conn.rollback()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(
                f"migration {migration.version} ({migration.description}) failed: {exc}"
            ) from exc
        raise


def _latest() -> int:
    # Read at call time (not LATEST_VERSION) so tests can extend MIGRATIONS.
    return MIGRATIONS[-1].version if MIGRATIONS else 0


async def _database_file(conn: aiosqlite.Connection) -> str:
    for row in await conn.execute_fetchall("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2]) or ":memory:"
    return "<unknown>"
