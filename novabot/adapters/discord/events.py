"""Discord messages Nova answers: mentions, DMs, and unaddressed messages in its threads
or in channels bound to an agent. Bots, Nova included, are never answered."""

from __future__ import annotations

import re

import discord

from novabot.adapters.discord.surfaces import DiscordResponder, conversation_key
from novabot.adapters.text import clean_text
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message


async def on_message(
    client: discord.Client, bot: Bot, message: discord.Message, interval_s: float
) -> None:
    me = client.user
    if me is None or message.author.bot or message.author.id == me.id:
        return
    key = conversation_key(message.channel)
    direct = isinstance(message.channel, discord.DMChannel)
    mentioned = any(user.id == me.id for user in message.mentions)
    if not (direct or mentioned or await bot.follows(key)):
        return
    responder = DiscordResponder(message.channel, reply_to=message, interval_s=interval_s)
    await bot.handle(to_message(message, key, me.id), responder)


def to_message(message: discord.Message, key: ConversationKey, bot_user_id: int) -> Message:
    return Message(
        key=key,
        text=strip_mention(clean_text(message.content), bot_user_id),
        user_id=str(message.author.id),
        user_name=clean_text(message.author.display_name),
        # The gateway may replay a MESSAGE_CREATE after a RESUME; its id answers it once.
        event_id=f"message:{message.id}",
        link=message.jump_url,
    )


def strip_mention(text: str, bot_user_id: int) -> str:
    return re.sub(rf"<@!?{bot_user_id}>\s*[:,]?", "", text).strip()
