"""`nova dashboard set-password`: the operator's password for the dashboard at /dashboard.

Asked twice at the terminal (never an argument: it would stay in the shell's history);
`--stdin` reads one line instead, for scripts and containers.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.dashboard.passwords import PasswordError, check_new_password, hash_password
from novabot.store import Store


def add_commands(commands: Any) -> None:
    dashboard = commands.add_parser("dashboard", help="the operator's dashboard at /dashboard")
    sub = dashboard.add_subparsers(dest="dashboard_command", required=True, metavar="ACTION")
    setting = sub.add_parser(
        "set-password", help="set the dashboard's password (signs every browser out)"
    )
    setting.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    setting.set_defaults(run=run_set_password)


async def run_set_password(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args.stdin)
    try:
        check_new_password(password)
    except PasswordError as exc:
        raise UsageError(str(exc)) from None
    async with await Store.open(settings.db_path) as store:
        await store.set_dashboard_password(hash_password(password))
    print(
        f"nova: dashboard password set; `nova run` serves the dashboard at "
        f"http://{settings.http.host}:{settings.http.port}/dashboard/ (restart it if running)."
    )
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask the password at: pipe it in with --stdin")
    first = getpass.getpass("Dashboard password: ")
    if getpass.getpass("Again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first
