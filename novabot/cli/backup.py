"""`nova db backup` and `nova db restore`: a consistent copy while Nova runs, and a
restore that cannot pull the database from under a running `nova run`.

Both go through SQLite's online backup API rather than copying files: a copy of the file
alone misses what still sits in the write-ahead log, and a copy taken while Nova writes
can be torn. The backup API copies one consistent snapshot, pages and WAL alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from novabot.cli.db_check import check
from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.delivery.worker import still_beating
from novabot.store import LATEST_VERSION
from novabot.store.database import BUSY_TIMEOUT_MS, open_read_only
from novabot.store.leases import WorkerRow
from novabot.store.records import parse_time


@dataclass(frozen=True, slots=True)
class Copied:
    path: Path
    size: int
    version: int

    def line(self, verb: str) -> str:
        return f"{verb} {self.path} ({_size(self.size)}, schema version {self.version})"


async def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    copied = await asyncio.to_thread(backup, settings.db_path.expanduser(), args.path, args.force)
    print(copied.line("backed up to"))
    return 0


async def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    database = settings.db_path.expanduser()
    saved = await asyncio.to_thread(restore, args.path, database, settings.lease_s)
    print(f"restored {database} from {args.path}")
    if saved is not None:
        print(saved.line("the database as it was is kept in"))
    return 0


def backup(database: Path, target: Path, force: bool = False) -> Copied:
    """Copy `database` to `target` through a temporary file, so `target` is either the
    whole copy or untouched."""
    if not database.is_file():
        raise UsageError(f"there is no database at {database} (set NOVA_DB_PATH)")
    target = target.expanduser()
    if target.is_dir():
        target = target / f"nova-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.db"
    if target.resolve() == database.resolve():
        raise UsageError("the backup cannot be the database itself")
    if target.exists() and not force:
        raise UsageError(f"{target} exists; choose another path or pass --force")
    if not target.parent.is_dir():
        raise UsageError(f"there is no folder {target.parent}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(open_read_only(database), partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise UsageError(f"could not back up {database}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"could not write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Copied(target, target.stat().st_size, _version(target))


def restore(source: Path, database: Path, lease_s: float) -> Copied | None:
    """Replace the database's content with `source`'s, keeping the old one beside it."""
    source = source.expanduser()
    _check_restorable(source)
    if database.is_file():
        holders = live_holders(database, lease_s)
        if holders:
            raise UsageError(
                f"a nova run ({', '.join(holders)}) is using {database}; stop it, then restore"
            )
    saved = None
    if database.is_file():
        kept = database.with_name(
            f"{database.stem}-before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}{database.suffix}"
        )
        saved = backup(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    # Into the live file through SQLite, so its WAL and any reader stay consistent.
    with (
        closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)) as target,
        closing(open_read_only(source)) as origin,
    ):
        origin.backup(target)
    return saved


def live_holders(database: Path, lease_s: float) -> list[str]:
    """The `nova run` processes still beating a heartbeat into `database` ("pid 12 on
    host"); one on this host whose process is gone does not count."""
    try:
        with closing(open_read_only(database)) as conn:
            rows = conn.execute("SELECT owner, host, pid, heartbeat_at FROM workers").fetchall()
    except sqlite3.Error:  # no workers table yet: nothing ever served from it
        return []
    workers = [
        WorkerRow(owner, host, int(pid), parse_time(beat)) for owner, host, pid, beat in rows
    ]
    here = socket.gethostname()
    return [f"pid {w.pid} on {w.host}" for w in workers if still_beating(w, lease_s, here)]


def _check_restorable(source: Path) -> None:
    if not source.is_file():
        raise UsageError(f"there is no file {source}")
    report = check(source)
    if report.problems:
        raise UsageError(f"{source} is not a sound Nova database: {report.problems[0]}")
    version = _version(source)
    if not 0 < version <= LATEST_VERSION:
        raise UsageError(f"{source} is not a Nova database (schema version {version})")


def _copy(origin: sqlite3.Connection, partial: Path) -> None:
    partial.unlink(missing_ok=True)
    with closing(origin), closing(sqlite3.connect(partial)) as copy:
        origin.backup(copy)  # one step: a single consistent snapshot
        ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise sqlite3.DatabaseError(f"the copy fails its integrity check: {ok}")


def _version(path: Path) -> int:
    try:
        with closing(open_read_only(path)) as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return 0


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"
