"""The `/nova` slash command: `ask`, plus every command in the registry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError

from novabot.adapters.refusal import WatchedChannel
from novabot.adapters.slack.events import PLATFORM
from novabot.adapters.slack.format import to_mrkdwn
from novabot.adapters.slack.responder import SlackClients, SlackResponder
from novabot.adapters.text import clean_text
from novabot.commands.command import Command
from novabot.commands.surface import offered_commands, shown_to_channel, split_command, syntax
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message

log = logging.getLogger(__name__)

ASK_USAGE = "Usage: `/nova ask <question>`"
CANNOT_POST = "I can't post here. Invite me with `/invite @Nova` and try again."
CANNOT_POST_CODES = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
"""Slack's answers to a post in a channel Nova may not post in (any other error passes)."""
ADAPTER_COMMANDS = {"ask"}
"""Answered here, not by the core: a question is a message to route, not a command."""


def usage_line(commands: dict[str, Command]) -> str:
    """`Usage: /nova ask <question> · agents · bind <agent> · …`, from the registry."""
    return " · ".join([ASK_USAGE, *(f"`{syntax(command)}`" for command in commands.values())])


def register(app: AsyncApp, bot: Bot, clients: SlackClients) -> None:
    """Register `/nova` with the commands the registry holds now (after cogs have loaded)."""
    commands = offered_commands(bot.commands, ADAPTER_COMMANDS)
    nova = NovaCommand(bot, clients, commands, usage_line(commands))

    @app.command("/nova")
    async def on_nova(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # within Slack's 3 seconds; the work follows
        with bot.busy():
            await nova.run(command, respond)


@dataclass(frozen=True)
class NovaCommand:
    bot: Bot
    clients: SlackClients
    commands: dict[str, Command]
    usage: str

    async def run(self, command: dict[str, Any], respond: AsyncRespond) -> None:
        name, rest = split_command(clean_text(command.get("text") or ""))
        if name == "ask":
            await ask(self.bot, self.clients, command, rest, respond)
        elif name in self.commands or not name:
            await self.run_core(command, name or "help", rest, respond)
        else:
            await tell(respond, f"Unknown subcommand `{name}`. {self.usage}")

    async def run_core(
        self, command: dict[str, Any], name: str, args: str, respond: AsyncRespond
    ) -> None:
        key = ConversationKey(PLATFORM, command["channel_id"], None)
        channel = WatchedChannel(
            SlackResponder(self.clients, command["channel_id"], None),
            cannot_post,
            lambda: tell(respond, CANNOT_POST),
        )
        try:
            reply = await self.bot.run_command(key, command["user_id"], name, args, channel)
        except SlackClientError as exc:  # logged with its error code
            if not channel.told:
                await tell(respond, refusal_line(exc))
            return
        text = f"{self.usage}\n\n{reply.text}" if name == "help" else reply.text
        public = shown_to_channel(self.commands.get(name), reply)
        await tell(respond, text, "in_channel" if public else "ephemeral")


async def tell(respond: AsyncRespond, markdown: str, visibility: str = "ephemeral") -> None:
    """Answer through the command's response_url (works even where Nova is not a member)."""
    await respond(text=to_mrkdwn(markdown), response_type=visibility)


def cannot_post(exc: BaseException) -> bool:
    return isinstance(exc, SlackApiError) and exc.response.get("error") in CANNOT_POST_CODES


def refusal_line(exc: SlackClientError) -> str:
    """What the user hears when Slack did not take a post the command needed."""
    if cannot_post(exc):
        return CANNOT_POST
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        return f"Slack refused my message ({code}); try again in a moment."
    return "I could not reach Slack to post here; try again in a moment."


async def ask(
    bot: Bot, clients: SlackClients, command: dict[str, Any], question: str, respond: AsyncRespond
) -> None:
    """Post the question in the channel and answer it in that message's thread.

    A slash command's text is invisible to the channel; posting it first gives the
    answer a visible thread that later follow-ups continue.
    """
    if not question:
        await tell(respond, ASK_USAGE)
        return
    channel, user = command["channel_id"], command["user_id"]
    refusal = bot.access.refusal(ConversationKey(PLATFORM, channel, None), user)
    if refusal is not None:  # before the question is posted for the channel to see
        await tell(respond, refusal)
        return
    try:
        posted = await SlackResponder(clients, channel, None).post(
            f"<@{user}> asked: {to_mrkdwn(question)}"
        )
    except SlackClientError as exc:  # logged with its error code
        await tell(respond, refusal_line(exc))
        return
    message = Message(ConversationKey(PLATFORM, channel, posted), question, user_id=user)
    await bot.handle(message, SlackResponder(clients, channel, posted))
