"""A fake Slack (Web API, Socket Mode, response_url) for tests, on 127.0.0.1.

The real ``slack_sdk``/``slack_bolt`` clients talk to it, so tests exercise their real request
building, retries and Socket Mode handling instead of mocks:

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages["C1"][0]["text"] == "hi"

Every Web API call is recorded in ``calls``; bot messages live in ``messages`` (per channel);
``fail_next`` scripts rate limits and errors. Socket Mode and the request builders
(``event_body``, ``slash_body``, ``signed_headers``, re-exported here) live in ``slack_socket``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
import urllib.parse
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_socket import (
    JSON,
    SocketModeServer,
    action_body,
    event_body,
    signed_headers,
    slash_body,
)

__all__ = ["ApiCall", "FakeSlack", "action_body", "event_body", "signed_headers", "slash_body"]

_BASE_TS_US = 1_700_000_000_000_000  # ts values count up from "1700000000.000100"


@dataclass(frozen=True)
class ApiCall:
    method: str  # e.g. "chat.postMessage"
    args: JSON  # query + form or JSON body, values as sent (form values are strings)
    token: str | None  # bearer token (or a `token` form field)
    at: float  # time.monotonic()


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str
    retry_after: float | None


class FakeSlack(SocketModeServer, LoopbackServer):
    """Fake slack.com: `api_url` for AsyncWebClient(base_url=...), Socket Mode at /socket."""

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T1",
        token: str = "xoxb-test",
        app_token: str = "xapp-test",
        app_id: str = "A1",
    ) -> None:
        self.bot_user_id, self.bot_id, self.team_id = bot_user_id, bot_id, team_id
        self.token, self.app_token, self.app_id = token, app_token, app_id
        self.calls: list[ApiCall] = []
        self.messages: defaultdict[str, list[JSON]] = defaultdict(list)
        self.responses: list[JSON] = []  # bodies posted to response_url(...)
        self.users: dict[str, JSON] = {}  # extra fields merged into users.info answers
        self.socket_url: str | None = None  # what apps.connections.open gives (None: /socket)
        self._failures: defaultdict[str, deque[_Failure]] = defaultdict(deque)
        self._stalls: list[tuple[str, str, bool]] = []
        self._ts = itertools.count(1)
        super().__init__()
        self._init_socket_mode()
        self._methods = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": lambda a: {"message_ts": self._next_ts()},
            "conversations.replies": self._replies,
            "conversations.history": self._history,
            "conversations.info": self._conversation_info,
            "users.info": self._user_info,
            "bots.info": self._bot_info,
        }

    # lifecycle

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response_url/{id}", self._response_url)
        self._add_socket_route(app)  # cleanup() stops listening, then closes sockets

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, id: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response_url/{id}"

    # test API

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        """Wait until `count` calls to `method` arrived (Bolt acks before its listener ends)."""
        if not await self._changes.until(lambda: len(self.calls_to(method)) >= count, timeout):
            seen = Counter(call.method for call in self.calls)
            raise AssertionError(
                f"expected {count} {method} call(s) within {timeout}s, "
                f"got {seen[method]}; calls seen: {dict(seen) or 'none'}"
            )
        return self.calls_to(method)

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        if not await self._changes.until(lambda: len(self.responses) >= count, timeout):
            raise AssertionError(
                f"expected {count} response_url post(s) within {timeout}s, "
                f"got {len(self.responses)}: {self.responses!r}"
            )
        return list(self.responses)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Fail the next `times` calls to `method`.

        429 (or any `retry_after`) answers {"ok": false, "error": "ratelimited"} with an integer
        `Retry-After` (default 1; rounded up: slack_sdk's retry handler does int() on it, and
        adds up to a second of jitter); 200 needs an
        `error`; 5xx answers {"ok": false, "error": error or "internal_error"}.
        """
        if retry_after is not None and status == 200:
            status = 429
        if status == 200 and error is None:
            raise ValueError("fail_next needs an error for status 200")
        default = "ratelimited" if status == 429 else "internal_error"
        failure = _Failure(status, error or default, retry_after)
        self._failures[method].extend([failure] * times)

    def stall_next(self, method: str, *, containing: str, applied: bool) -> None:
        """Never answer the next call to `method` whose text contains `containing`, as if the
        connection died: after carrying it out (`applied`), or before."""
        self._stalls.append((method, containing, applied))

    def add_message(
        self, channel: str, text: str, *, user: str = "U1", thread_ts: str | None = None
    ) -> JSON:
        """Seed a message by someone else (e.g. a thread parent for conversations.replies)."""
        message = {"type": "message", "user": user, "team": self.team_id, "ts": self._next_ts()}
        message |= {"text": text, "thread_ts": thread_ts}
        self.messages[channel].append(message)
        return message

    # HTTP handlers

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: JSON = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                args.update(body if isinstance(body, dict) else {})
            else:
                args.update(await request.post())
        token = _bearer(request.headers.get("Authorization")) or args.pop("token", None)
        self.calls.append(ApiCall(method, args, token, time.monotonic()))
        self._changes.fire()
        if self._failures[method]:
            return _failure_response(self._failures[method].popleft())
        wanted = self.app_token if method == "apps.connections.open" else self.token
        if token != wanted:
            wrong_kind = token in (self.token, self.app_token)
            return _json(_error("not_allowed_token_type" if wrong_kind else "invalid_auth"))
        stall = self._stall_for(method, args)
        handler = self._methods.get(method)
        answer = handler(args) if handler and (stall is None or stall[2]) else {}
        if stall is not None:
            await asyncio.Event().wait()  # until the server stops
        return _json({"ok": True, **answer} if "ok" not in answer else answer)

    def _stall_for(self, method: str, args: JSON) -> tuple[str, str, bool] | None:
        for stall in self._stalls:
            if stall[0] == method and stall[1] in str(args.get("text", "")):
                self._stalls.remove(stall)
                return stall
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        text = await request.text()
        try:
            body = json.loads(text)
        except ValueError:
            body = dict(urllib.parse.parse_qsl(text))
        self.responses.append(body if isinstance(body, dict) else {"_raw": body})
        self._changes.fire()
        return web.Response(text="ok")

    # Web API methods: args in, answer out ({"ok": False, ...} for errors)

    def _auth_test(self, _args: JSON) -> JSON:
        return {
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "nova",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _connections_open(self, _args: JSON) -> JSON:
        return {"url": self.socket_url or f"ws://127.0.0.1:{self.port}{self.socket_path}"}

    def _post_message(self, args: JSON) -> JSON:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id}
        message |= {"team": self.team_id, "ts": self._next_ts(), "text": args.get("text", "")}
        message["thread_ts"] = args.get("thread_ts") or None
        message |= {k: args[k] for k in ("blocks", "attachments") if k in args}
        if metadata := args.get("metadata"):  # form-encoded calls send it as JSON text
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": _public(message)}

    def _update(self, args: JSON) -> JSON:
        channel, message = self._find(args)
        if message is None:
            return _error("message_not_found")
        message |= {k: args[k] for k in ("text", "blocks", "attachments") if k in args}
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        ts, text = message["ts"], message["text"]
        return {"channel": channel, "ts": ts, "text": text, "message": _public(message)}

    def _delete(self, args: JSON) -> JSON:
        channel, message = self._find(args)
        if message is None:
            return _error("message_not_found")
        self.messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _replies(self, args: JSON) -> JSON:
        channel, parent = self._find(args)
        if parent is None:
            return _error("thread_not_found")
        ts = parent["ts"]
        replies = [
            m for m in self.messages[channel] if m.get("thread_ts") == ts and m is not parent
        ]
        thread = sorted([parent, *replies], key=lambda m: float(m["ts"]))
        return {"messages": [_public(m, args) for m in thread], **_no_more_pages()}

    def _history(self, args: JSON) -> JSON:
        channel = str(args.get("channel", ""))
        top = [m for m in self.messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        newest_first = sorted(top, key=lambda m: float(m["ts"]), reverse=True)
        return {"messages": [_public(m, args) for m in newest_first], **_no_more_pages()}

    def _conversation_info(self, args: JSON) -> JSON:
        channel = str(args.get("channel", ""))
        if not channel:
            return _error("channel_not_found")
        is_im = channel.startswith("D")
        info = {"id": channel, "name": channel.lower(), "is_im": is_im, "is_member": True}
        info |= {"is_channel": channel.startswith("C"), "is_private": channel[:1] in "DG"}
        if is_im:
            info |= {"name": None, "user": "U1"}
        return {"channel": info}

    def _user_info(self, args: JSON) -> JSON:
        user = str(args.get("user", ""))
        if not user:
            return _error("user_not_found")
        name = "nova" if user == self.bot_user_id else f"user-{user.lower()}"
        info = {"id": user, "team_id": self.team_id, "name": name, "real_name": name.title()}
        info |= {"is_bot": user == self.bot_user_id, "deleted": False, "tz": "UTC"}
        info["profile"] = {"display_name": name, "real_name": name.title()}
        return {"user": info | self.users.get(user, {})}

    def _bot_info(self, args: JSON) -> JSON:
        bot = str(args.get("bot") or self.bot_id)
        user_id = self.bot_user_id if bot == self.bot_id else f"U{bot}"
        info = {"id": bot, "name": "nova", "deleted": False, "app_id": self.app_id}
        return {"bot": info | {"user_id": user_id}}

    # helpers

    def _next_ts(self) -> str:
        micros = _BASE_TS_US + 100 * next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _find(self, args: JSON) -> tuple[str, JSON | None]:
        channel, ts = str(args.get("channel", "")), args.get("ts")
        found = (m for m in self.messages.get(channel, []) if m["ts"] == ts)
        return channel, next(found, None)


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    return None


def _json(body: JSON, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}


def _failure_response(failure: _Failure) -> web.Response:
    headers = None
    if failure.status == 429:
        wait = 1 if failure.retry_after is None else failure.retry_after
        headers = {"Retry-After": str(math.ceil(wait))}
    return _json(_error(failure.error), status=failure.status, headers=headers)


def _public(message: JSON, args: JSON | None = None) -> JSON:
    """A stored message as the API shows it (no `thread_ts: null`); like Slack, reads show
    a message's metadata only when asked with `include_all_metadata`."""
    shown = {k: v for k, v in message.items() if v is not None}
    if args is not None and str(args.get("include_all_metadata")).lower() not in ("true", "1"):
        shown.pop("metadata", None)
    return shown


def _no_more_pages() -> JSON:
    return {"has_more": False, "response_metadata": {"next_cursor": ""}}
