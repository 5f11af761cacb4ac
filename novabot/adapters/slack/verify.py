"""Slack's request signature, checked before anything parses the request.

Bolt parses the body before it verifies the signature, so a malformed body that nobody
signed reached its JSON parser and ended as an HTTP 500 with a traceback in the log.
Here a middleware in front of bolt's aiohttp app answers 401 to anything not signed by
Slack within the last five minutes, having read only the raw bytes, and 400 to a signed
body bolt could not parse. Refusals are logged at most once a minute, with a count, so a
scanner hammering the endpoint cannot flood the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import SecretStr
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from novabot.config import ConfigError

log = logging.getLogger(__name__)

MAX_AGE_S = 5 * 60
"""Slack's own rule: a request older (or newer) than this may be a replay."""
LOG_EVERY_S = 60.0
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


def events_app(
    app: AsyncApp, signing_secret: SecretStr | None, path: str, *, mounted_at: str = ""
) -> web.Application:
    """Bolt's Events API app at `path`, behind the signature check; to be mounted under
    `mounted_at` (a prefix of `path`) on a shared server, or served alone when empty."""
    if signing_secret is None:
        raise ConfigError("NOVA_SLACK_SIGNING_SECRET is required for the Events API over HTTP")
    if not path.startswith(mounted_at):
        raise ValueError(f"{path} is not under {mounted_at}")
    guard = SignatureGuard(signing_secret.get_secret_value())
    # A fresh application each time: bolt's own `web_app()` is cached on the AsyncApp and
    # frozen once served, so a restarted adapter could not add its middleware to it.
    # Bolt checks the request's full path, so it gets `path`; the route is relative.
    bolt = AsyncSlackAppServer(port=0, path=path, app=app)
    web_app = web.Application(middlewares=[guard.middleware])
    web_app.router.add_post(path.removeprefix(mounted_at), bolt.handle_post_requests)
    web_app.on_cleanup.append(guard.on_cleanup)
    return web_app


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """`v0=<hex>`: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, as Slack signs."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


def signature_problem(
    headers: Mapping[str, str], body: bytes, secret: bytes, now: float
) -> str | None:
    """None when Slack signed `body` within MAX_AGE_S of `now`; otherwise what is wrong."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not given:
        return "unsigned"
    # isdigit alone would take other scripts' digits, which int() reads but Slack never sends.
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "malformed timestamp"
    if abs(now - int(timestamp)) > MAX_AGE_S:
        return "stale timestamp"
    expected = signature(secret, timestamp, body).encode("ascii")
    # Constant time, so the response time says nothing about how much of a guess matched.
    if not hmac.compare_digest(expected, given.encode("utf-8", "surrogateescape")):
        return "bad signature"
    return None


def unparsable(request: web.Request, body: bytes) -> str | None:
    """Why bolt could not read a signed body, or None when it can."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    try:
        # What bolt builds from the request next; a failure here would be its traceback.
        parsed = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)
        )
    except Exception as exc:  # any parse failure of a foreign body means "bad request"
        return f"unreadable body ({type(exc).__name__})"
    if not isinstance(parsed.body, dict):
        return "body is not a JSON object"
    return None


class RejectionLog:
    """Logs refused requests at most once per `every_s`, counting the ones in between."""

    def __init__(self, every_s: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self.clock = clock
        self.unlogged = 0
        self._quiet_until = float("-inf")
        self._latest = ""

    def record(self, status: int, reason: str, peer: str | None) -> None:
        self.unlogged += 1
        self._latest = f"HTTP {status}, {reason}, from {peer or 'an unknown address'}"
        if self.clock() >= self._quiet_until:
            self.flush()
            self._quiet_until = self.clock() + self.every_s

    def flush(self) -> None:
        if self.unlogged:
            log.warning(
                "refused %d Slack request(s) in the last minute (latest: %s)",
                self.unlogged,
                self._latest,
            )
        self.unlogged = 0


class SignatureGuard:
    """The aiohttp middleware: 401 unless signed, 400 unless parsable, else bolt."""

    def __init__(
        self,
        signing_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        rejections: RejectionLog | None = None,
    ) -> None:
        self.secret = signing_secret.encode()
        self.clock = clock
        self.rejections = rejections or RejectionLog()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()  # bytes only; aiohttp caps the size (413 beyond it)
        problem = signature_problem(request.headers, body, self.secret, self.clock())
        if problem is not None:
            return self.refuse(request, 401, problem)
        problem = unparsable(request, body)
        if problem is not None:
            return self.refuse(request, 400, problem)
        return await handler(request)

    def refuse(self, request: web.Request, status: int, reason: str) -> web.Response:
        self.rejections.record(status, reason, request.remote)
        return web.Response(status=status, text=reason)

    async def on_cleanup(self, _app: web.Application) -> None:
        self.rejections.flush()  # the last minute's count, before the server goes
