"""What Discord's Gateway sends to the bot, for ``FakeDiscord`` (``tests.fakes.discord_server``).

The Gateway half (a WebSocket at ``/gateway``) plus builders for the payloads tests dispatch
(guilds, channels, users, MESSAGE_CREATE, INTERACTION_CREATE); the REST API lives in
``discord_server``.

How discord.py 2.7 talks to it:
- a plain ``Client`` connects straight to ``DiscordWebSocket.DEFAULT_GATEWAY`` with
  ``?v=10&encoding=json&compress=zlib-stream`` (``zstd-stream`` when ``zstandard`` is installed);
  it also accepts uncompressed TEXT frames. We honour ``zlib-stream`` like Discord does (one
  zlib stream per connection, each frame ending with the Z_SYNC_FLUSH suffix ``00 00 ff ff``)
  and send plain TEXT frames for anything else.
- HELLO -> the client heartbeats at once, then IDENTIFY (op 2); READY must carry ``user``,
  ``guilds``, ``session_id``, ``resume_gateway_url`` and ``application {id, flags}``.
- ``on_ready`` fires ``guild_ready_timeout`` seconds (default 2.0, a ``Client`` option) after
  the last GUILD_CREATE, even with ``guilds: []``: tests pass a small value.
- RECONNECT (op 7): the client closes with 4000 and RESUMEs (op 6 with session_id and seq) at
  ``resume_gateway_url`` from READY; we answer RESUMED and keep counting ``s``.
- every IDENTIFY but the first waits 5 s in ``Client.before_identify_hook``: tests that make
  the client re-IDENTIFY (``invalidate_session``) override that hook.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.slack_socket import Changes

JSON = dict[str, Any]
DISCORD_EPOCH_MS = 1_420_070_400_000
# view channel, send messages (+ in threads), embed links, attach files, read history,
# add reactions, use application commands, create public threads
DEFAULT_PERMISSIONS = sum(1 << bit for bit in (10, 11, 38, 14, 15, 16, 6, 31, 35))
_CLOSE_WAIT_S = 0.5
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


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None

    async def send(self, frame: JSON) -> None:
        text = json.dumps(frame)
        if self.zlib is None:
            await self.ws.send_str(text)
        else:
            data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)


class GatewayServer:
    """Mixin: the Gateway WebSocket at /gateway and the guilds, channels and users it knows.
    The host sets ``bot_user`` and ``application_id`` first and provides ``port``."""

    bot_user: JSON
    application_id: int
    gateway_path = "/gateway"

    def _init_gateway(self, heartbeat_interval_ms: int) -> None:
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.guilds: dict[int, JSON] = {}  # sent as GUILD_CREATE after each READY
        self.channels: dict[int, JSON] = {}  # by id: guild channels and DMs
        self.users: dict[int, JSON] = {int(self.bot_user["id"]): self.bot_user}
        self.gateway_queries: list[dict[str, str]] = []  # query of each connection (v, compress)
        self.gateway_frames: list[JSON] = []  # every frame the client sent, oldest first
        self.handshakes: list[JSON] = []  # the d of every IDENTIFY and RESUME
        self.dispatched: list[JSON] = []  # every op 0 frame sent (READY and RESUMED included)
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.session_id: str | None = None
        self._seq = 0
        self._connections: list[_Connection] = []
        self._live: _Connection | None = None  # sent READY/RESUMED and not told to reconnect
        self._changes = Changes()

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.gateway_path}"  # type: ignore[attr-defined]

    def _add_gateway_route(self, app: web.Application) -> None:
        app.router.add_get(self.gateway_path, self._gateway)
        app.on_shutdown.append(self._close_gateway)  # after the site stops listening

    def add_guild(self, guild: JSON) -> None:
        """Register a guild (``guild_payload``): listed in READY and sent as GUILD_CREATE after
        every IDENTIFY. Once connected, ``dispatch("GUILD_CREATE", ...)`` it instead."""
        self.guilds[int(guild["id"])] = guild
        for channel in guild.get("channels", []):
            self.add_channel({"guild_id": guild["id"], **channel})
        for member in guild.get("members", []):
            self.add_user(member["user"])

    def add_channel(self, channel: JSON) -> None:
        """Register a channel for GET /channels/{id} (``text_channel`` or ``dm_channel``)."""
        self.channels[int(channel["id"])] = channel
        for user in channel.get("recipients", []):
            self.add_user(user)

    def add_user(self, user: JSON) -> None:
        """Register a user for GET /users/{id} and DMs (dispatch() adds authors itself)."""
        self.users[int(user["id"])] = user

    def _guild_create(self, guild: JSON) -> JSON:
        """The guild with the bot's own member (``guild.me``), as GUILD_CREATE sends it."""
        members = list(guild.get("members", []))
        if not any(member["user"]["id"] == self.bot_user["id"] for member in members):
            members.append(member_payload(self.bot_user))
        return guild | {"members": members, "member_count": len(members), "unavailable": False}

    def _note_dispatch(self, event: str, data: JSON) -> None:
        """The host records what a dispatch tells it (messages, interaction tokens)."""

    def _learn(self, event: str, data: JSON) -> None:
        """Register the guild, channel and users a dispatch mentions."""
        if event == "GUILD_CREATE":
            self.add_guild(data)
            data.update(self._guild_create(data))  # with the bot's own member
        elif event in ("MESSAGE_CREATE", "INTERACTION_CREATE"):
            self.add_user(data.get("author") or data.get("user") or data["member"]["user"])
            if int(data["channel_id"]) not in self.channels and "channel" in data:
                self.add_channel(data["channel"])

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=_CLOSE_WAIT_S, autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = _Connection(ws, request.query.get("compress"))
        self.gateway_queries.append(dict(request.query))
        self._connections.append(conn)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
            await conn.send({"op": 10, "d": hello, "s": None, "t": None})
            self._changes.fire()
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
        finally:
            self._connections.remove(conn)
            if self._live is conn:
                self._live = None
            self._changes.fire()
        return ws

    async def _on_frame(self, conn: _Connection, frame: JSON) -> None:
        self.gateway_frames.append(frame)
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            self.identifies += 1
            self.handshakes.append(d)
            await self._ready(conn, d)
        elif op == 6:
            self.resumes += 1
            self.handshakes.append(d)
            if self.session_id is None or (d or {}).get("session_id") != self.session_id:
                await conn.send({"op": 9, "d": False, "s": None, "t": None})  # not resumable
            else:
                await self._send_dispatch(conn, "RESUMED", {"_trace": ["fake-gateway"]})
                self._live = conn
        self._changes.fire()

    async def _ready(self, conn: _Connection, identify: JSON) -> None:
        self.session_id, self._seq = uuid.uuid4().hex, 0
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
            "session_id": self.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": identify.get("shard", [0, 1]),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-gateway"],
        }
        await self._send_dispatch(conn, "READY", ready)
        for guild in self.guilds.values():
            await self._send_dispatch(conn, "GUILD_CREATE", self._guild_create(guild))
        self._live = conn

    async def _send_dispatch(self, conn: _Connection, event: str, data: JSON) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self.dispatched.append(frame)
        await conn.send(frame)

    async def _close_gateway(self, _app: web.Application | None = None) -> None:
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT_S * 2):
                    await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")

    async def _live_connection(self, timeout: float = 5.0) -> _Connection:  # noqa: ASYNC109
        if not await self._changes.until(lambda: self._live is not None, timeout):
            raise AssertionError(
                f"no Gateway session ready within {timeout}s ({len(self._connections)} socket(s), "
                f"{self.identifies} IDENTIFY, {self.resumes} RESUME so far)"
            )
        assert self._live is not None
        return self._live

    # test API

    async def wait_for_identify(self, timeout: float = 5.0, *, count: int = 1) -> JSON:  # noqa: ASYNC109
        """The ``d`` of the count-th IDENTIFY or RESUME (see ``identifies``/``resumes``)."""
        if not await self._changes.until(lambda: len(self.handshakes) >= count, timeout):
            raise AssertionError(
                f"expected {count} IDENTIFY/RESUME within {timeout}s, got {len(self.handshakes)}; "
                f"client ops seen: {[f.get('op') for f in self.gateway_frames]}"
            )
        return self.handshakes[count - 1]

    async def wait_until_ready_sent(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the current connection was sent READY (or RESUMED after a RESUME)."""
        await self._live_connection(timeout)

    async def wait_for_heartbeats(self, count: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the client sent ``count`` heartbeats (op 1) in all, each ACKed."""
        if not await self._changes.until(lambda: self.heartbeats >= count, timeout):
            raise AssertionError(f"{self.heartbeats} of {count} heartbeat(s) within {timeout}s")

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send ``{"op": 0, "t": event, "s": next_seq, "d": data}`` to the live session
        (waiting up to 5 s for one, e.g. while the client resumes)."""
        conn = await self._live_connection()
        self._learn(event, data)
        self._note_dispatch(event, data)
        await self._send_dispatch(conn, event, data)
        self._changes.fire()

    async def request_reconnect(self) -> None:
        """Op 7 RECONNECT: the client closes and RESUMEs on a new socket (``resumes`` += 1)."""
        conn = await self._live_connection()
        self._live = None
        await conn.send({"op": 7, "d": None, "s": None, "t": None})
        self._changes.fire()

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Op 9 INVALID_SESSION: with resumable False the client IDENTIFYs afresh, after the
        5 s sleep of ``Client.before_identify_hook`` (override it in tests)."""
        conn = await self._live_connection()
        self._live = None
        if not resumable:
            self.session_id = None
        await conn.send({"op": 9, "d": resumable, "s": None, "t": None})
        self._changes.fire()
