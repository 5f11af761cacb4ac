"""The Discord adapter: a discord.py client with Nova's `/nova` command tree."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from novabot.adapters.discord import components, events
from novabot.adapters.discord.commands import nova_commands, on_command_error
from novabot.adapters.discord.surfaces import PLATFORM, DiscordResponder
from novabot.config import ConfigError, Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

log = logging.getLogger(__name__)

DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
READY_TIMEOUT_S = 30.0
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
)
"""What Nova does in a channel: read it, answer, open a thread for a pipeline and answer
there, see what it replies to."""


def intents() -> discord.Intents:
    chosen = discord.Intents.default()
    # Privileged: without it, only mentions and DMs carry text, so follow-ups in Nova's
    # threads and messages in bound channels would arrive empty.
    chosen.message_content = True
    return chosen


class NovaClient(discord.Client):
    def __init__(self, bot: Bot, settings: Settings, *, guild_ready_timeout: float = 2.0) -> None:
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
        )
        self.nova = bot
        self.interval_s = settings.discord.update_interval_s
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(nova_commands(bot, interval_s=self.interval_s))
        # discord.py documents replacing these hooks on a tree instance, not subclassing.
        self.tree.on_error = on_command_error  # type: ignore[method-assign]
        self.tree.interaction_check = self._accepting  # type: ignore[method-assign]
        self.accepting = True
        """False once Nova is shutting down: new events are left alone, answers finish."""

    async def on_message(self, message: discord.Message) -> None:
        if self.accepting:
            await events.on_message(self, self.nova, message, self.interval_s)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if self.accepting:  # slash commands go to the tree; this takes button clicks
            await components.on_choice(self.nova, interaction)

    async def _accepting(self, interaction: discord.Interaction) -> bool:
        return self.accepting


def point_at(settings: Settings) -> None:
    """Send discord.py's REST and gateway traffic where the settings say.

    discord.py keeps both addresses as class attributes; setting them is its own way to
    reach Discord-compatible servers (and the test suite's fake).
    """
    Route.BASE = settings.discord.api_url or DISCORD_API_URL
    gateway = settings.discord.gateway_url or DISCORD_GATEWAY_URL
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


async def logged_in(bot: Bot, settings: Settings, **options: float) -> NovaClient:
    """A client logged in over REST (no gateway yet), or a ConfigError naming the token."""
    if settings.discord.token is None:
        raise ConfigError("NOVA_DISCORD_TOKEN is not set")
    point_at(settings)
    client = NovaClient(bot, settings, **options)
    try:
        await client.login(settings.discord.token.get_secret_value())
    except discord.LoginFailure:
        await client.close()
        raise ConfigError(
            "NOVA_DISCORD_TOKEN was refused by Discord; copy the bot token again"
        ) from None
    except (discord.HTTPException, OSError) as exc:
        await client.close()
        raise ConfigError(f"cannot log in to Discord at {Route.BASE}: {exc}") from None
    return client


class DiscordAdapter:
    name = "discord"

    def __init__(self, bot: Bot, settings: Settings, *, guild_ready_timeout: float = 2.0) -> None:
        if settings.discord.token is None:
            raise ConfigError("NOVA_DISCORD_TOKEN is not set")
        self.bot = bot
        self.settings = settings
        self.guild_ready_timeout = guild_ready_timeout
        """discord.py waits this long after the last GUILD_CREATE before it is ready."""
        self.client: NovaClient | None = None
        self._connection: asyncio.Task[None] | None = None

    @property
    def description(self) -> str:
        return f"Discord (gateway {self.settings.discord.gateway_url or DISCORD_GATEWAY_URL})"

    @property
    def started(self) -> bool:
        return self.client is not None and self.client.is_ready()

    async def start(self) -> None:
        self.client = await logged_in(
            self.bot, self.settings, guild_ready_timeout=self.guild_ready_timeout
        )
        self._connection = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {ready, self._connection},
                timeout=READY_TIMEOUT_S,
                return_when=asyncio.FIRST_COMPLETED,
            )
        except asyncio.CancelledError:  # `nova run` stopped while still connecting
            ready.cancel()
            await self.close()
            raise
        if ready not in done:
            ready.cancel()
            await self.close()
            where = self.settings.discord.gateway_url or DISCORD_GATEWAY_URL
            raise ConfigError(f"the Discord gateway {where} did not become ready")

    async def stop(self) -> None:
        """Stop taking events; the REST session stays open for answers under way."""
        if self.client is not None:
            self.client.accepting = False

    def responder_for(self, key: ConversationKey) -> Responder | None:
        """Where to answer in a conversation found in the store (a pipeline to resume)."""
        if key.platform != PLATFORM or self.client is None:
            return None
        channel = self.client.get_channel(int(key.thread_id or key.channel_id))
        if channel is None:
            return None
        return DiscordResponder(channel, interval_s=self.settings.discord.update_interval_s)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self._connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._connection
            self._connection = None


class SyncRefused(Exception):
    """Discord would not register the commands where asked; the message says why."""


async def sync_commands(bot: Bot, settings: Settings, guild_id: int | None) -> list[str]:
    """Register `/nova` with Discord, globally or for one guild; returns what was synced."""
    client = await logged_in(bot, settings)
    try:
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        try:
            synced = await client.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            raise SyncRefused(_sync_refusal(exc, guild_id)) from None
        return [command.name for command in synced]
    finally:
        await client.close()


def _sync_refusal(exc: discord.HTTPException, guild_id: int | None) -> str:
    where = f"guild {guild_id}" if guild_id else "all guilds"
    said = f"{exc.status} {exc.text or exc.response.reason}".strip()
    if guild_id and isinstance(exc, discord.Forbidden):
        return (
            f"Discord refused /nova in {where} ({said}): the bot is not in that guild; "
            "add it with `nova discord invite-url`, or check the guild id"
        )
    if guild_id and isinstance(exc, discord.NotFound):
        return f"Discord knows no {where} ({said}); check the guild id"
    return f"Discord refused to register /nova in {where} ({said})"


async def invite_url(bot: Bot, settings: Settings) -> str:
    client = await logged_in(bot, settings)
    try:
        assert client.application_id is not None
        return discord.utils.oauth_url(
            client.application_id,
            permissions=INVITE_PERMISSIONS,
            scopes=("bot", "applications.commands"),
        )
    finally:
        await client.close()
