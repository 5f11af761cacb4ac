"""Slack events Nova listens to: mentions, DMs, follow-ups in its threads, bound channels."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from novabot.adapters.slack.responder import SlackClients, SlackResponder
from novabot.adapters.text import clean_text
from novabot.core.bot import Bot
from novabot.core.links import slack_message_link as archive_link
from novabot.core.message import ConversationKey, Message

log = logging.getLogger(__name__)

PLATFORM = "slack"
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join"}
"""Edits, deletions and joins are not requests; bots (Nova included) never get answers."""


def register(app: AsyncApp, bot: Bot, clients: SlackClients) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if is_from_a_bot(event) or is_direct(event):
            return  # DMs come as `message` events too; answer them once, there
        thread = event.get("thread_ts") or event["ts"]
        await answer(bot, clients, event, context, thread)

    @app.event("message")
    async def on_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if is_from_a_bot(event) or event.get("subtype") in IGNORED_SUBTYPES:
            return
        if is_direct(event):
            thread = event.get("thread_ts")
            await answer(bot, clients, event, context, thread)
            return
        if mentions(event, context.bot_user_id):
            return  # the app_mention event carries this one
        thread = event.get("thread_ts") or event["ts"]
        key = ConversationKey(PLATFORM, event["channel"], thread)
        if await bot.follows(key):
            await answer(bot, clients, event, context, thread)


async def answer(
    bot: Bot,
    clients: SlackClients,
    event: dict[str, Any],
    context: AsyncBoltContext,
    thread: str | None,
) -> None:
    """Answer in `thread` (None: inline, as in a DM), which is also the conversation."""
    message = to_message(event, context.bot_user_id, thread)
    responder = SlackResponder(clients, event["channel"], thread)
    await bot.handle(message, responder)


def to_message(event: dict[str, Any], bot_user_id: str | None, thread: str | None) -> Message:
    channel = event["channel"]
    return Message(
        key=ConversationKey(PLATFORM, channel, thread),
        text=unescape(strip_mention(clean_text(event.get("text") or ""), bot_user_id)),
        user_id=event.get("user", ""),
        addressed=True,
        # The message itself, not the delivery: a retried event and the app_mention /
        # message pair Slack sends for one message all share it, so it is answered once.
        event_id=f"{channel}:{event['ts']}",
        link=archive_link(channel, str(event["ts"]), thread),
    )


def strip_mention(text: str, bot_user_id: str | None) -> str:
    if not bot_user_id:
        return text.strip()
    return re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>\s*[:,]?", "", text).strip()


_ESCAPED = re.compile(r"&(amp|lt|gt);")
_ESCAPES = {"amp": "&", "lt": "<", "gt": ">"}


def unescape(text: str) -> str:
    """Slack sends the &, < and > a user typed as &amp;, &lt; and &gt; (its own links and
    mentions use the bare brackets): the text as typed, in one pass so "&amp;lt;" stays
    the "&lt;" it was."""
    return _ESCAPED.sub(lambda entity: _ESCAPES[entity.group(1)], text)


def mentions(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in (event.get("text") or "")


def is_direct(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


BOT_MARKS = ("bot_id", "bot_profile", "app_id")
"""Any of these marks a message an app posted: some apps' messages carry only one of them."""


def is_from_a_bot(event: dict[str, Any]) -> bool:
    return any(event.get(mark) for mark in BOT_MARKS) or event.get("subtype") == "bot_message"
