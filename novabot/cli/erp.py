"""`nova erp demo`: write the demo ERP database the ERP agents can be pointed at."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.erp.demo.generate import DEFAULT_SEED, DemoData, generate
from novabot.erp.demo.writers import (
    DemoTargetError,
    check_sqlite_target,
    is_postgres_url,
    masked,
    write_postgres,
    write_sqlite,
)

DEFAULT_TARGET = "data/erp-demo.db"


def add_commands(commands: Any) -> None:
    erp = commands.add_parser("erp", help="the ERP database the ERP agents read")
    sub = erp.add_subparsers(dest="erp_command", required=True, metavar="ACTION")
    demo = sub.add_parser(
        "demo", help="write a demo ERP database (a street-sweeper parts distributor)"
    )
    demo.add_argument(
        "target",
        nargs="?",
        default=DEFAULT_TARGET,
        metavar="PATH | postgresql://URL",
        help=f"a SQLite file or a PostgreSQL database (default: {DEFAULT_TARGET})",
    )
    demo.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="same seed, same data (default: 1)"
    )
    demo.add_argument("--force", action="store_true", help="replace what the target holds")
    # Nova's own database is not opened: no log file is created beside it.
    demo.set_defaults(run=run_demo, opens_store=False)


async def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        data, url = await asyncio.to_thread(write_demo, args.target, args.seed, args.force)
    except DemoTargetError as exc:
        raise UsageError(str(exc)) from None
    elapsed = time.perf_counter() - started
    print(report(data, args.target, elapsed, url))
    return 0


def write_demo(target: str, seed: int, force: bool) -> tuple[DemoData, str]:
    """Generate and write; returns the data and what NOVA_ERP_DATABASE_URL should be."""
    if is_postgres_url(target):
        data = generate(seed)
        write_postgres(target, data, force=force)
        return data, target
    path = Path(target).expanduser()
    check_sqlite_target(path, force=force)  # before the work, not after
    data = generate(seed)
    write_sqlite(path, data, force=force)
    return data, str(path.resolve())


def report(data: DemoData, target: str, elapsed: float, url: str) -> str:
    where = masked(target)
    lines = [
        f"Wrote the demo ERP database to {where} in {elapsed:.1f} s "
        f"(seed {data.seed}; dates run up to {data.reference_date.isoformat()}):"
    ]
    counts = data.counts()
    width = max(len(name) for name in counts)
    lines += [f"  {name:<{width}}  {count:>6,}" for name, count in counts.items()]
    advice = "Point the ERP agents at it"
    if is_postgres_url(url):
        advice += ", better through a read-only role (see README)"
    if masked(url) != url:
        advice += "; put the password back in place of ***"
    lines += [f"{advice}:", f"NOVA_ERP_DATABASE_URL={masked(url)}"]
    return "\n".join(lines)
