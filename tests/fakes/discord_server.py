"""A fake Discord (REST API + Gateway) for tests, on 127.0.0.1, for the real discord.py client:

    async with FakeDiscord() as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                            yarl.URL(fake.gateway_url))
        fake.add_guild(guild_payload(10, channels=[text_channel(20, 10)]))
        client = discord.Client(intents=..., guild_ready_timeout=0.05)
        await client.login(fake.token)
        task = asyncio.create_task(client.connect())

REST calls are recorded in ``requests``; ``messages`` holds each channel's messages as they
stand (the bot's, created over REST, and those dispatched with MESSAGE_CREATE); ``fail_next``
scripts errors. The Gateway and the payload builders live in ``discord_gateway``; interaction
callbacks, follow-ups and command sync in ``discord_interactions``.

discord.py 2.7's REST quirks: it parses JSON only under a Content-Type of exactly
``application/json``; it retries a 429 after the body's ``retry_after`` only if the answer has
a ``Via`` header (else HTTPException); it retries 500/502/504/524 up to 5 times sleeping 1, 3,
5, 7 s (webhooks: any 5xx), so use 503 or a 4xx to see an error at once.
"""

from __future__ import annotations

import http
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import (
    JSON,
    GatewayServer,
    dm_channel,
    iso_now,
    message_create,
    snowflake,
    user_payload,
)
from tests.fakes.discord_interactions import (
    _LOADING,
    _WEBHOOK_MESSAGE,
    InteractionsMixin,
    _invalid,
)
from tests.fakes.discord_wire import Answer, found, json_response, read_body, unknown
from tests.fakes.loopback import LoopbackServer

__all__ = ["FakeDiscord", "RestCall"]

API_PREFIX = "/api/v10"


NONCE_WINDOW_S = 300.0
"""How long Discord remembers an enforced nonce ("a few minutes")."""


@dataclass(frozen=True)
class RestCall:
    method: str
    path: str  # after /api/v10, e.g. "/channels/20/messages"
    json: Any  # the parsed body (multipart: its "payload_json"), None without a body
    headers: dict[str, str]  # header names lower-cased
    at: float  # time.monotonic()
    query: dict[str, str] = field(default_factory=dict)
    files: tuple[tuple[str, bytes], ...] = ()  # (filename, content) of multipart files


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: JSON
    left: int


_Handler = Callable[[RestCall, re.Match[str]], Answer]


class FakeDiscord(InteractionsMixin, GatewayServer, LoopbackServer):
    """Fake discord.com: REST under ``api_url``, the Gateway at ``gateway_url``."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        application_id: int = 1000,
        bot_user_id: int = 1000,
        bot_name: str = "Nova",
        heartbeat_interval_ms: int = 41250,
    ) -> None:
        self.token, self.application_id, self.bot_name = token, application_id, bot_name
        self.bot_user = user_payload(bot_user_id, bot_name, bot=True)
        self.requests: list[RestCall] = []
        self.messages: defaultdict[int, list[JSON]] = defaultdict(list)
        self._failures: list[_Failure] = []
        self._nonces: dict[tuple[int, str], tuple[JSON, float]] = {}
        super().__init__()
        self._init_gateway(heartbeat_interval_ms)
        self._init_interactions()
        msgs, one = r"/channels/(?P<channel>\d+)/messages", r"/channels/\d+/messages/(?P<id>\d+)"
        no_content: _Handler = lambda c, m: (204, None)  # noqa: E731
        routes: list[tuple[str, str, _Handler]] = [
            ("GET", r"/users/@me", lambda c, m: (200, self.bot_user)),
            ("GET", r"/users/(?P<id>\d+)", lambda c, m: found(self.users, m, "User", 10013)),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("GET", r"/oauth2/applications/@me", self._app_info),
            ("GET", r"/gateway", lambda c, m: (200, {"url": self.gateway_url})),
            ("GET", r"/gateway/bot", self._gateway_bot),
            (
                "GET",
                r"/channels/(?P<id>\d+)",
                lambda c, m: found(self.channels, m, "Channel", 10003),
            ),
            ("POST", r"/channels/\d+/typing", no_content),
            ("POST", r"/channels/(?P<channel>\d+)/threads", self._create_thread),
            ("GET", msgs, self._history),
            ("POST", msgs, self._create_message),
            ("PUT", one + r"/reactions/[^/]+/@me", no_content),
            ("DELETE", one + r"/reactions/[^/]+/@me", no_content),
            *self._interaction_routes(),
        ]
        for path in (one, _WEBHOOK_MESSAGE):
            routes += [("GET", path, self._get), ("PATCH", path, self._edit_message)]
            routes += [("DELETE", path, self._delete)]
        self._routes = [(verb, re.compile(p), handler) for verb, p, handler in routes]

    # lifecycle

    def add_routes(self, app: web.Application) -> None:
        self._add_gateway_route(app)
        app.router.add_route("*", "/{tail:.*}", self._rest)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    # test API

    def bot_messages(self, channel_id: int) -> list[JSON]:
        bot_id = self.bot_user["id"]
        return [m for m in self.messages.get(channel_id, []) if m["author"]["id"] == bot_id]

    def requests_to(self, method: str, path_pattern: str) -> list[RestCall]:
        """Calls whose path (after /api/v10) re.fullmatch-es ``path_pattern``."""
        pattern = re.compile(path_pattern)
        return [c for c in self.requests if c.method == method and pattern.fullmatch(c.path)]

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[RestCall]:
        def done() -> bool:
            return len(self.requests_to(method, path_pattern)) >= count

        if not await self._changes.until(done, timeout):
            raise AssertionError(
                f"expected {count} {method} {path_pattern} call(s) within {timeout}s, got "
                f"{len(self.requests_to(method, path_pattern))}; calls seen: "
                f"{[f'{c.method} {c.path}' for c in self.requests] or 'none'}"
            )
        return self.requests_to(method, path_pattern)

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """Fail the next ``times`` matching calls with ``{"message", "code"}``. A 429 answers
        ``{"message", "retry_after" (default 0.1 s), "global": false}`` with ``Retry-After`` and
        ``Via`` headers, which discord.py honours by sleeping and retrying."""
        headers: dict[str, str] = {}
        body: JSON = {"message": message or f"{status}: {http.HTTPStatus(status).phrase}"}
        if status == 429:
            retry_after = 0.1 if retry_after is None else retry_after
            body = {"message": message or "You are being rate limited.", "global": False}
            body["retry_after"] = retry_after
            headers["X-RateLimit-Scope"] = "user"
        if retry_after is not None:
            headers |= {"Retry-After": str(retry_after), "Via": "1.1 google"}
        failure = _Failure(method, re.compile(path_pattern), status, headers, body, times)
        failure.body["code"] = code
        self._failures.append(failure)

    # HTTP handlers

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix(API_PREFIX)
        body, files = await read_body(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query)
        call = RestCall(request.method, path, body, headers, time.monotonic(), query, files)
        self.requests.append(call)
        self._changes.fire()
        for f in self._failures:
            if f.left > 0 and f.method == call.method and f.pattern.fullmatch(path):
                f.left -= 1
                return json_response(f.body, f.status, f.headers)
        if not request.path.startswith(API_PREFIX + "/"):
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        public = path.startswith(("/webhooks/", "/interactions/", "/gateway"))
        if not public and headers.get("authorization") != f"Bot {self.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        for verb, pattern, handler in self._routes:
            if verb == call.method and (match := pattern.fullmatch(path)):
                status, answer = handler(call, match)
                self._changes.fire()
                return json_response(answer, status)
        return json_response({"message": "Unknown", "code": 0}, 404)

    def _create_thread(self, call: RestCall, m: re.Match[str]) -> Answer:
        """A public thread (type 11) without a starter message, owned by the bot."""
        parent = self.channels.get(int(m["channel"]))
        if parent is None:
            return unknown("Channel", 10003)
        thread = {
            "id": str(snowflake()),
            "type": 11,
            "guild_id": parent.get("guild_id"),
            "parent_id": parent["id"],
            "owner_id": self.bot_user["id"],
            "name": (call.json or {}).get("name", "thread"),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": (call.json or {}).get("auto_archive_duration", 1440),
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": False,
            },
        }
        self.add_channel(thread)
        return 201, thread

    def _create_dm(self, call: RestCall, _m: re.Match[str]) -> Answer:
        recipient = int((call.json or {}).get("recipient_id", 0))
        for channel in self.channels.values():
            if channel.get("type") == 1 and int(channel["recipients"][0]["id"]) == recipient:
                return 200, channel
        user = self.users.get(recipient) or user_payload(recipient, f"user{recipient}")
        channel = dm_channel(snowflake(), user)
        self.add_channel(channel)
        return 200, channel

    def _app_info(self, _call: RestCall, _m: re.Match[str]) -> Answer:
        info = {"id": str(self.application_id), "name": self.bot_name, "icon": None}
        info |= {"description": "", "summary": "", "bot_public": True, "flags": 0}
        info |= {"bot_require_code_grant": False, "verify_key": "0" * 64, "team": None}
        info |= {"owner": user_payload(1, "owner"), "bot": self.bot_user, "tags": []}
        return 200, info | {"redirect_uris": [], "interactions_endpoint_url": None}

    def _gateway_bot(self, _call: RestCall, _m: re.Match[str]) -> Answer:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _history(self, call: RestCall, m: re.Match[str]) -> Answer:
        """Newest first; ``limit``, ``before`` and ``after`` as discord.py's history() uses."""
        before, after = (int(call.query.get(k, 0)) for k in ("before", "after"))
        stored = self.messages.get(int(m["channel"]), [])
        found = [x for x in stored if (not before or int(x["id"]) < before)]
        found = sorted((x for x in found if int(x["id"]) > after), key=lambda x: -int(x["id"]))
        limit = int(call.query.get("limit", 50))
        return 200, found[-limit:] if after else found[:limit]

    def _create_message(self, call: RestCall, m: re.Match[str]) -> Answer:
        body = call.json or {}
        if invalid := _invalid(body, call.files, creating=True):
            return invalid
        channel_id = int(m["channel"])
        if body.get("enforce_nonce") and (repeat := self._same_nonce(channel_id, body)):
            return 200, repeat  # Discord answers a repeated nonce with the first message
        message = self._new_message(channel_id, body, call.files)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
            self._nonces[(channel_id, str(body["nonce"]))] = (message, time.monotonic())
        return 200, message

    def _same_nonce(self, channel_id: int, body: JSON) -> JSON | None:
        """The message sent with this nonce within Discord's window, if any."""
        found = self._nonces.get((channel_id, str(body.get("nonce"))))
        if found is None or time.monotonic() - found[1] > NONCE_WINDOW_S:
            return None
        return found[0]

    def _message(self, m: re.Match[str]) -> JSON | None:
        """The message a channel or webhook message path names (``@original`` included)."""
        if m["id"] != "@original":
            return self._find(int(m["id"]))
        return self._find(self._originals.get(m["token"], 0))

    def _get(self, _call: RestCall, m: re.Match[str]) -> Answer:
        message = self._message(m)
        return (200, message) if message else unknown("Message", 10008)

    def _edit_message(self, call: RestCall, m: re.Match[str]) -> Answer:
        message = self._message(m)
        if message is None:
            return unknown("Message", 10008)
        if invalid := _invalid(call.json or {}, call.files):
            return invalid
        message["flags"] &= ~_LOADING  # editing @original ends "thinking…"
        return 200, self._edit(message, call.json or {}, call.files)

    def _delete(self, _call: RestCall, m: re.Match[str]) -> Answer:
        message = self._message(m)
        if message is None:
            return unknown("Message", 10008)
        self.messages[int(message["channel_id"])].remove(message)
        return 204, None

    # state

    def _note_dispatch(self, event: str, data: JSON) -> None:
        if event == "MESSAGE_CREATE" and self._find(int(data["id"])) is None:  # not an echo
            self.messages[int(data["channel_id"])].append(dict(data))
        elif event == "INTERACTION_CREATE":
            self._interactions[data["token"]] = data

    def _find(self, message_id: int) -> JSON | None:
        found = (m for ms in self.messages.values() for m in ms if int(m["id"]) == message_id)
        return next(found, None)

    def _new_message(
        self, channel_id: int, body: JSON, files: tuple, *, webhook: bool = False
    ) -> JSON:
        message = message_create(snowflake(), channel_id, self.bot_user, "")
        self._edit(message, body, files)
        message["edited_timestamp"], message["tts"] = None, bool(body.get("tts"))
        if webhook:
            message["webhook_id"] = message["application_id"] = str(self.application_id)
        if reference := body.get("message_reference"):
            message["type"] = 19  # REPLY
            message["message_reference"] = {"channel_id": str(channel_id), **reference}
            if found := self._find(int(reference.get("message_id", 0))):
                message["referenced_message"] = {
                    k: v for k, v in found.items() if k != "referenced_message"
                }
        self.messages[channel_id].append(message)
        return message

    def _edit(self, message: JSON, body: JSON, files: tuple) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] or ("" if key == "content" else [])
        if "flags" in body:
            message["flags"] = int(body["flags"] or 0) | (message["flags"] & _LOADING)
        if "attachments" in body:  # the ones to keep; new files come as multipart
            kept = {str(a.get("id")) for a in body["attachments"]}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
        for filename, content in files:
            url = f"http://127.0.0.1:{self.port}/attachments/{snowflake()}/{filename}"
            attachment = {"id": str(snowflake()), "filename": filename, "size": len(content)}
            message["attachments"].append(attachment | {"url": url, "proxy_url": url})
        message["edited_timestamp"] = iso_now()
        return message
