"""The `/nova` slash command: ask, agents, why, bind, unbind, help."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackClientError

from novabot.adapters.slack.events import PLATFORM
from novabot.adapters.slack.format import to_mrkdwn
from novabot.adapters.slack.responder import SlackClients, SlackResponder
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/nova ask <question>` · `pipeline <task>` · `agents` · `why` · `bind <agent>` · "
    "`unbind` · `help`"
)
CORE_SUBCOMMANDS = {"agents", "why", "bind", "unbind", "usage", "help", "pipeline"}
SHOWN_TO_CHANNEL = {"bind", "unbind"}
"""Everyone in the channel should know when its messages start going to one agent."""


def register(app: AsyncApp, bot: Bot, clients: SlackClients) -> None:
    @app.command("/nova")
    async def on_nova(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # within Slack's 3 seconds; the work follows
        with bot.busy():
            await run_subcommand(bot, clients, command, respond)


async def run_subcommand(
    bot: Bot, clients: SlackClients, command: dict[str, Any], respond: AsyncRespond
) -> None:
    name, _, rest = (command.get("text") or "").strip().partition(" ")
    name, rest = name.lower(), rest.strip()
    if name == "ask":
        await ask(bot, clients, command, rest, respond)
    elif name in CORE_SUBCOMMANDS or not name:
        await run_core(bot, clients, command, name or "help", rest, respond)
    else:
        await tell(respond, f"Unknown subcommand `{name}`. {USAGE}")


async def run_core(
    bot: Bot,
    clients: SlackClients,
    command: dict[str, Any],
    name: str,
    args: str,
    respond: AsyncRespond,
) -> None:
    key = ConversationKey(PLATFORM, command["channel_id"], None)
    channel = SlackResponder(clients, command["channel_id"], None)
    reply = await bot.run_command(key, command["user_id"], name, args, channel)
    text = f"{USAGE}\n\n{reply.text}" if name == "help" else reply.text
    visibility = "in_channel" if reply.ok and name in SHOWN_TO_CHANNEL else "ephemeral"
    await tell(respond, text, visibility)


async def tell(respond: AsyncRespond, markdown: str, visibility: str = "ephemeral") -> None:
    """Answer through the command's response_url (works even where Nova is not a member)."""
    await respond(text=to_mrkdwn(markdown), response_type=visibility)


async def ask(
    bot: Bot, clients: SlackClients, command: dict[str, Any], question: str, respond: AsyncRespond
) -> None:
    """Post the question in the channel and answer it in that message's thread.

    A slash command's text is invisible to the channel; posting it first gives the
    answer a visible thread that later follow-ups continue.
    """
    if not question:
        await tell(respond, "Usage: `/nova ask <question>`")
        return
    channel, user = command["channel_id"], command["user_id"]
    try:
        posted = await SlackResponder(clients, channel, None).post(
            f"<@{user}> asked: {to_mrkdwn(question)}"
        )
    except SlackClientError:  # logged with its error code
        await tell(respond, "I can't post here. Invite me with `/invite @Nova` and try again.")
        return
    message = Message(ConversationKey(PLATFORM, channel, posted), question, user_id=user)
    await bot.handle(message, SlackResponder(clients, channel, posted))
