"""`nova db check`: is the database file sound, and what to do when it is not.

The check opens the file read-only and never migrates it, so it also works on a damaged
database, a copy on read-only media, or one another `nova` is using.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from novabot.config import Settings
from novabot.store import LATEST_VERSION
from novabot.store.database import open_read_only

EXIT_DAMAGED = 1
SHOWN_PROBLEMS = 10
"""integrity_check can list a hundred lines; the first few say enough."""


@dataclass
class Report:
    path: Path
    problems: list[str] = field(default_factory=list)
    advice: str = ""

    def lines(self) -> list[str]:
        if not self.problems:
            return ["ok"]
        shown = [f"  {problem}" for problem in self.problems[:SHOWN_PROBLEMS]]
        if len(self.problems) > SHOWN_PROBLEMS:
            shown.append(f"  … and {len(self.problems) - SHOWN_PROBLEMS} more")
        return [f"database {self.path}: {len(self.problems)} problem(s)", *shown, self.advice]


async def run_check(settings: Settings, args: argparse.Namespace) -> int:
    report = await asyncio.to_thread(check, settings.db_path.expanduser())
    print("\n".join(report.lines()))
    return EXIT_DAMAGED if report.problems else 0


def check(path: Path) -> Report:
    """integrity_check over every page and index, then the schema version."""
    report = Report(path)
    if not path.is_file():
        report.problems.append("there is no database file here")
        report.advice = "what to do: set NOVA_DB_PATH to Nova's database (nova creates it)"
        return report
    try:
        with closing(open_read_only(path)) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            damage = [str(row[0]) for row in rows if row[0] != "ok"]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:  # damage bad enough that SQLite cannot even check
        damage, version = [str(exc)], None
    if damage:
        report.problems.extend(damage)
        report.advice = recovery_advice(path)
    elif version is not None and version > LATEST_VERSION:
        report.problems.append(f"schema version {version}: newer than this Nova's")
        report.advice = f"what to do: upgrade Nova (this one knows up to {LATEST_VERSION})"
    return report


def recovery_advice(path: Path) -> str:
    recovered = path.with_name(f"{path.stem}-recovered{path.suffix}")
    return (
        "what to do: stop nova, then restore a backup of this file, or copy out what SQLite "
        f'can still read: sqlite3 {path} ".recover" | sqlite3 {recovered} '
        f"and set NOVA_DB_PATH={recovered}"
    )
