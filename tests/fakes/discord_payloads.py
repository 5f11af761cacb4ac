"""The payloads Discord sends, as tests build them: ids, users, members, channels, guilds,
MESSAGE_CREATE and interactions (slash commands and component clicks)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
DISCORD_EPOCH_MS = 1_420_070_400_000
# view channel, send messages (+ in threads), embed links, attach files, read history,
# add reactions, use application commands, create public threads
DEFAULT_PERMISSIONS = sum(1 << bit for bit in (10, 11, 38, 14, 15, 16, 6, 31, 35))
_counter = itertools.count(1)


def snowflake() -> int:
    """A fresh, increasing Discord id whose timestamp is now."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


# payload builders


def user_payload(user_id: int, name: str, *, bot: bool = False) -> JSON:
    user = {"id": str(user_id), "username": name, "discriminator": "0", "avatar": None}
    return user | {"global_name": None if bot else name, "bot": bot, "public_flags": 0, "flags": 0}


def member_payload(user: JSON, *, roles: Sequence[int] = (), nick: str | None = None) -> JSON:
    member = {"user": user, "roles": [str(r) for r in roles], "nick": nick, "joined_at": iso_now()}
    member |= dict.fromkeys(("avatar", "premium_since", "communication_disabled_until"))
    return member | {"deaf": False, "mute": False, "pending": False, "flags": 0}


def text_channel(channel_id: int, guild_id: int, name: str = "general") -> JSON:
    channel = {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": name}
    channel |= {"position": 0, "nsfw": False, "rate_limit_per_user": 0, "flags": 0}
    channel |= dict.fromkeys(("parent_id", "topic", "last_message_id"))
    return channel | {"permission_overwrites": []}


def dm_channel(channel_id: int, user: JSON) -> JSON:
    return {"id": str(channel_id), "type": 1, "recipients": [user], "last_message_id": None}


def guild_payload(
    guild_id: int,
    *,
    channels: list[JSON],
    name: str = "Test",
    members: Sequence[JSON] = (),
    owner_id: int = 1,
) -> JSON:
    """A full guild as in GUILD_CREATE; ``@everyone`` (id = guild id) gets DEFAULT_PERMISSIONS.
    FakeDiscord adds the bot's own member when it sends the guild."""
    everyone = {"id": str(guild_id), "name": "@everyone", "permissions": str(DEFAULT_PERMISSIONS)}
    everyone |= {"position": 0, "color": 0, "flags": 0, "icon": None, "unicode_emoji": None}
    everyone |= dict.fromkeys(("hoist", "managed", "mentionable"), False)
    guild = {"id": str(guild_id), "name": name, "owner_id": str(owner_id), "roles": [everyone]}
    guild |= {"channels": list(channels), "members": list(members), "member_count": len(members)}
    lists = ("emojis", "stickers", "features", "threads", "voice_states", "presences")
    guild |= {key: [] for key in (*lists, "stage_instances", "guild_scheduled_events")}
    levels = ("verification_level", "default_message_notifications", "explicit_content_filter")
    guild |= dict.fromkeys((*levels, "mfa_level", "nsfw_level", "premium_tier"), 0)
    guild |= dict.fromkeys(("icon", "system_channel_id", "description"))
    return guild | {"large": False, "preferred_locale": "en-US", "afk_timeout": 300}


def message_create(
    message_id: int,
    channel_id: int,
    author: JSON,
    content: str,
    *,
    guild_id: int | None = None,
    mentions: Sequence[JSON] = (),
) -> JSON:
    """A MESSAGE_CREATE ``d`` (in a guild it carries ``guild_id`` and a partial ``member``)."""
    message = {"id": str(message_id), "channel_id": str(channel_id), "author": author}
    message |= {"content": content, "timestamp": iso_now(), "edited_timestamp": None}
    message |= {"mentions": list(mentions), "type": 0, "flags": 0}
    message |= dict.fromkeys(("tts", "mention_everyone", "pinned"), False)
    message |= {key: [] for key in ("mention_roles", "attachments", "embeds", "components")}
    if guild_id is not None:
        member = member_payload(author)
        del member["user"]
        message |= {"guild_id": str(guild_id), "member": member}
    return message


def interaction_create(
    interaction_id: int,
    *,
    application_id: int,
    channel_id: int,
    guild_id: int | None,
    user: JSON,
    command: str,
    options: list[JSON],
    token: str = "itoken",
    type: int = 2,
) -> JSON:
    """An INTERACTION_CREATE ``d``: a slash command (type 2) or its autocomplete (type 4, mark
    the option being typed ``"focused": True``). ``/nova ask prompt:x`` is command "nova",
    options ``[{"type": 1, "name": "ask", "options": [{"type": 3, "name": "prompt",
    "value": "x"}]}]``. In a guild the invoker comes as ``member``, in a DM as ``user``."""
    data = {"id": str(snowflake()), "name": command, "type": 1, "options": list(options)}
    payload = {"id": str(interaction_id), "application_id": str(application_id), "type": type}
    payload |= {"data": data, "channel_id": str(channel_id), "token": token, "version": 1}
    payload |= {"locale": "en-US", "app_permissions": str(DEFAULT_PERMISSIONS), "entitlements": []}
    payload |= {"authorizing_integration_owners": {"0": str(guild_id or 0)}}
    payload |= {"context": 0 if guild_id is not None else 1, "attachment_size_limit": 10 << 20}
    if guild_id is not None:
        channel = text_channel(channel_id, guild_id) | {"permissions": str(DEFAULT_PERMISSIONS)}
        member = member_payload(user) | {"permissions": str(DEFAULT_PERMISSIONS)}
        payload |= {"guild_id": str(guild_id), "guild_locale": "en-US", "member": member}
        payload |= {"guild": {"id": str(guild_id), "locale": "en-US", "features": []}}
    else:
        channel = dm_channel(channel_id, user)
        payload["user"] = user
    payload["channel"] = channel
    return payload


def component_interaction(
    interaction_id: int,
    *,
    application_id: int,
    message: JSON,
    custom_id: str,
    guild_id: int | None,
    user: JSON,
    token: str = "itoken",
) -> JSON:
    """An INTERACTION_CREATE ``d`` for a click on a button (type 3, component type 2) of
    ``message`` (a message payload, as stored by the fake)."""
    payload = interaction_create(
        interaction_id,
        application_id=application_id,
        channel_id=int(message["channel_id"]),
        guild_id=guild_id,
        user=user,
        command="",
        options=[],
        token=token,
        type=3,
    )
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = message
    return payload


# the Gateway server
