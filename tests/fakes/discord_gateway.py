"""What Discord's Gateway sends to the bot, for ``FakeDiscord`` (``tests.fakes.discord_server``).

The Gateway half (a WebSocket at ``/gateway``); the payloads tests dispatch are built in
``discord_payloads`` (re-exported here), and the REST API lives in ``discord_server``.

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
import json
import uuid
import zlib

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.discord_payloads import (
    DEFAULT_PERMISSIONS,
    DISCORD_EPOCH_MS,
    JSON,
    component_interaction,
    dm_channel,
    guild_payload,
    interaction_create,
    iso_now,
    member_payload,
    message_create,
    snowflake,
    text_channel,
    user_payload,
)
from tests.fakes.slack_socket import Changes

_CLOSE_WAIT_S = 0.5

__all__ = [
    "DEFAULT_PERMISSIONS",
    "DISCORD_EPOCH_MS",
    "JSON",
    "GatewayServer",
    "component_interaction",
    "dm_channel",
    "guild_payload",
    "interaction_create",
    "iso_now",
    "member_payload",
    "message_create",
    "snowflake",
    "text_channel",
    "user_payload",
]


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
