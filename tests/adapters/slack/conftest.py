"""A running Slack adapter (HTTP mode) wired to a fake Slack and a fake OpenAI server."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from novabot.adapters.slack.adapter import SlackAdapter
from novabot.app import App, build_app
from novabot.config import Settings
from novabot.core.bot import Bot
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers, slash_body
from tests.helpers import free_port

SECRET = "signing-secret"


@dataclass
class RunningSlack:
    app: App
    adapter: SlackAdapter
    fake: FakeSlack
    url: str
    stopped: bool = False

    async def stop(self) -> None:
        """Shut down as `nova run` does: stop intake, drain answers, close."""
        if self.stopped:
            return
        self.stopped = True
        await self.adapter.stop()
        await self.bot.drain(5)
        await self.adapter.close()
        await self.app.close()

    @property
    def bot(self) -> Bot:
        return self.app.bot

    async def post(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, str, float]:
        started = time.monotonic()
        data = body.encode() if isinstance(body, str) else body
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=data, headers=headers) as response,
        ):
            return response.status, await response.text(), time.monotonic() - started

    async def event(self, event: dict[str, Any], *, event_id: str = "Ev1", **headers: str) -> int:
        raw = json.dumps(event_body(event, event_id=event_id))
        status, _, _ = await self.post(raw, signed_headers(raw, SECRET) | headers)
        return status

    async def command(self, text: str, **options: str) -> tuple[int, str, float]:
        raw = slash_body(text, response_url=self.fake.response_url(), **options)
        return await self.post(raw, signed_headers(raw, SECRET))

    def replies(self, channel: str, thread_ts: str | None) -> list[dict[str, Any]]:
        return [m for m in self.fake.messages[channel] if m.get("thread_ts") == thread_ts]


def slack_settings(settings: Settings, fake: FakeSlack, **update: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": SecretStr(fake.token),
        "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": fake.api_url.rstrip("/"),
        "http_port": free_port(),
        "slack_update_interval_s": 0.2,
    }
    return settings.replaced(**values | update)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


StartSlack = Callable[..., Awaitable[RunningSlack]]


@pytest.fixture
async def start_slack(settings: Settings, fake_slack: FakeSlack) -> AsyncIterator[StartSlack]:
    """Start (and, at the end, stop) Nova's Slack adapter; call again for a restart."""
    running: list[RunningSlack] = []
    chosen = slack_settings(settings, fake_slack)

    async def start(**update: Any) -> RunningSlack:
        final = chosen.replaced(**update)
        app = await build_app(final)
        adapter = SlackAdapter(app.bot, final)
        await adapter.start()
        url = f"http://127.0.0.1:{final.http.port}/slack/events"
        running.append(RunningSlack(app, adapter, fake_slack, url))
        return running[-1]

    yield start
    for instance in reversed(running):
        await instance.stop()


@pytest.fixture
async def slack(start_slack: StartSlack) -> RunningSlack:
    return await start_slack()
