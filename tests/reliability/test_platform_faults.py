"""Platform faults against `nova` as a process: Slack failing a call, refusing a token,
vanishing, and Discord refusing a command sync. The answer arrives whole, a refusal is
one line at start, and a signal always stops `nova run` within its grace period."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from novabot.adapters.slack.startup import SOCKET_CONNECT_TIMEOUT_S
from tests.adapters.slack.conftest import SECRET
from tests.adapters.slack.test_nova_run import post
from tests.adapters.slack.test_slack_events import MENTION
from tests.cli.test_main import Result, assert_one_line_error
from tests.conftest import cli_env
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port
from tests.reliability.process import NovaProcess, stopped_at_exit

ANSWER = "Bonjour et bienvenue à tous"
GRACE_S = 3.0


async def run_nova(tmp_path: Path, *args: str, env: dict[str, str]) -> Result:
    """One `nova` command to its end; killed if it overstays (the faults these tests
    script used to make it hang), so no process outlives the test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", *args,
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"nova {' '.join(args)} did not exit within 60s") from None
    return Result(process.returncode or 0, out.decode(), err.decode())


async def stop_timed(nova: NovaProcess) -> tuple[float, int]:
    """SIGTERM: how long `nova run` took to exit, and its exit code."""
    sent = time.monotonic()
    code = await nova.stop()
    return time.monotonic() - sent, code


def slack_env(tmp_path: Path, openai: FakeOpenAI, slack: FakeSlack, **extra: str) -> dict[str, str]:
    slack_settings = {
        "NOVA_SLACK_BOT_TOKEN": slack.token,
        "NOVA_SLACK_SIGNING_SECRET": SECRET,
        "NOVA_SLACK_API_URL": slack.api_url,
        "NOVA_SHUTDOWN_GRACE_S": str(GRACE_S),
    }
    return cli_env(tmp_path, openai, **slack_settings | extra)


async def answered_despite(
    tmp_path: Path, openai: FakeOpenAI, slack: FakeSlack, *, status: int, times: int
) -> None:
    """One mention answered by `nova run`; the final edit of the answer fails `times`
    times with `status` (progress edits are 30 s apart, so the one after the first
    progress edit is the final one)."""
    openai.script(Text(ANSWER, chunk_delay_s=0.25))
    port = free_port()
    env = slack_env(
        tmp_path, openai, slack, NOVA_HTTP_PORT=str(port), NOVA_SLACK_UPDATE_INTERVAL_S="30"
    )
    nova = NovaProcess(tmp_path, env)
    async with stopped_at_exit(nova):
        await nova.start()
        raw = json.dumps(event_body(MENTION))
        url = f"http://127.0.0.1:{port}/slack/events"
        assert await post(url, raw, signed_headers(raw, SECRET)) == 200
        [progress] = await slack.wait_for("chat.update", 1, timeout=10)
        assert progress.args["text"] != ANSWER  # the answer was still being written
        slack.fail_next("chat.update", status=status, times=times, retry_after=0)
        await eventually(lambda: texts(slack) == [ANSWER], within=15)
        assert await nova.stop() == 0, nova.stderr()
    updates = slack.calls_to("chat.update")
    assert len(updates) == 1 + times + 1  # progress, the failures, the final edit
    assert [call.args["text"] for call in updates[1:]] == [ANSWER] * (times + 1)
    assert len(slack.calls_to("chat.postMessage")) == 1  # no apology, no second answer


def texts(slack: FakeSlack) -> list[str]:
    return [str(m["text"]) for m in slack.messages["C1"]]


async def test_a_server_error_on_the_final_edit_is_retried(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    await answered_despite(tmp_path, fake_openai, fake_slack, status=500, times=1)


async def test_five_rate_limits_in_a_row_on_the_final_edit_are_waited_out(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    await answered_despite(tmp_path, fake_openai, fake_slack, status=429, times=5)


@pytest.mark.parametrize("socket_mode", [False, True], ids=["events-api", "socket-mode"])
async def test_a_refused_bot_token_is_one_line_at_start(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack, socket_mode: bool
) -> None:
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_BOT_TOKEN="xoxb-revoked")
    if socket_mode:
        env["NOVA_SLACK_APP_TOKEN"] = fake_slack.app_token
    result = await run_nova(tmp_path, "run", env=env)
    assert_one_line_error(result, "NOVA_SLACK_BOT_TOKEN was refused by Slack (invalid_auth)")
    assert [call.method for call in fake_slack.calls] == ["auth.test"]


async def test_a_refused_app_token_is_one_line_at_start(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_APP_TOKEN="xapp-revoked")
    result = await run_nova(tmp_path, "run", env=env)
    assert_one_line_error(result, "NOVA_SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
    assert len(fake_slack.calls_to("apps.connections.open")) == 1  # asked once, not forever


async def test_an_unreachable_slack_is_one_line_at_start(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api"
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_API_URL=nowhere)
    result = await run_nova(
        tmp_path, "run", env=env | {"NOVA_SLACK_APP_TOKEN": fake_slack.app_token}
    )
    assert_one_line_error(result, f"cannot reach Slack at {nowhere}/")


async def test_sigterm_stops_a_socket_mode_start_that_cannot_connect(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    """Slack hands out a WebSocket address that refuses: slack_sdk retries it without end,
    and `nova run` used to ignore signals until SIGKILL."""
    fake_slack.socket_url = f"ws://127.0.0.1:{free_port()}/link"
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_APP_TOKEN=fake_slack.app_token)
    nova = NovaProcess(tmp_path, env)
    async with stopped_at_exit(nova):
        await nova.start(listening=0)
        await fake_slack.wait_for("apps.connections.open", timeout=30)
        await asyncio.sleep(0.5)  # the WebSocket is refused; slack_sdk waits to try again
        took, code = await stop_timed(nova)
    assert took < GRACE_S and code == 0, nova.stderr()
    assert nova.lines == ["nova: stopping…"]
    assert "Traceback" not in nova.stderr()


@pytest.mark.slow
async def test_a_socket_mode_start_that_cannot_connect_gives_up_in_one_line(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    fake_slack.socket_url = f"ws://127.0.0.1:{free_port()}/link"
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_APP_TOKEN=fake_slack.app_token)
    started = time.monotonic()
    result = await run_nova(tmp_path, "run", env=env)
    assert_one_line_error(result, "Socket Mode WebSocket did not accept a connection within")
    assert time.monotonic() - started < SOCKET_CONNECT_TIMEOUT_S + 10


async def test_sigterm_stops_nova_while_a_vanished_slack_is_retried(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SLACK_APP_TOKEN=fake_slack.app_token)
    nova = NovaProcess(tmp_path, env)
    async with stopped_at_exit(nova):
        await nova.start()
        assert nova.lines == ["nova: listening on Slack (Socket Mode)"]
        await fake_slack.wait_for_socket()
        await fake_slack.stop()  # closes the socket: slack_sdk reconnects, and is refused
        await asyncio.sleep(0.5)
        took, code = await stop_timed(nova)
    assert took < GRACE_S and code == 0, nova.stderr()
    assert nova.lines[-1] == "nova: stopping…"


async def test_discord_sync_to_a_guild_without_the_bot_is_one_line(
    tmp_path: Path, fake_discord: FakeDiscord
) -> None:
    commands = rf"/applications/{fake_discord.application_id}/guilds/99/commands"
    # What Discord answers for a guild the bot was never added to.
    fake_discord.fail_next("PUT", commands, status=403, code=50001, message="Missing Access")
    env = cli_env(
        tmp_path,
        NOVA_DISCORD_TOKEN=fake_discord.token,
        NOVA_DISCORD_API_URL=fake_discord.api_url,
        NOVA_DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )
    result = await run_nova(tmp_path, "discord", "sync", "--guild", "99", env=env)
    assert_one_line_error(result, "Discord refused /nova in guild 99 (403 Missing Access)")
    assert "nova discord invite-url" in result.err
    # Configured guilds: the one the bot is in is still synced.
    fake_discord.fail_next("PUT", commands, status=403, code=50001, message="Missing Access")
    both = await run_nova(
        tmp_path, "discord", "sync", env=env | {"NOVA_DISCORD_GUILD_IDS": "99,10"}
    )
    assert both.code == 2 and both.out == "synced /nova to guild 10\n"
    assert both.err.count("\n") == 1 and "guild 99" in both.err
