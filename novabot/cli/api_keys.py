"""`nova api-key`: the keys websites and programs call Nova's API with.

A key is printed once, at creation; the database keeps only its hash. These commands
need the database and the scope cards' names, not the router: no model is loaded.
"""

from __future__ import annotations

import argparse
from typing import Any

from novabot.agents.cards import load_cards
from novabot.api.keys import (
    DEFAULT_RATE,
    ROUTER_MODEL,
    Rate,
    check_name,
    key_hash,
    new_key,
    parse_models,
)
from novabot.app import default_card_dirs
from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.store import Store
from novabot.store.api_keys import ApiKeyRecord


def add_commands(commands: Any) -> None:
    keys = commands.add_parser("api-key", help="keys for Nova's OpenAI-compatible HTTP API")
    sub = keys.add_subparsers(dest="api_key_command", required=True, metavar="ACTION")

    create = sub.add_parser("create", help="create a key and print it (once)")
    create.add_argument("name", help="who uses it (letters, digits, '.', '_', '-')")
    create.add_argument(
        "--agents",
        help=f"the only agents it may use, comma-separated ({ROUTER_MODEL}: the router); "
        "default: all",
    )
    create.add_argument(
        "--rate", default=str(DEFAULT_RATE), help=f"requests allowed (default {DEFAULT_RATE})"
    )
    create.set_defaults(run=run_create)

    sub.add_parser("list", help="the keys (never the keys themselves)").set_defaults(run=run_list)

    revoke = sub.add_parser("revoke", help="refuse a key from now on")
    revoke.add_argument("name")
    revoke.set_defaults(run=run_revoke)


async def run_create(settings: Settings, args: argparse.Namespace) -> int:
    try:  # everything checked before the store is touched: bad input stores nothing
        name = check_name(args.name)
        rate = Rate.parse(args.rate)
        models = None if args.agents is None else parse_models(args.agents, known_models(settings))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    key = new_key()
    async with await Store.open(settings.db_path) as store:
        await store.add_api_key(
            name, key_hash(key), models=models, rate_limit=rate.count, rate_period_s=rate.period_s
        )
    print(key)
    print(
        f"nova: created API key {name} ({describe(models)}, {rate}); it is shown only now. "
        "`nova run` serves the API once it has a key (restart it if running)."
    )
    return 0


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        keys = await store.api_keys()
    if not keys:
        print("no API keys yet: nova api-key create NAME")
        return 0
    for key in keys:
        print(line(key))
    return 0


async def run_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        if not await store.revoke_api_key(args.name):
            names = ", ".join(key.name for key in await store.api_keys()) or "none"
            raise UsageError(f"there is no API key named '{args.name}' (keys: {names})")
    print(f"nova: revoked API key {args.name}; requests with it are refused from now on")
    return 0


def known_models(settings: Settings) -> list[str]:
    """What a key may be limited to: the routable agents, and the router itself."""
    cards = load_cards(default_card_dirs(settings))
    return [ROUTER_MODEL, *(card.name for card in cards if card.routable)]


def describe(models: tuple[str, ...] | None) -> str:
    return "every agent and the router" if models is None else "only " + ", ".join(models)


def line(key: ApiKeyRecord) -> str:
    rate = Rate(key.rate_limit, key.rate_period_s)
    used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
    created = key.created_at.strftime("%Y-%m-%d %H:%M")
    return f"{key.name}: {describe(key.models)}; {rate}; created {created}; last used {used}"
