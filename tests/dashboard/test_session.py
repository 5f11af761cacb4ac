"""Signing in to the dashboard: a session cookie, CSRF tokens on forms, throttled
failures, and nothing shown or changed without them."""

from __future__ import annotations

import aiohttp
from yarl import URL

from novabot.adapters.http_server import HttpServer
from novabot.dashboard.part import DashboardOnly, mount_dashboard
from novabot.dashboard.session import SESSION_COOKIE, Sessions
from novabot.dashboard.throttle import LoginThrottle
from tests.dashboard.conftest import SHARED, RunningDashboard, form_token, sign_in
from tests.helpers import free_port

pytestmark = SHARED


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_pages_need_a_session_and_send_the_visitor_to_sign_in(
    dashboard: RunningDashboard,
) -> None:
    async with browser() as session:
        async with session.get(dashboard.url + "pipelines", allow_redirects=False) as answer:
            assert answer.status == 303
            assert answer.headers["Location"].endswith("/dashboard/login?next=/dashboard/pipelines")
        async with session.get(dashboard.url.rstrip("/")) as answer:  # /dashboard
            assert answer.url.path == "/dashboard/login"
            assert "Sign in to Nova" in await answer.text()


async def test_the_right_password_signs_in_with_a_strict_http_only_cookie(
    dashboard: RunningDashboard,
) -> None:
    async with browser() as session:
        async with session.get(dashboard.url + "login") as page:
            token = form_token(await page.text())
        form = {"csrf": token, "password": "correct horse battery", "next": "/dashboard/agents"}
        async with session.post(dashboard.url + "login", data=form, allow_redirects=False) as ok:
            assert ok.status == 303 and ok.headers["Location"] == "/dashboard/agents"
            cookie = ok.cookies[SESSION_COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
            assert cookie["path"] == "/dashboard"
        async with session.get(dashboard.url) as overview:
            assert overview.status == 200 and "Per agent" in await overview.text()


async def test_a_wrong_password_or_a_missing_form_token_signs_nobody_in(
    dashboard: RunningDashboard,
) -> None:
    async with browser() as session:
        assert await sign_in(session, dashboard.url, "not the password") == 401
        async with session.post(
            dashboard.url + "login", data={"password": "correct horse battery"}
        ) as answer:
            assert answer.status == 403
            assert "This form has expired" in await answer.text()
        async with session.get(dashboard.url, allow_redirects=False) as answer:
            assert answer.status == 303  # still signed out


async def test_a_form_without_its_token_or_from_another_site_changes_nothing(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    item = await dashboard.app.store.add_knowledge(
        "acme", "note", "Proposed note", "body", status="proposed"
    )
    url = f"{dashboard.url}knowledge/{item.id}"
    async with signed_in.get(dashboard.url + "knowledge") as page:
        token = form_token(await page.text())
    async with signed_in.post(url, data={"decision": "confirm"}) as answer:
        assert answer.status == 403
    foreign = {"Origin": "https://evil.example"}
    async with signed_in.post(
        url, data={"decision": "confirm", "csrf": token}, headers=foreign
    ) as answer:
        assert answer.status == 403
    stored = await dashboard.app.store.knowledge(item.id)
    assert stored is not None and stored.status == "proposed"


async def test_signing_out_ends_the_session_on_the_server(dashboard: RunningDashboard) -> None:
    async with browser() as session:
        assert await sign_in(session, dashboard.url) == 303
        cookie = session.cookie_jar.filter_cookies(URL(dashboard.url))[SESSION_COOKIE].value
        async with session.get(dashboard.url) as page:
            token = form_token(await page.text())
        async with session.post(dashboard.url + "logout", data={"csrf": token}) as answer:
            assert answer.url.path == "/dashboard/login"
    async with (
        aiohttp.ClientSession(cookies={SESSION_COOKIE: cookie}) as replay,
        replay.get(dashboard.url, allow_redirects=False) as answer,
    ):
        assert answer.status == 303  # the old cookie opens nothing


async def test_after_signing_in_nova_never_sends_the_browser_to_another_site(
    dashboard: RunningDashboard,
) -> None:
    async with browser() as session:
        for target in ("https://evil.example/", "//evil.example/dashboard", "/elsewhere"):
            async with session.get(dashboard.url + "login") as page:
                token = form_token(await page.text())
            form = {"csrf": token, "password": "correct horse battery", "next": target}
            async with session.post(
                dashboard.url + "login", data=form, allow_redirects=False
            ) as answer:
                assert answer.headers["Location"] == "/dashboard/", target


async def test_failed_sign_ins_are_throttled_with_retry_after(
    dashboard: RunningDashboard,
) -> None:
    http = HttpServer(dashboard.app.settings.http.model_copy(update={"port": free_port()}))
    sessions = Sessions(dashboard.app.store, LoginThrottle(max_failures=2))
    mount_dashboard(dashboard.app, http, sessions)
    part = DashboardOnly(http)
    await part.start()
    url = f"{http.url}/dashboard/"
    try:
        async with browser() as session:
            assert await sign_in(session, url, "wrong one") == 401
            assert await sign_in(session, url, "wrong two") == 401
            async with session.get(url + "login") as page:
                token = form_token(await page.text())
            form = {"csrf": token, "password": "correct horse battery"}
            async with session.post(url + "login", data=form, allow_redirects=False) as answer:
                assert answer.status == 429  # even the right password waits
                assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60 + 1
                assert "Too many failed sign-ins" in await answer.text()
    finally:
        await part.stop()
        await part.close()
