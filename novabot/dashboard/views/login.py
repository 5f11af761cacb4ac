"""Signing in and out of the dashboard."""

from __future__ import annotations

import secrets

from aiohttp import web

from novabot.dashboard.render import render
from novabot.dashboard.session import (
    LOGIN_COOKIE,
    LOGIN_FORM_AGE_S,
    SESSION_COOKIE,
    SESSION_LIFETIME_S,
    Refused,
    Sessions,
    check_login_token,
    clear_cookie,
    set_cookie,
)


def login_routes(sessions: Sessions) -> list[web.RouteDef]:
    async def login_page(request: web.Request) -> web.Response:
        return _form(request, _next(request))

    async def sign_in(request: web.Request) -> web.Response:
        await check_login_token(request)
        form = await request.post()
        password, target = form.get("password"), _next(request, form.get("next"))
        try:
            token = await sessions.sign_in(request, password if isinstance(password, str) else "")
        except Refused as refused:
            response = _form(request, target, error=str(refused), status=refused.status)
            if refused.retry_after:
                response.headers["Retry-After"] = str(int(refused.retry_after) + 1)
            return response
        response = web.HTTPSeeOther(target)
        set_cookie(response, request, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME_S))
        clear_cookie(response, request, LOGIN_COOKIE)
        raise response

    async def sign_out(request: web.Request) -> web.Response:
        await sessions.sign_out(request)
        response = web.HTTPSeeOther(request.app.router["login"].url_for())
        clear_cookie(response, request, SESSION_COOKIE)
        raise response

    return [
        web.get("/login", login_page, name="login"),
        web.post("/login", sign_in, name="sign_in"),
        web.post("/logout", sign_out, name="logout"),
    ]


def _form(request: web.Request, target: str, *, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, next=target, error=error, token=token)
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=LOGIN_FORM_AGE_S)
    return response


def _next(request: web.Request, given: object = None) -> str:
    """Where to go after signing in: a page of the dashboard, never another site."""
    home = str(request.app.router["overview"].url_for())
    target = given if isinstance(given, str) else request.query.get("next", home)
    prefix = home.rstrip("/")
    inside = target == prefix or target.startswith(prefix + "/")
    return target if inside and "//" not in target and "\\" not in target else home
