"""Bad input from outside, at the edges Nova has: forged or malformed Slack requests
against a real `nova run`, and text that is not valid Unicode from the command line."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from novabot.adapters import terminal
from novabot.core.bot import Bot, Status
from tests.adapters.slack.conftest import SECRET
from tests.adapters.slack.test_slack_events import MENTION
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port, start_nova_run

FLOOD = 25


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def post(url: str, raw: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=headers) as r,
    ):
        return r.status


async def test_forged_and_malformed_slack_requests_leave_no_traceback(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    port = free_port()
    env = cli_env(
        tmp_path, fake_openai,
        NOVA_SLACK_BOT_TOKEN=fake_slack.token, NOVA_SLACK_SIGNING_SECRET=SECRET,
        NOVA_SLACK_API_URL=fake_slack.api_url, NOVA_HTTP_PORT=str(port),
    )  # fmt: skip
    process = await start_nova_run(tmp_path, env)
    try:
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), timeout=30)  # listening
        url = f"http://127.0.0.1:{port}/slack/events"
        malformed = '{"type": "event_callback", "event": {"text": '
        json_type = {"Content-Type": "application/json"}
        statuses = [await post(url, malformed, json_type) for _ in range(FLOOD)]
        assert statuses == [401] * FLOOD
        assert await post(url, malformed, signed_headers(malformed, SECRET)) == 400
        raw = json.dumps(event_body(MENTION))
        assert await post(url, raw, signed_headers(raw, SECRET)) == 200
        await eventually(lambda: "echo:" in str(fake_slack.messages["C1"]), within=10)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0 and err.decode() == "", err.decode()
    log = (tmp_path / "nova.log").read_text()
    assert "Traceback" not in log and "Error handling request" not in log
    refusals = [line for line in log.splitlines() if "refused" in line and "Slack request" in line]
    # The first at once, the rest counted and logged once, at the latest at shutdown.
    assert 1 <= len(refusals) <= 2, refusals
    counted = sum(int(line.split("refused ")[1].split()[0]) for line in refusals)
    assert counted == FLOOD + 1


async def test_an_argument_that_is_not_utf8_is_asked_not_a_traceback(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    # Latin-1 bytes on a UTF-8 command line: Python hands them over as lone surrogates.
    latin1 = b"caf\xe9 au lait".decode("utf-8", "surrogateescape")
    env = cli_env(tmp_path, fake_openai)
    result = await nova(tmp_path, "ask", "--thread", latin1, latin1, env=env)
    assert (result.code, result.err) == (0, "")
    assert result.out == "echo: caf\ufffd au lait\n"
    assert fake_openai.last_user_text() == "caf\ufffd au lait"
    why = await nova(tmp_path, "why", "--thread", latin1, env=env)
    assert why.code == 0 and "Traceback" not in why.err
    assert 'answered for "caf\ufffd au lait"' in why.out


async def test_terminal_ask_cleans_its_text(
    bot: Bot, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = await terminal.ask(bot, "hello \ud800", agent=None, thread="t\udcff")
    assert outcome.status == Status.ANSWERED
    assert capsys.readouterr().out == "echo: hello \ufffd\n"
    history = await bot.store.history(terminal.cli_key("t\ufffd"), limit=5)
    assert [m.content for m in history] == ["hello \ufffd", "echo: hello \ufffd"]
