"""`/healthz`, `/readyz` and `/metrics` on `nova run`'s HTTP server: served beside the
other parts, or alone with NOVA_HTTP_ALWAYS=1; ready only when the database, the
adapters and the endpoint are."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from novabot.adapters.serve import configured_adapters, serve
from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from novabot.metrics.readiness import Check, EndpointWatch, Readiness
from novabot.metrics.routes import health_routes
from novabot.ops.health import EndpointHealth
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder, eventually, free_port


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        is_json = response.content_type == "application/json"
        return response.status, await (response.json() if is_json else response.text())


@pytest.fixture
async def served(settings: Settings, fake_openai: FakeOpenAI) -> AsyncIterator[tuple[App, str]]:
    """`nova run`'s composition with nothing but monitoring to serve."""
    port = free_port()
    async with started_app(settings.replaced(http_port=port, http_always=True)) as app:
        adapters = await configured_adapters(app)
        assert [adapter.name for adapter in adapters] == ["http"]
        stop = asyncio.Event()
        service = asyncio.create_task(serve(app, adapters, grace_s=1, stop=stop))
        await eventually(lambda: adapters[0].started)  # type: ignore[attr-defined]
        try:
            yield app, f"http://127.0.0.1:{port}"
        finally:
            stop.set()
            await asyncio.wait_for(service, timeout=10)


async def test_alive_ready_and_scraped_when_served_alone(served: tuple[App, str]) -> None:
    app, url = served
    key = ConversationKey("slack", "C1")
    await app.bot.handle(
        Message(key, "@translator hi in French", user_id="U1"), RecordingResponder()
    )
    assert await get(f"{url}/healthz") == (200, {"status": "ok"})
    status, ready = await get(f"{url}/readyz")
    assert status == 200 and ready["ready"] is True
    names = [check["name"] for check in ready["checks"]]
    assert names[0] == "database" and names[-1] == "llm endpoint"
    assert names[1] == f"health and metrics (at {url}/healthz, /readyz, /metrics)"
    status, text = await get(f"{url}/metrics")
    assert status == 200
    assert 'nova_messages_received_total{platform="slack"} 1.0' in text
    assert 'nova_routing_decisions_total{agent="translator",rule="explicit"} 1.0' in text
    assert "nova_llm_request_seconds_bucket" in text


async def test_nothing_is_served_on_http_unless_needed_or_asked(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    async with started_app(settings.replaced(http_port=free_port())) as app:
        assert await configured_adapters(app) == []


class Store:
    def __init__(self, writable: bool) -> None:
        self.writable = writable

    async def takes_writes(self) -> bool:
        return self.writable


class Adapter:
    description = "Discord"

    def __init__(self, started: bool) -> None:
        self.started = started


def endpoint(up: bool, counter: list[int]) -> EndpointWatch:
    async def check() -> EndpointHealth:
        counter.append(1)
        return EndpointHealth(up, "answered" if up else "cannot connect (refused)")

    return EndpointWatch(check, every_s=60)


@pytest.mark.parametrize(
    ("writable", "connected", "up", "failing"),
    [
        (False, True, True, "database"),
        (True, False, True, "Discord"),
        (True, True, False, "llm endpoint"),
    ],
)
async def test_any_failing_check_makes_readyz_503_and_names_it(
    writable: bool, connected: bool, up: bool, failing: str
) -> None:
    readiness = Readiness(Store(writable), [Adapter(connected)], endpoint(up, []))
    checks = await readiness.checks()
    assert [check.name for check in checks if not check.ok] == [failing]
    app = web.Application()
    app.add_routes(health_routes(None, readiness))  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        status, body = await get(f"http://127.0.0.1:{port}/readyz")
    finally:
        await runner.cleanup()
    assert status == 503 and body["ready"] is False
    assert Check(**next(c for c in body["checks"] if not c["ok"])).name == failing


async def test_the_endpoint_is_asked_at_most_once_a_minute() -> None:
    asked: list[int] = []
    watch = endpoint(True, asked)
    await asyncio.gather(*(watch.health() for _ in range(5)))
    await watch.health()
    assert len(asked) == 1
