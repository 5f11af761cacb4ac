"""Who may see the dashboard: a signed-in session (an HttpOnly, SameSite=Strict cookie
whose hash the store keeps), and on every form a CSRF token of that session.

Signing in takes the operator's password, throttled per client (throttle.py). The login
form itself carries a token from a short-lived cookie, so another site cannot sign a
browser in to an account of its choosing either.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from typing import Protocol
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from novabot.dashboard.passwords import password_matches
from novabot.dashboard.throttle import LoginThrottle
from novabot.store.dashboard_login import DashboardSession

SESSION_COOKIE = "nova_session"
LOGIN_COOKIE = "nova_login"
SESSION_LIFETIME_S = 12 * 3600.0
LOGIN_FORM_AGE_S = 3600
"""How long a login form stays usable."""
PUBLIC_ROUTES = frozenset({"login", "sign_in", "static"})
"""Routes served without a session: the login form and the stylesheet."""

CSRF = web.RequestKey("csrf", str)


class LoginStore(Protocol):
    async def dashboard_password(self) -> str | None: ...

    async def start_dashboard_session(
        self, token_hash: str, csrf: str, lifetime_s: float
    ) -> None: ...

    async def dashboard_session(self, token_hash: str) -> DashboardSession | None: ...

    async def end_dashboard_session(self, token_hash: str) -> None: ...


class Refused(Exception):
    """A sign-in that did not happen; the message is shown on the login form."""

    def __init__(self, message: str, status: int, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Sessions:
    def __init__(self, store: LoginStore, throttle: LoginThrottle | None = None) -> None:
        self.store = store
        self.throttle = throttle or LoginThrottle()

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every page but the login needs a session; every POST its CSRF token."""
        if request.match_info.route.name in PUBLIC_ROUTES:
            return await handler(request)
        session = await self._session(request)
        if session is None:
            if request.method == "POST":
                raise web.HTTPForbidden(text="Your session has ended: sign in again.")
            login = request.app.router["login"].url_for().with_query(next=request.path_qs)
            raise web.HTTPSeeOther(login)
        if request.method == "POST":
            await _require_token(request, session.csrf)
        request[CSRF] = session.csrf
        return await handler(request)

    async def sign_in(self, request: web.Request, password: str) -> str:
        """Check the password and start a session; the cookie's value, or Refused."""
        client = request.remote or "unknown"
        wait = self.throttle.retry_after(client)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise Refused(f"Too many failed sign-ins: try again in {minutes} min.", 429, wait)
        stored = await self.store.dashboard_password()
        if stored is None:
            raise Refused("No password is set: run `nova dashboard set-password`.", 403)
        # scrypt takes ~0.1 s of CPU: off the event loop, so answers keep streaming.
        if not await asyncio.to_thread(password_matches, password, stored):
            self.throttle.failed(client)
            raise Refused("Wrong password.", 401)
        self.throttle.succeeded(client)
        token = secrets.token_urlsafe(32)
        await self.store.start_dashboard_session(
            _digest(token), secrets.token_urlsafe(32), SESSION_LIFETIME_S
        )
        return token

    async def sign_out(self, request: web.Request) -> None:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await self.store.end_dashboard_session(_digest(token))

    async def _session(self, request: web.Request) -> DashboardSession | None:
        token = request.cookies.get(SESSION_COOKIE)
        return await self.store.dashboard_session(_digest(token)) if token else None


async def check_login_token(request: web.Request) -> None:
    await _require_token(request, request.cookies.get(LOGIN_COOKIE, ""))


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=_cookie_path(request), httponly=True,
        samesite="Strict", secure=_https(request),
    )  # fmt: skip


def clear_cookie(response: web.StreamResponse, request: web.Request, name: str) -> None:
    response.del_cookie(name, path=_cookie_path(request))


async def _require_token(request: web.Request, expected: str) -> None:
    """403 unless the form's `csrf` field is `expected` and the POST is from this site."""
    form = await request.post()
    given = form.get("csrf")
    origin = request.headers.get("Origin")
    foreign = origin is not None and origin != "null" and urlsplit(origin).netloc != request.host
    if foreign or not expected or not isinstance(given, str):
        raise web.HTTPForbidden(text="This form has expired: reload the page and try again.")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPForbidden(text="This form has expired: reload the page and try again.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cookie_path(request: web.Request) -> str:
    # The dashboard's prefix without the slash: the cookie then also goes to `/dashboard`.
    return str(request.app.router["overview"].url_for()).rstrip("/") or "/"


def _https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"
