"""`nova discord sync` and `nova discord invite-url` against the fake Discord REST API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.adapters.discord.conftest import NOVA_ID
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.discord_server import FakeDiscord


def discord_env(tmp_path: Path, fake: FakeDiscord, **extra: str) -> dict[str, str]:
    return cli_env(
        tmp_path,
        NOVA_DISCORD_TOKEN=fake.token,
        NOVA_DISCORD_API_URL=fake.api_url,
        NOVA_DISCORD_GATEWAY_URL=fake.gateway_url,
        **extra,
    )


async def test_sync_to_one_guild_and_globally(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    env = discord_env(tmp_path, fake_discord)
    guild = await nova(tmp_path, "discord", "sync", "--guild", "10", env=env)
    assert (guild.code, guild.out) == (0, "synced /nova to guild 10\n")
    [put] = fake_discord.requests_to("PUT", rf"/applications/{NOVA_ID}/guilds/10/commands")
    [command] = put.json
    subcommands = {option["name"]: option for option in command["options"]}
    assert command["name"] == "nova"
    assert set(subcommands) == {
        "ask", "pipeline", "agents", "why", "bind", "unbind", "usage", "help",
        "forget", "knowledge", "project", "remember", "schedule", "digest",
    }  # fmt: skip
    assert options(subcommands["ask"]) == {"prompt": (True, False), "agent": (False, True)}
    assert options(subcommands["bind"]) == {"agent": (True, True)}
    assert options(subcommands["pipeline"]) == {"task": (True, False)}
    assert options(subcommands["usage"]) == {"args": (False, False)}
    assert subcommands["usage"]["options"][0]["description"] == "[--all]"
    everywhere = await nova(tmp_path, "discord", "sync", env=env)
    assert everywhere.out == "synced /nova to all guilds (global)\n"
    assert fake_discord.requests_to("PUT", rf"/applications/{NOVA_ID}/commands")


def options(subcommand: dict) -> dict[str, tuple[bool, bool]]:
    """Each option's name: (required, autocompletes)."""
    return {
        option["name"]: (option.get("required", False), option.get("autocomplete", False))
        for option in subcommand.get("options", [])
    }


async def test_sync_uses_the_configured_guilds(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    env = discord_env(tmp_path, fake_discord, NOVA_DISCORD_GUILD_IDS="10, 11")
    result = await nova(tmp_path, "discord", "sync", env=env)
    assert result.out == "synced /nova to guild 10\nsynced /nova to guild 11\n"


async def test_invite_url_asks_for_the_scopes_and_permissions_nova_needs(
    tmp_path: Path, fake_discord: FakeDiscord
) -> None:
    result = await nova(tmp_path, "discord", "invite-url", env=discord_env(tmp_path, fake_discord))
    assert result.code == 0
    query = parse_qs(urlparse(result.out.strip()).query)
    assert query["client_id"] == [str(NOVA_ID)]
    assert query["scope"] == ["bot applications.commands"]
    # view channels, send messages, read history, create public threads, send in threads
    assert int(query["permissions"][0]) == 1024 | 2048 | 65536 | 34359738368 | 274877906944


async def test_a_refused_token_is_one_line(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    env = discord_env(tmp_path, fake_discord) | {"NOVA_DISCORD_TOKEN": "wrong"}
    result = await nova(tmp_path, "discord", "invite-url", env=env)
    assert result.code == 2
    assert (
        result.err == "nova: NOVA_DISCORD_TOKEN was refused by Discord; copy the bot token again\n"
    )
