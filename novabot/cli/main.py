"""`nova`: the command line. Each subcommand starts the core, does one thing, and exits."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from novabot import __version__
from novabot.adapters import serve as service
from novabot.adapters import terminal
from novabot.adapters.text import clean_text
from novabot.agents.cards import CardError
from novabot.cli import api_keys as api_keys_cli
from novabot.cli import dashboard as dashboard_cli
from novabot.cli import db as db_cli
from novabot.cli import doctor as doctor_cli
from novabot.cli import erp as erp_cli
from novabot.cli import knowledge as knowledge_cli
from novabot.cli import models as models_cli
from novabot.cli import pipeline as pipeline_cli
from novabot.cli import projects as projects_cli
from novabot.cli import schedules as schedules_cli
from novabot.cli import usage as usage_cli
from novabot.cli.routing import add_eval_commands, add_lint_command
from novabot.cli.runtime import UsageError, require_llm, started_app
from novabot.commands.builtin import describe_agents
from novabot.config import ConfigError, Settings, load_settings
from novabot.core.cogs import CogError
from novabot.logs import configure_logging
from novabot.pipeline.plan import PlanError
from novabot.routing.embedding import EmbeddingError
from novabot.routing.quality.data import EvalError
from novabot.routing.quality.lint import LintError
from novabot.store import StoreError
from novabot.store.database import prepare_location
from novabot.store.errors import sqlite_failure

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nova", description="Nova: scoped AI agents in your terminal, Slack and Discord."
    )
    parser.add_argument("--version", action="version", version=f"nova {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to Nova's agents in an interactive session")
    chat.add_argument("--thread", help="a named thread (default: your main conversation)")
    chat.add_argument("--project", help="the conversation belongs to this project (kept)")
    chat.set_defaults(run=run_chat)

    ask = commands.add_parser("ask", help="ask one question, print the answer and exit")
    ask.add_argument("text", nargs="+", help="what to ask")
    ask.add_argument("--agent", help="send it to this agent instead of letting Nova route")
    ask.add_argument("--thread", help="a named thread (default: your main conversation)")
    ask.add_argument("--project", help="the conversation belongs to this project (kept)")
    ask.set_defaults(run=run_ask)

    why = commands.add_parser("why", help="why the last message went to the agent it did")
    why.add_argument("--thread", help="the thread to look at (default: the main conversation)")
    why.set_defaults(run=run_why)

    run = commands.add_parser(
        "run", help="serve Slack, Discord and the API (whichever are configured)"
    )
    run.set_defaults(run=run_service)

    discord_parser = commands.add_parser("discord", help="Discord set-up: command sync, invite URL")
    discord_commands = discord_parser.add_subparsers(dest="discord_command", required=True)
    sync = discord_commands.add_parser("sync", help="register /nova with Discord")
    sync.add_argument(
        "--guild", type=int, help="only this guild (instant; global takes up to an hour)"
    )
    sync.set_defaults(run=run_discord_sync)
    invite = discord_commands.add_parser(
        "invite-url", help="print the URL that adds Nova to a server"
    )
    invite.set_defaults(run=run_discord_invite)

    agents = commands.add_parser("agents", help="list the agents with what they do and do not")
    agents.set_defaults(run=run_agents)
    add_lint_command(agents)
    usage_cli.add_command(commands)
    pipeline_cli.add_commands(commands)
    add_eval_commands(commands)
    db_cli.add_commands(commands)
    doctor_cli.add_command(commands)
    projects_cli.add_commands(commands)
    knowledge_cli.add_commands(commands)
    schedules_cli.add_commands(commands)
    erp_cli.add_commands(commands)
    api_keys_cli.add_commands(commands)
    dashboard_cli.add_commands(commands)
    models_cli.add_commands(commands)
    return parser


async def run_chat(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    async with started_app(settings) as app:
        await terminal.Repl(app.bot, args.thread, args.project).run()
    return 0


async def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    async with started_app(settings) as app:
        text = " ".join(args.text)
        outcome = await terminal.ask(
            app.bot, text, agent=args.agent, thread=args.thread, project=args.project
        )
    return terminal.exit_code(outcome)


async def run_service(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    if not await service.anything_to_serve(settings):  # said before the router loads
        raise UsageError(
            "no platform is configured: set NOVA_SLACK_BOT_TOKEN or NOVA_DISCORD_TOKEN "
            "(see README), create an API key (`nova api-key create NAME`), set a dashboard "
            "password (`nova dashboard set-password`), or use `nova chat` in the terminal"
        )
    async with started_app(settings) as app:
        adapters = await service.configured_adapters(app)
        await service.serve(app, adapters, grace_s=settings.shutdown_grace_s)
    return 0


async def run_discord_sync(settings: Settings, args: argparse.Namespace) -> int:
    from novabot.adapters.discord.adapter import SyncRefused, sync_commands

    guilds: list[int | None] = [args.guild] if args.guild else [None]
    if not args.guild and settings.discord.guild_ids:
        guilds = list(settings.discord.guild_ids)
    refused = 0
    async with started_app(settings) as app:
        for guild in guilds:
            try:
                names = await sync_commands(app.bot, settings, guild)
            except SyncRefused as exc:  # one guild refusing leaves the others to sync
                print(f"nova: {exc}", file=sys.stderr)
                refused += 1
                continue
            where = f"guild {guild}" if guild else "all guilds (global)"
            print(f"synced {', '.join('/' + n for n in names)} to {where}")
    return EXIT_USAGE if refused else 0


async def run_discord_invite(settings: Settings, args: argparse.Namespace) -> int:
    from novabot.adapters.discord.adapter import invite_url

    async with started_app(settings) as app:
        print(await invite_url(app.bot, settings))
    return 0


async def run_why(settings: Settings, args: argparse.Namespace) -> int:
    async with started_app(settings) as app:
        key = terminal.cli_key(args.thread)
        print((await app.bot.run_command(key, terminal.cli_user(), "why", "")).text)
    return 0


async def run_agents(settings: Settings, args: argparse.Namespace) -> int:
    async with started_app(settings) as app:
        print(describe_agents(app.bot.services))
    return 0


Runner = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]

ONE_LINE_ERRORS = (
    ConfigError,
    CardError,
    CogError,
    PlanError,
    StoreError,
    UsageError,
    EmbeddingError,
    EvalError,
    LintError,
)
"""Errors whose message is the whole story: printed as one line, without a traceback."""
EXIT_BROKEN_PIPE = 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = dispatch(cleaned(build_parser().parse_args(argv)))
        # Flushed here rather than at exit, so a reader that went away is caught below.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The Python docs' recipe (`nova agents | head -1`): stdout's reader is gone, so
        # point stdout at devnull, or the flush at interpreter exit fails once more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def dispatch(args: argparse.Namespace) -> int:
    run: Runner = args.run
    settings: Settings | None = None
    try:
        settings = load_settings()
        json_lines = settings.log.format == "json"
        configure_logging(log_file(settings, args), settings.log.level, json_lines=json_lines)
        return asyncio.run(run(settings, args))
    except ONE_LINE_ERRORS as exc:
        if settings is None and isinstance(exc, ConfigError) and hasattr(args, "bad_config"):
            return int(args.bad_config(exc))  # `nova doctor` reports it as its first check
        print(f"nova: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.Error as exc:  # met after the store opened: damage, a read-only file
        where = settings.db_path if settings else "?"
        print(f"nova: {sqlite_failure(exc, where)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the line the ^C was echoed on
        return 130


def log_file(settings: Settings, args: argparse.Namespace) -> Path:
    """Where this command logs: beside the database unless told otherwise, or nowhere
    when that folder is unusable (the store says so in one line when it opens, and a
    command that does not open it, such as `nova agents lint`, runs as before)."""
    if settings.log.file is not None:
        return settings.log.file
    if not getattr(args, "opens_store", True):
        return Path(os.devnull)  # `nova db check` creates nothing beside the database
    try:
        prepare_location(settings.db_path)
    except StoreError:
        return Path(os.devnull)
    return settings.resolved_log_file


def cleaned(args: argparse.Namespace) -> argparse.Namespace:
    """Text arguments Nova can store and send: bytes that are not UTF-8 reach Python as
    lone surrogates, which SQLite and JSON cannot encode. Paths (`type=Path`) keep theirs,
    so a file named in another encoding is still found."""
    for name, value in vars(args).items():
        if isinstance(value, str):
            setattr(args, name, clean_text(value))
        elif isinstance(value, list):
            setattr(args, name, [clean_text(v) if isinstance(v, str) else v for v in value])
    return args


if __name__ == "__main__":
    sys.exit(main())
