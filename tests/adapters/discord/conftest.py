"""A running Discord adapter wired to a fake Discord (REST + gateway) and a fake OpenAI."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from novabot.adapters.discord.adapter import DiscordAdapter
from novabot.app import App, build_app
from novabot.config import Settings
from novabot.core.bot import Bot
from tests.fakes.discord_gateway import (
    dm_channel,
    guild_payload,
    interaction_create,
    message_create,
    text_channel,
    user_payload,
)
from tests.fakes.discord_server import FakeDiscord

GUILD, CHANNEL, DM, USER, OTHER_BOT = 10, 20, 30, 42, 77
ALICE = user_payload(USER, "alice")
ROBOT = user_payload(OTHER_BOT, "robot", bot=True)
NOVA_ID = 1000
_ids = itertools.count(5000)


@pytest.fixture(autouse=True)
def restore_discord_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter points discord.py's class-level addresses at the fake; undo it after."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)


@pytest.fixture(autouse=True)
def no_discord_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs (and swallows) exceptions in event handlers: fail on them."""
    caplog.set_level(logging.WARNING, logger="discord")
    yield
    errors = [r for r in caplog.records if r.name.startswith("discord") and r.levelno >= 40]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(application_id=NOVA_ID, bot_user_id=NOVA_ID) as fake:
        fake.add_guild(guild_payload(GUILD, channels=[text_channel(CHANNEL, GUILD)]))
        fake.add_channel(dm_channel(DM, ALICE))
        yield fake


def discord_settings(settings: Settings, fake: FakeDiscord) -> Settings:
    return settings.replaced(
        discord_token=SecretStr(fake.token),
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_update_interval_s=0.2,
    )


@dataclass
class DiscordUsers:
    """People on the fake Discord: they write messages and run slash commands."""

    fake: FakeDiscord

    async def say(self, content: str, *, channel: int = CHANNEL, author: dict = ALICE,
                  mention: bool = False, message_id: int | None = None) -> int:  # fmt: skip
        """Dispatch a MESSAGE_CREATE as if a user wrote `content`; returns its id."""
        message_id = message_id or next(_ids)
        mentions = [user_payload(NOVA_ID, "Nova", bot=True)] if mention else []
        text = f"<@{NOVA_ID}> {content}" if mention else content
        guild = None if channel == DM else GUILD
        payload = message_create(message_id, channel, author, text, guild_id=guild,
                                 mentions=mentions)  # fmt: skip
        await self.fake.dispatch("MESSAGE_CREATE", payload)
        return message_id

    async def slash(self, subcommand: str, **options: str) -> int:
        """Dispatch `/nova <subcommand> option:value…`; returns the interaction id."""
        interaction_id = next(_ids)
        values = [{"type": 3, "name": k, "value": v} for k, v in options.items()]
        await self.fake.dispatch(
            "INTERACTION_CREATE",
            interaction_create(
                interaction_id,
                application_id=NOVA_ID,
                channel_id=CHANNEL,
                guild_id=GUILD,
                user=ALICE,
                command="nova",
                options=[{"type": 1, "name": subcommand, "options": values}],
                token=f"tok-{interaction_id}",
            ),
        )
        return interaction_id

    def sent(self, channel: int = CHANNEL) -> list[dict[str, Any]]:
        """What Nova posted in a channel, as it stands now."""
        return self.fake.bot_messages(channel)


@dataclass
class RunningDiscord(DiscordUsers):
    app: App
    adapter: DiscordAdapter

    async def stop(self) -> None:
        """Shut down as `nova run` does: stop intake, drain answers, disconnect."""
        await self.adapter.stop()
        await self.bot.drain(5)
        await self.adapter.close()
        await self.app.close()

    @property
    def bot(self) -> Bot:
        return self.app.bot


StartDiscord = Callable[..., Awaitable[RunningDiscord]]


@pytest.fixture
async def start_discord(
    settings: Settings, fake_discord: FakeDiscord
) -> AsyncIterator[StartDiscord]:
    running: list[RunningDiscord] = []

    async def start(**update: Any) -> RunningDiscord:
        chosen = discord_settings(settings, fake_discord).replaced(**update)
        app = await build_app(chosen)
        adapter = DiscordAdapter(app.bot, chosen, guild_ready_timeout=0.05)
        await adapter.start()
        running.append(RunningDiscord(fake_discord, app, adapter))
        return running[-1]

    yield start
    for instance in reversed(running):
        await instance.stop()


@pytest.fixture
async def nova_discord(start_discord: StartDiscord) -> RunningDiscord:
    return await start_discord()
