"""`nova run` as a process: serves /slack/events, answers once, refuses forgeries, stops."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp

from tests.adapters.slack.conftest import SECRET
from tests.adapters.slack.test_slack_events import MENTION
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port, start_nova_run


async def post(url: str, raw: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=headers) as r,
    ):
        return r.status


async def test_nova_run_serves_slack_events(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    fake_openai.script(Text("Bonjour !"))
    port = free_port()
    env = cli_env(
        tmp_path,
        fake_openai,
        NOVA_SLACK_BOT_TOKEN=fake_slack.token,
        NOVA_SLACK_SIGNING_SECRET=SECRET,
        NOVA_SLACK_API_URL=fake_slack.api_url,
        NOVA_HTTP_PORT=str(port),
    )
    process = await start_nova_run(tmp_path, env)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        url = f"http://127.0.0.1:{port}/slack/events"
        assert line.decode().strip() == f"nova: listening on Slack (Events API at {url})"
        raw = json.dumps(event_body(MENTION))
        assert await post(url, raw, signed_headers(raw, "forged")) == 401
        assert await post(url, raw, signed_headers(raw, SECRET)) == 200
        await eventually(
            lambda: fake_slack.messages["C1"] and "Bonjour" in str(fake_slack.messages["C1"])
        )
        retry = signed_headers(raw, SECRET) | {"X-Slack-Retry-Num": "1"}
        assert await post(url, raw, retry) == 200
        # The retry was handled, not lost: the next event is answered, and only it.
        later = json.dumps(event_body(MENTION | {"ts": "100.000002"}, event_id="Ev2"))
        assert await post(url, later, signed_headers(later, SECRET)) == 200
        await eventually(lambda: len(fake_slack.messages["C1"]) == 2)
        await eventually(lambda: "thinking" not in str(fake_slack.messages["C1"]))
        first, second = fake_slack.messages["C1"]
        assert (first["thread_ts"], first["text"]) == ("100.000001", "Bonjour !")
        assert second["thread_ts"] == "100.000002"
        assert len(fake_openai.requests) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "nova: stopping…"


async def test_nova_run_without_a_platform_or_secret_explains(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    nothing = await nova(tmp_path, "run", env=cli_env(tmp_path, fake_openai))
    assert nothing.code == 2 and "set NOVA_SLACK_BOT_TOKEN" in nothing.err
    env = cli_env(tmp_path, fake_openai, NOVA_SLACK_BOT_TOKEN="xoxb-1")
    no_secret = await nova(tmp_path, "run", env=env)
    assert no_secret.code == 2
    assert no_secret.err.startswith("nova: NOVA_SLACK_SIGNING_SECRET is required")
