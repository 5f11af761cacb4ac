"""Where Nova's Discord answers appear: channel messages and interaction follow-ups.

Every send and edit uses `AllowedMentions.none()`: whatever the model writes
(@everyone, @here, roles, users), nobody is pinged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import discord

from novabot.adapters.surface import Surface, SurfaceResponder
from novabot.core.message import ConversationKey
from novabot.core.responder import Choice, Responder

log = logging.getLogger(__name__)

PLATFORM = "discord"
MESSAGE_LIMIT = 2000
THREAD_NAME_LIMIT = 100
NO_PINGS = discord.AllowedMentions.none()
CHOICE_PREFIX = "nova:"
"""Starts the custom_id of Nova's buttons; the rest is the command a click runs."""
CUSTOM_ID_LIMIT = 100


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

    async def post(self, text: str, *, tag: str | None = None) -> discord.Message:
        reference, self.reply_to = self.reply_to, None  # only the first message is a reply
        # With a nonce discord.py also sends `enforce_nonce`: Discord drops a repeat of it.
        options: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if tag is not None:
            options["nonce"] = tag
        if reference is not None:
            options["reference"] = reference
        with logged_discord_errors(self.channel, "sending a message"):
            return await self.channel.send(text, **options)

    def handle_id(self, handle: discord.Message | discord.PartialMessage) -> str:
        return str(handle.id)

    def handle_for(self, message_id: str) -> discord.PartialMessage:
        # `Messageable` does not declare it, but every channel Nova answers in has it.
        return self.channel.get_partial_message(int(message_id))  # type: ignore[attr-defined]

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

    async def post(self, text: str, *, tag: str | None = None) -> discord.WebhookMessage:
        # Follow-ups take no nonce; an interaction is answered within minutes or never.
        with logged_discord_errors(self.interaction.channel, "sending a follow-up"):
            return await self.interaction.followup.send(
                text, wait=True, ephemeral=self.private, allowed_mentions=NO_PINGS
            )

    def handle_id(self, handle: discord.WebhookMessage | str) -> str:
        return handle if isinstance(handle, str) else str(handle.id)

    async def edit(self, handle: discord.WebhookMessage | str, text: str, *, final: bool) -> None:
        with logged_discord_errors(self.interaction.channel, "editing a follow-up"):
            if isinstance(handle, str):  # a stored id: edit through the interaction's webhook
                await self.interaction.followup.edit_message(
                    int(handle), content=text, allowed_mentions=NO_PINGS
                )
            else:
                await handle.edit(content=text, allowed_mentions=NO_PINGS)

    async def delete(self, handle: discord.WebhookMessage | str) -> None:
        with logged_discord_errors(self.interaction.channel, "deleting a follow-up"):
            if isinstance(handle, str):
                await self.interaction.followup.delete_message(int(handle))
            else:
                await handle.delete()


class DiscordResponder(SurfaceResponder):
    """Answers in a Discord channel, thread or DM; `thread()` opens a public thread."""

    surface: ChannelSurface

    def __init__(
        self, channel: Any, *, reply_to: discord.Message | None = None, interval_s: float = 1.0
    ) -> None:
        surface = ChannelSurface(channel, reply_to=reply_to, interval_s=interval_s)
        super().__init__(surface, conversation_key(channel))

    async def whisper(self, user_id: str, text: str) -> None:
        """A DM to the user; in a DM already, an answer in place."""
        channel = self.surface.channel
        if isinstance(channel, discord.DMChannel):
            await self.say(text)
            return
        # The responder holds only the channel; its connection state leads to the client,
        # as discord.py's own objects reach it.
        client = channel._state._get_client()
        with logged_discord_errors(channel, "opening a DM"):
            dm = await client.create_dm(discord.Object(int(user_id)))
        await ChannelSurface(dm, interval_s=self.surface.interval_s).say(text)

    async def offer(self, text: str, choices: Sequence[Choice]) -> None:
        """The text with one button per choice; `components.on_choice` takes the clicks."""
        channel = self.surface.channel
        with logged_discord_errors(channel, "sending buttons"):
            await channel.send(
                self.surface.render(text)[:MESSAGE_LIMIT],
                view=choices_view(choices),
                allowed_mentions=NO_PINGS,
            )

    async def thread(self, title: str) -> Responder:
        channel = self.surface.channel
        if not isinstance(channel, discord.TextChannel):
            return self  # already in a thread, or a DM: answer in place
        with logged_discord_errors(channel, "opening a thread"):
            thread = await channel.create_thread(
                name=title[:THREAD_NAME_LIMIT], type=discord.ChannelType.public_thread
            )
        return DiscordResponder(thread, interval_s=self.surface.interval_s)


def choices_view(choices: Sequence[Choice]) -> discord.ui.View:
    """Buttons without callbacks: `components.on_choice` answers their clicks, whether
    or not this process posted them."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        custom_id = f"{CHOICE_PREFIX}{choice.line}"
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError(f"the command of button '{choice.label}' is too long for Discord")
        view.add_item(discord.ui.Button(label=choice.label, custom_id=custom_id))
    return view


def conversation_key(channel: Any) -> ConversationKey:
    """A thread is a conversation inside its parent channel; anything else is its own."""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return ConversationKey(PLATFORM, str(channel.parent_id), str(channel.id))
    return ConversationKey(PLATFORM, str(channel.id))


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
