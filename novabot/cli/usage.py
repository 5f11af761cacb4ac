"""`nova usage`: tokens used, by agent and model, in the terminal's conversation or in all."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from novabot.adapters.terminal import cli_key
from novabot.cli.runtime import UsageError, started_app
from novabot.commands.builtin import describe_usage
from novabot.config import Settings
from novabot.ops.prices import PriceError, PriceTable
from novabot.store.records import UsageRow

JSON_KEYS = ("agent", "model", "calls", "prompt_tokens", "completion_tokens")
"""What `--json` prints for each row; scripts read these names, so they do not change."""


def add_command(commands: Any) -> None:
    usage = commands.add_parser("usage", help="tokens used, by agent and model")
    where = usage.add_mutually_exclusive_group()
    where.add_argument("--all", action="store_true", help="every conversation, on every platform")
    where.add_argument("--thread", help="the terminal thread to count (default: the main one)")
    usage.add_argument(
        "--since", help="only calls from this date or time on (2025-05-01, 2025-05-01T09:30)"
    )
    usage.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    usage.set_defaults(run=run_usage)


async def run_usage(settings: Settings, args: argparse.Namespace) -> int:
    since = parse_since(args.since) if args.since else None
    async with started_app(settings) as app:
        key = None if args.all else cli_key(args.thread)
        rows = await app.store.usage(key, since=since)
        prices = app.bot.services.prices
    if args.json:
        table = json_prices(prices)  # read once, not once a row
        print(json.dumps([as_json(row, table) for row in rows]))
    elif since is not None:
        print(describe_usage(rows, prices, nothing=f"No tokens used since {args.since}."))
    else:
        print(describe_usage(rows, prices))
    return 0


def parse_since(text: str) -> datetime:
    """An ISO date or date-time; without a zone it is the local time, as a user means it."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--since: '{text}' is not a date or time; use ISO 8601, e.g. 2025-05-01 "
            "or 2025-05-01T09:30"
        ) from None


def json_prices(prices: Callable[[], PriceTable]) -> PriceTable:
    try:
        return prices()
    except PriceError as exc:  # a script is better told than given costs of 0
        raise UsageError(str(exc)) from None


def as_json(row: UsageRow, prices: PriceTable) -> dict[str, Any]:
    """The row's JSON_KEYS, and `cost_usd` (null when the model has no price)."""
    cost = prices.cost(row.model, row.prompt_tokens, row.completion_tokens)
    return {**{key: getattr(row, key) for key in JSON_KEYS}, "cost_usd": cost}
