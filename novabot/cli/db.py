"""`nova db`: check the database for damage, back it up while Nova runs, restore it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from novabot.cli.backup import run_backup, run_restore
from novabot.cli.db_check import run_check


def add_commands(commands: Any) -> None:
    db = commands.add_parser("db", help="the database: check, back up, restore")
    sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    check = sub.add_parser("check", help="check the database (SQLite integrity_check)")
    # Read-only: main() neither creates the folder nor opens a log file beside it.
    check.set_defaults(run=run_check, opens_store=False)

    backup = sub.add_parser("backup", help="copy the database, consistent while Nova runs")
    backup.add_argument("path", type=Path, help="the copy's file (or a folder for a dated name)")
    backup.add_argument("--force", action="store_true", help="replace an existing file")
    backup.set_defaults(run=run_backup, opens_store=False)

    restore = sub.add_parser("restore", help="replace the database with a backup (Nova stopped)")
    restore.add_argument("path", type=Path, help="the backup to restore")
    restore.set_defaults(run=run_restore, opens_store=False)
