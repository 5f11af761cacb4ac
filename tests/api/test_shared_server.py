"""`nova run`'s composition: Slack's Events API and the API on one HTTP server (one
port), started and stopped together; a stop lets a streaming API answer finish."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import openai
import pytest
from pydantic import SecretStr

from novabot.adapters.serve import configured_adapters, serve
from novabot.api.keys import key_hash, new_key
from novabot.app import started_app
from novabot.config import Settings
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port

SECRET = "signing-secret"
MENTION = {
    "type": "app_mention",
    "user": "U1",
    "text": "<@UBOT> hello",
    "ts": "100.000001",
    "channel": "C1",
    "event_ts": "100.000001",
}


async def test_slack_and_the_api_share_one_port_and_stop_together(
    settings: Settings, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    port = free_port()
    async with (
        FakeSlack() as fake_slack,
        started_app(
            settings.replaced(
                slack_bot_token=SecretStr(fake_slack.token),
                slack_signing_secret=SecretStr(SECRET),
                slack_api_url=fake_slack.api_url.rstrip("/"),
                http_port=port,
            )
        ) as app,
    ):
        key = new_key()
        await app.store.add_api_key(
            "site", key_hash(key), models=None, rate_limit=60, rate_period_s=60
        )
        adapters = await configured_adapters(app)
        assert [adapter.name for adapter in adapters] == ["slack", "api"]
        stop = asyncio.Event()
        service = asyncio.create_task(serve(app, adapters, grace_s=5, stop=stop))
        slack = adapters[0]
        await eventually(lambda: slack.started)  # type: ignore[attr-defined]

        raw = json.dumps(event_body(MENTION))
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/slack/events"
            async with session.post(url, data=raw, headers=signed_headers(raw, SECRET)) as r:
                assert r.status == 200
        await eventually(lambda: "echo: hello" in str(fake_slack.messages["C1"]))

        client = openai.AsyncOpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0
        )
        words = " ".join(f"w{n}" for n in range(20))
        fake_openai.script(Text(words, chunk_delay_s=0.05))
        stream = await client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "talk"}], stream=True
        )
        pieces = []
        async for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")
            if len(pieces) == 3:
                stop.set()  # mid-answer: it is let finish, then the server closes
        assert "".join(pieces) == words
        await asyncio.wait_for(service, timeout=10)
        with pytest.raises(openai.APIConnectionError):
            await client.models.list()
