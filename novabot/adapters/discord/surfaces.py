"""Where Nova's Discord answers appear: channel messages and interaction follow-ups.

Every send and edit uses `AllowedMentions.none()`: whatever the model writes
(@everyone, @here, roles, users), nobody is pinged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import discord

from novabot.surface import Surface

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
NO_PINGS = discord.AllowedMentions.none()


class ChannelSurface(Surface):
    """A text channel, thread or DM; the first message replies to the user's message."""

    limit = MESSAGE_LIMIT
    errors = (discord.HTTPException,)

    def __init__(
        self,
        channel: discord.abc.Messageable,
        *,
        reply_to: discord.Message | None = None,
        interval_s: float = 1.0,
    ) -> None:
        self.channel = channel
        self.reply_to = reply_to
        self.interval_s = interval_s

    async def post(self, text: str) -> discord.Message:
        reference, self.reply_to = self.reply_to, None  # only the first message is a reply
        with logged_discord_errors(self.channel, "sending a message"):
            if reference is None:
                return await self.channel.send(text, allowed_mentions=NO_PINGS)
            return await self.channel.send(text, reference=reference, allowed_mentions=NO_PINGS)

    async def edit(self, handle: discord.Message, text: str, *, final: bool) -> None:
        with logged_discord_errors(self.channel, "editing a message"):
            await handle.edit(content=text, allowed_mentions=NO_PINGS)

    async def delete(self, handle: discord.Message) -> None:
        with logged_discord_errors(self.channel, "deleting a message"):
            await handle.delete()


class InteractionSurface(Surface):
    """A deferred slash command: each message is a follow-up (the first one replaces
    Discord's "thinking…" state), edited in place while the answer streams."""

    limit = MESSAGE_LIMIT
    errors = (discord.HTTPException,)

    def __init__(
        self, interaction: discord.Interaction, *, interval_s: float = 1.0, private: bool = False
    ) -> None:
        self.interaction = interaction
        self.interval_s = interval_s
        self.private = private

    async def post(self, text: str) -> discord.WebhookMessage:
        with logged_discord_errors(self.interaction.channel, "sending a follow-up"):
            return await self.interaction.followup.send(
                text, wait=True, ephemeral=self.private, allowed_mentions=NO_PINGS
            )

    async def edit(self, handle: discord.WebhookMessage, text: str, *, final: bool) -> None:
        with logged_discord_errors(self.interaction.channel, "editing a follow-up"):
            await handle.edit(content=text, allowed_mentions=NO_PINGS)

    async def delete(self, handle: discord.WebhookMessage) -> None:
        with logged_discord_errors(self.interaction.channel, "deleting a follow-up"):
            await handle.delete()


@contextlib.contextmanager
def logged_discord_errors(channel: object, doing: str) -> Iterator[None]:
    """Log a failed REST call with its guild and channel ids, then re-raise."""
    try:
        yield
    except discord.HTTPException as exc:
        guild = getattr(getattr(channel, "guild", None), "id", None)
        channel_id = getattr(channel, "id", None)
        log.warning(
            "Discord error %s (HTTP %s, code %s) in guild %s channel %s: %s",
            doing,
            exc.status,
            exc.code,
            guild,
            channel_id,
            exc.text,
        )
        raise
