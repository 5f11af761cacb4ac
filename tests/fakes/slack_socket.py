"""What Slack sends to the app, for ``FakeSlack`` (``tests.fakes.slack_server``) and tests.

Socket Mode (the server half) plus builders for Events API bodies, slash-command bodies and
signed HTTP headers; the Web API that the app calls lives in ``slack_server``.

slack_sdk's aiohttp ``SocketModeClient`` asks ``apps.connections.open`` for a URL, connects with
``autoping=False`` and pings at once (``sdk-ping-pong:{time}``); aiohttp's server ``autoping``
answers those. It does not wait for ``hello``, so ``wait_for_socket`` waits for our own ``hello``
to be sent. When it receives a CLOSE frame it reconnects (a new ``apps.connections.open``), so
``stop()`` closes sockets only after the listening site is gone (aiohttp's ``on_shutdown``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

JSON = dict[str, Any]
_CLOSE_WAIT_S = 0.5  # how long stop() waits for a client's CLOSE reply per socket


class Changes:
    """Wakes waiters whenever the fake records something, so waiting needs no polling."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def until(self, done: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not done():
                    await self._event.wait()
        return done()


class SocketModeServer:
    """Mixin: a Socket Mode WebSocket endpoint; `app_id` and `socket_path` set by the host."""

    app_id: str = "A1"
    socket_path: str = "/socket"

    def _init_socket_mode(self) -> None:
        self.sockets: list[web.WebSocketResponse] = []  # connections sent hello, oldest first
        self.socket_connections = 0  # connections accepted so far (reconnects count)
        self.socket_frames: list[dict[str, Any]] = []  # every JSON text frame from clients
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> the client's ack
        self._changes = Changes()  # fired on every connection change, frame, call, response

    def _add_socket_route(self, app: web.Application) -> None:
        app.router.add_get(self.socket_path, self._socket)
        app.on_shutdown.append(self._close_sockets)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=_CLOSE_WAIT_S, autoping=True)
        await ws.prepare(request)
        self.socket_connections += 1
        try:
            await ws.send_json(
                {
                    "type": "hello",
                    "num_connections": len(self.sockets) + 1,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
            self.sockets.append(ws)
            self._changes.fire()
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._record_frame(msg.data)
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
            self._changes.fire()
        return ws

    def _record_frame(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            frame = {"_raw": data}
        if not isinstance(frame, dict):
            frame = {"_raw": data}
        self.socket_frames.append(frame)
        envelope_id = frame.get("envelope_id")
        if isinstance(envelope_id, str):
            self.acks[envelope_id] = frame
        self._changes.fire()

    async def _close_sockets(self, _app: web.Application | None = None) -> None:
        for ws in list(self.sockets):
            # A vanished client leaves close() waiting for a reply: bound it.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT_S * 2):
                    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")

    # test API

    async def wait_for_socket(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a client is connected and has been sent `hello`."""
        if not await self._changes.until(lambda: bool(self.sockets), timeout):
            raise AssertionError(
                f"no Socket Mode client connected within {timeout}s "
                f"({self.socket_connections} connection(s) so far)"
            )

    async def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Send an envelope to the newest connection (waiting up to 5 s for one); its id."""
        envelope_id = str(uuid.uuid4())
        await self.send_frame(
            {
                "envelope_id": envelope_id,
                "type": type,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                "retry_attempt": retry_attempt,
                "retry_reason": retry_reason,
            }
        )
        return envelope_id

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours (it opens a new socket)."""
        await self.send_frame({"type": "disconnect", "reason": reason, "debug_info": {}})

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.wait_for_socket()
        await self.sockets[-1].send_json(frame)

    async def wait_for_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The client's ack for an envelope: {"envelope_id": ..., optional "payload": ...}."""
        if not await self._changes.until(lambda: envelope_id in self.acks, timeout):
            raise AssertionError(
                f"no ack for envelope {envelope_id} within {timeout}s; "
                f"acked: {list(self.acks)}, connected sockets: {len(self.sockets)}"
            )
        return self.acks[envelope_id]


# helpers for tests that play Slack calling Nova (Events API over HTTP, slash commands)


def signed_headers(
    body: bytes | str, secret: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """Headers Slack sends with a request: timestamp, v0 HMAC-SHA256 signature, content type."""
    text = body.decode() if isinstance(body, bytes) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{text}".encode(), hashlib.sha256).hexdigest()
    kind = (
        "application/json" if text.lstrip().startswith("{") else "application/x-www-form-urlencoded"
    )
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": kind,
    }


def event_body(
    event: JSON,
    *,
    event_id: str = "Ev1",
    team_id: str = "T1",
    api_app_id: str = "A1",
    bot_user_id: str = "UBOT",
) -> JSON:
    """A full Events API `event_callback` envelope around `event` (json.dumps it to send)."""
    return {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{event_id}",
    }


def slash_body(
    text: str,
    *,
    command: str = "/nova",
    channel_id: str = "C1",
    user_id: str = "U1",
    response_url: str = "https://hooks.slack.com/commands/T1/1/fake",
    trigger_id: str = "t1",
    team_id: str = "T1",
    api_app_id: str = "A1",
) -> str:
    """A slash-command request body, urlencoded as Slack sends it (pass fake.response_url())."""
    fields = {
        "token": "verification-token",
        "team_id": team_id,
        "team_domain": "test",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "general",
        "user_id": user_id,
        "user_name": f"user-{user_id.lower()}",
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urllib.parse.urlencode(fields)


def action_body(
    message: JSON,
    action_id: str,
    value: str,
    *,
    channel_id: str = "C1",
    user_id: str = "U1",
    response_url: str = "https://hooks.slack.com/actions/T1/1/fake",
    team_id: str = "T1",
    api_app_id: str = "A1",
) -> str:
    """A `block_actions` request body (a button clicked on `message`), urlencoded as Slack
    sends it: one `payload` field holding the JSON."""
    payload = {
        "type": "block_actions",
        "token": "verification-token",
        "api_app_id": api_app_id,
        "team": {"id": team_id, "domain": "test"},
        "user": {"id": user_id, "username": f"user-{user_id.lower()}", "team_id": team_id},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "channel": {"id": channel_id, "name": "general"},
        "message": message,
        "trigger_id": f"t{uuid.uuid4().hex[:8]}",
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
