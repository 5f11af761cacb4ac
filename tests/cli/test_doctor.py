"""`nova doctor`: one line per check against the real services (here: the fakes), ✓ when
ready, ✗ with the fix when not, and exit 1 when anything is wrong."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from pydantic import SecretStr

from novabot.cli.doctor import run_doctor
from novabot.config import Settings
from tests.adapters.discord.conftest import fake_discord, no_discord_errors
from tests.adapters.slack.conftest import fake_slack
from tests.cli.conftest import Nova
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.store.damage import overwrite_page, real_database, root_page

__all__ = ["fake_discord", "fake_slack", "no_discord_errors"]  # fixtures used below


def with_platforms(settings: Settings, slack: FakeSlack, discord: FakeDiscord) -> Settings:
    return settings.replaced(
        slack_bot_token=SecretStr(slack.token),
        slack_signing_secret=SecretStr("s3cret"),
        slack_api_url=slack.api_url,
        discord_token=SecretStr(discord.token),
        discord_api_url=discord.api_url,
    )


async def doctor(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = await run_doctor(settings, argparse.Namespace())
    return code, capsys.readouterr().out.splitlines()


async def test_a_ready_nova_passes_every_check(
    settings: Settings,
    fake_slack: FakeSlack,
    fake_discord: FakeDiscord,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await real_database(settings.db_path)
    code, lines = await doctor(with_platforms(settings, fake_slack, fake_discord), capsys)
    assert code == 0, lines
    assert [line.split(":")[0] for line in lines] == [
        "✓ configuration", "✓ LLM endpoint", "✓ Slack", "✓ Discord", "✓ database",
        "✓ router", "✓ disk",
    ]  # fmt: skip
    assert "model fake-model" in lines[1] and "(Events API)" in lines[2]
    assert "minilm" in lines[5] and "other languages: use-m3" in lines[5]
    assert "sound and writable" in lines[4]


async def test_each_problem_is_one_line_with_its_fix(
    settings: Settings,
    fake_slack: FakeSlack,
    fake_discord: FakeDiscord,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = with_platforms(settings, fake_slack, fake_discord).replaced(
        llm_model="no-such-model",
        slack_bot_token=SecretStr("xoxb-revoked"),
        discord_token=SecretStr("wrong"),
    )
    code, lines = await doctor(broken, capsys)
    assert code == 1 and len(lines) == 7
    llm, slack, discord = lines[1:4]
    assert llm.startswith("✗ LLM endpoint: ") and "has no model no-such-model" in llm
    assert llm.endswith(" — fix: set NOVA_LLM_MODEL")
    assert slack.startswith("✗ Slack: auth.test answered ") and "NOVA_SLACK_BOT_TOKEN" in slack
    assert discord.startswith("✗ Discord: the token was refused — fix: ")
    assert lines[4].startswith("✓ database: none yet at ")


async def test_unreachable_endpoint_and_unconfigured_platforms(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the socket closes
    code, lines = await doctor(
        settings.replaced(llm_base_url=f"http://127.0.0.1:{closed}/v1"), capsys
    )
    assert code == 1
    assert lines[1].startswith(f"✗ LLM endpoint: http://127.0.0.1:{closed}/v1: cannot connect (")
    assert lines[1].endswith(" — fix: check NOVA_LLM_BASE_URL and the server")
    assert lines[2] == "– Slack: not configured (NOVA_SLACK_BOT_TOKEN unset)"
    assert lines[3] == "– Discord: not configured (NOVA_DISCORD_TOKEN unset)"


async def test_a_damaged_database_is_named_with_what_to_do(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await real_database(settings.db_path)
    overwrite_page(settings.db_path, root_page(settings.db_path, "messages"))
    code, lines = await doctor(settings, capsys)
    [database] = [line for line in lines if line.startswith(("✓ database", "✗ database"))]
    assert code == 1 and database.startswith(f"✗ database: {settings.db_path}: ")
    assert "— fix: what to do: stop nova, then restore a backup" in database


def test_an_unusable_setting_is_the_one_failed_check(
    tmp_path: Path, nova_here: Nova, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_TIMEZONE", "Mars/Base")
    code, out, err = nova_here("doctor")
    assert (code, err) == (1, "")
    assert out.startswith("✗ configuration: invalid configuration: NOVA_TIMEZONE: ")
    assert out.count("\n") == 1 and not (tmp_path / "nova.db").exists()


def test_other_commands_still_stop_on_an_unusable_setting(
    nova_here: Nova, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_TIMEZONE", "Mars/Base")
    code, out, err = nova_here("agents")
    assert (code, out) == (2, "") and err.startswith("nova: invalid configuration: NOVA_TIMEZONE")
