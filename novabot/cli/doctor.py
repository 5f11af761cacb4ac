"""`nova doctor`: is this Nova ready to run? One line per check, ✓ or ✗, and the fix.

Every check asks the real thing (the endpoint, Slack, Discord, the database file, the
router's model, the disk) with a short timeout and no retries, so a broken setup is found
in seconds, and each check runs whatever the others found.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from novabot.cli.db_check import check as check_integrity
from novabot.cli.schedule_targets import discord_get, slack_client
from novabot.config import ConfigError, Settings
from novabot.ops.health import check_endpoint
from novabot.store import LATEST_VERSION

CHECK_TIMEOUT_S = 10.0
LOW_DISK_BYTES = 500 * 1024 * 1024
"""Below this free space a busy Nova's database and logs can fill the disk within days."""
EXIT_PROBLEMS = 1
LLM_FIX = "set OPENAI_API_KEY for OpenAI, or NOVA_LLM_BASE_URL for a local server (see README)"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    ok: bool | None
    """True: fine; False: a problem; None: not configured, so not checked."""
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "–"}[self.ok]
        fix = f" — fix: {self.fix}" if self.fix and self.ok is not True else ""
        return f"{mark} {self.check}: {self.detail}{fix}"


Check = Callable[[Settings], Awaitable[Finding]]


def add_command(commands: Any) -> None:
    doctor = commands.add_parser(
        "doctor", help="check the configuration, endpoint, platforms, database and disk"
    )
    doctor.set_defaults(run=run_doctor, opens_store=False, bad_config=bad_config)


async def run_doctor(settings: Settings, args: argparse.Namespace) -> int:
    findings = [Finding("configuration", True, "environment and .env read")]
    print(findings[0].line(), flush=True)
    for check in CHECKS:
        findings.append(await _guarded(check, settings))
        print(findings[-1].line(), flush=True)  # as it comes: a slow check shows where
    return EXIT_PROBLEMS if any(f.ok is False for f in findings) else 0


def bad_config(error: ConfigError) -> int:
    """The configuration itself is unusable: the one check that stops the others."""
    print(
        Finding("configuration", False, str(error), "correct it in .env or the environment").line()
    )
    return EXIT_PROBLEMS


async def _guarded(check: Check, settings: Settings) -> Finding:
    name = check.__name__.removeprefix("check_").replace("_", " ")
    try:
        return await asyncio.wait_for(check(settings), CHECK_TIMEOUT_S + 5)
    except TimeoutError:
        return Finding(name, False, f"no answer within {CHECK_TIMEOUT_S + 5:.0f} s")


async def check_llm_endpoint(settings: Settings) -> Finding:
    name, url, model = "LLM endpoint", settings.llm_endpoint, settings.llm.model
    if not settings.llm_configured:
        return Finding(name, False, "not configured", LLM_FIX)
    health = await check_endpoint(url, settings.llm_key, model=model, timeout_s=CHECK_TIMEOUT_S)
    if not health.up:
        return Finding(
            name, False, f"{url}: {health.detail}", "check NOVA_LLM_BASE_URL and the server"
        )
    if health.models and model not in health.models:
        shown = ", ".join(health.models[:5])
        detail = f"{url} has no model {model} (it has {shown})"
        return Finding(name, False, detail, "set NOVA_LLM_MODEL")
    return Finding(name, True, f"{url} answers; model {model}")


async def check_slack(settings: Settings) -> Finding:
    from slack_sdk.errors import SlackApiError

    slack = settings.slack
    if slack.bot_token is None:
        return Finding("Slack", None, "not configured (NOVA_SLACK_BOT_TOKEN unset)")
    if slack.app_token is None and slack.signing_secret is None:
        fix = "set NOVA_SLACK_APP_TOKEN (Socket Mode) or NOVA_SLACK_SIGNING_SECRET (Events API)"
        return Finding("Slack", False, "a bot token but no way to receive events", fix)
    try:
        identity = await slack_client(settings).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") or exc.response.status_code
        return Finding("Slack", False, f"auth.test answered {error}", "set NOVA_SLACK_BOT_TOKEN")
    except (OSError, TimeoutError) as exc:
        return Finding("Slack", False, f"cannot be reached ({exc})", "check the network")
    mode = "Socket Mode" if slack.app_token else "Events API"
    return Finding("Slack", True, f"signed in as {identity.get('user')} ({mode})")


async def check_discord(settings: Settings) -> Finding:
    if settings.discord.token is None:
        return Finding("Discord", None, "not configured (NOVA_DISCORD_TOKEN unset)")
    status, body = await discord_get(settings, "/users/@me")
    if status == 0:
        return Finding("Discord", False, "cannot be reached", "check the network")
    if status == 401:
        fix = "reset the bot token in the Developer Portal and set NOVA_DISCORD_TOKEN"
        return Finding("Discord", False, "the token was refused", fix)
    if status != 200:
        return Finding("Discord", False, f"answered {status}", "try again later")
    return Finding("Discord", True, f"signed in as {body.get('username', '?')}")


async def check_database(settings: Settings) -> Finding:
    return await asyncio.to_thread(_database, settings.db_path.expanduser())


def _database(path: Path) -> Finding:
    if not path.exists():
        folder = _existing_parent(path)
        if _writable_folder(folder):
            return Finding("database", True, f"none yet at {path}; Nova creates it")
        return Finding("database", False, f"cannot create {path}", f"make {folder} writable")
    report = check_integrity(path)
    if report.problems:
        return Finding("database", False, f"{path}: {report.problems[0]}", report.advice)
    try:
        with closing(sqlite3.connect(path, timeout=5)) as conn:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock; nothing is written
            conn.rollback()
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        return Finding(
            "database", False, f"{path} cannot be written ({exc})", "fix its permissions"
        )
    behind = f", migrates to {LATEST_VERSION} at start" if version < LATEST_VERSION else ""
    return Finding("database", True, f"{path}: sound and writable (schema {version}{behind})")


async def check_router_model(settings: Settings) -> Finding:
    from novabot.routing.embedding import EmbeddingError
    from novabot.routing.factory import (
        MULTILINGUAL,
        build_embedder,
        english_only_encoder,
        offline_encoder,
    )

    backend = settings.router.backend
    if backend == "lexical":
        return Finding("router", True, "lexical (word overlap, no model)")
    started = time.perf_counter()
    try:
        embedder = await asyncio.to_thread(build_embedder, settings)
        await asyncio.to_thread(embedder.embed, ["is the router ready?"])
        detail = f"{embedder.name} loads and embeds ({_ms_since(started)})"
        if english_only_encoder(settings) and settings.router.multilingual:
            started = time.perf_counter()
            other = await asyncio.to_thread(offline_encoder, MULTILINGUAL, settings.models_dir)
            await asyncio.to_thread(other.embed, ["le routeur est-il prêt ?"])
            detail += f"; other languages: {other.name} ({_ms_since(started)})"
    except EmbeddingError as exc:
        return Finding("router", False, str(exc), "see README, Routing")
    return Finding("router", True, detail)


def _ms_since(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


async def check_disk(settings: Settings) -> Finding:
    folder = _existing_parent(settings.db_path.expanduser())
    free = shutil.disk_usage(folder).free
    detail = f"{free / 1024**3:.1f} GB free at {folder}"
    if free < LOW_DISK_BYTES:
        return Finding("disk", False, detail, "free space or move NOVA_DB_PATH")
    return Finding("disk", True, detail)


def _existing_parent(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    return folder


def _writable_folder(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


CHECKS: tuple[Check, ...] = (
    check_llm_endpoint,
    check_slack,
    check_discord,
    check_database,
    check_router_model,
    check_disk,
)
