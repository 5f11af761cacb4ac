"""Clicks on Nova's buttons (Block Kit `block_actions`): each button's value is a `/nova`
command, run as the user who clicked.

Nothing about a pending choice is kept in memory: the command itself checks the state in
the store (a proposed item is confirmed once), so a click after a restart works and a
second click is told, privately, that it was already done.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackClientError

from novabot.adapters.slack.events import PLATFORM
from novabot.adapters.slack.format import to_mrkdwn
from novabot.adapters.slack.responder import CHOICE_ACTION, SlackClients, logged_slack_errors
from novabot.commands.surface import split_command
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey

log = logging.getLogger(__name__)

CHOICE = re.compile(rf"^{CHOICE_ACTION}_\d+$")


def register(app: AsyncApp, bot: Bot, clients: SlackClients) -> None:
    @app.action(CHOICE)
    async def on_choice(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()  # within Slack's 3 seconds; the command follows
        # A Slack failure is logged with its error code by the client call.
        with bot.busy(), contextlib.suppress(SlackClientError):
            await run_choice(bot, clients, body, action)


async def run_choice(
    bot: Bot, clients: SlackClients, body: dict[str, Any], action: dict[str, Any]
) -> None:
    channel = str((body.get("channel") or {}).get("id", ""))
    user = str((body.get("user") or {}).get("id", ""))
    message = body.get("message") or {}
    thread = message.get("thread_ts")
    name, args = split_command(str(action.get("value", "")))
    key = ConversationKey(PLATFORM, channel, thread)
    reply = await bot.run_command(key, user, name, args)
    if not reply.ok:  # refused, or already done: for the clicker alone
        with logged_slack_errors(channel, "chat.postEphemeral"):
            await clients.main.chat_postEphemeral(
                channel=channel, user=user, text=to_mrkdwn(reply.text), thread_ts=thread
            )
        return
    # The buttons go: the message now says what was done and by whom.
    said = (message.get("blocks") or [{}])[0].get("text", {}).get("text") or ""
    done = f"{said}\n✅ {to_mrkdwn(reply.text)} (<@{user}>)".strip()
    with logged_slack_errors(channel, "chat.update"):
        await clients.main.chat_update(
            channel=channel,
            ts=str(message.get("ts", "")),
            text=done,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": done}}],
        )
