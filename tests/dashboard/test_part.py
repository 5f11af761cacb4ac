"""`nova run`'s composition serves the dashboard once a password is set, never before."""

from __future__ import annotations

import aiohttp

from novabot.adapters.serve import anything_to_serve, configured_adapters
from novabot.app import started_app
from novabot.config import Settings
from novabot.dashboard.passwords import hash_password
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import free_port


async def login_page(port: int) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}/dashboard/login"
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


async def test_no_password_no_dashboard(settings: Settings, fake_openai: FakeOpenAI) -> None:
    assert not await anything_to_serve(settings)
    changed = settings.replaced(http_port=free_port(), http_always=True)
    async with started_app(changed) as app:
        adapters = await configured_adapters(app)
        assert [adapter.name for adapter in adapters] == ["http"]
        await adapters[0].start()
        try:
            assert (await login_page(changed.http.port))[0] == 404
        finally:
            await adapters[0].close()


async def test_with_a_password_the_dashboard_is_served_alone(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    changed = settings.replaced(http_port=free_port())
    async with started_app(changed) as app:
        await app.store.set_dashboard_password(hash_password("a long enough password"))
        assert await anything_to_serve(changed)
        adapters = await configured_adapters(app)
        assert [adapter.name for adapter in adapters] == ["dashboard"]
        await adapters[0].start()
        try:
            status, page = await login_page(changed.http.port)
            assert status == 200 and "Sign in" in page
        finally:
            await adapters[0].close()
