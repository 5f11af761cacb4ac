"""One Nova serving its dashboard on 127.0.0.1, with seeded records, for the dashboard
tests (HTTP and browser). Starting Nova is the slow part, so the package shares one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from novabot.adapters.http_server import HttpServer
from novabot.app import App, build_app
from novabot.dashboard.part import DashboardOnly, mount_dashboard
from novabot.dashboard.passwords import hash_password
from tests.api.conftest import api_settings
from tests.dashboard.seed import Seeded, seed
from tests.fakes.openai_server import FakeOpenAI

SHARED = pytest.mark.asyncio(loop_scope="package")
"""Mark for a module whose tests share the package's Nova (and so its event loop)."""

PASSWORD = "correct horse battery"
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class RunningDashboard:
    app: App
    url: str
    """The dashboard's address, with its trailing slash."""
    seeded: Seeded


def form_token(page: str) -> str:
    found = _FORM_TOKEN.search(page)
    assert found, "the page has no form token"
    return found.group(1)


async def sign_in(session: aiohttp.ClientSession, url: str, password: str = PASSWORD) -> int:
    """Sign in the way a browser does (the form, then its POST); the POST's status."""
    async with session.get(url + "login") as page:
        token = form_token(await page.text())
    form = {"csrf": token, "password": password, "next": "/dashboard/"}
    async with session.post(url + "login", data=form, allow_redirects=False) as answer:
        return answer.status


@pytest_asyncio.fixture(loop_scope="package", scope="package")
async def dashboard(
    tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path
) -> AsyncIterator[RunningDashboard]:
    folder = tmp_path_factory.mktemp("dashboard")
    async with FakeOpenAI() as fake:
        settings = api_settings(folder / "nova.db", fake, embedding_cache_dir)
        app = await build_app(settings)
        http = HttpServer(settings.http)
        part = DashboardOnly(http)
        try:
            await app.store.set_dashboard_password(hash_password(PASSWORD))
            seeded = await seed(app.store)
            mount_dashboard(app, http)
            await part.start()
            yield RunningDashboard(app, f"{http.url}/dashboard/", seeded)
        finally:
            await part.stop()
            await part.close()
            await app.close()


@pytest_asyncio.fixture(loop_scope="package")
async def signed_in(dashboard: RunningDashboard) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser-like client (it keeps cookies) signed in to the dashboard."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, an address
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        assert await sign_in(session, dashboard.url) == 303
        yield session
