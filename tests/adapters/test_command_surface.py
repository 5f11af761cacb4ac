"""One command surface: a command a cog adds works in Slack, Discord and the terminal,
with no adapter edit, and each platform shows its reply to the audience it declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from novabot.adapters.discord.adapter import DiscordAdapter
from novabot.adapters.slack.adapter import SlackAdapter
from novabot.adapters.terminal import Repl, cli_user
from novabot.app import build_app
from novabot.config import Settings
from novabot.core.bot import Bot
from tests.adapters.discord.conftest import (
    ALICE,
    CHANNEL,
    DM,
    GUILD,
    NOVA_ID,
    DiscordUsers,
    discord_settings,
)
from tests.adapters.slack.conftest import RunningSlack, slack_settings
from tests.fakes.discord_gateway import dm_channel, guild_payload, text_channel
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack

COGS = ("cogs", "tests.cogs_fixture")
FOLLOW_UPS = rf"/webhooks/{NOVA_ID}/.+"
EPHEMERAL = 64


@dataclass
class Everywhere:
    """One bot with the test cogs, served on Slack and Discord at once (as `nova run`)."""

    bot: Bot
    slack: RunningSlack
    discord: DiscordUsers


@pytest.fixture(autouse=True)
def restore_discord_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter points discord.py's class-level addresses at the fake; undo it after."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)


@pytest.fixture
async def everywhere(settings: Settings) -> AsyncIterator[Everywhere]:
    async with (
        FakeSlack() as fake_slack,
        FakeDiscord(application_id=NOVA_ID, bot_user_id=NOVA_ID) as fake_discord,
    ):
        fake_discord.add_guild(guild_payload(GUILD, channels=[text_channel(CHANNEL, GUILD)]))
        fake_discord.add_channel(dm_channel(DM, ALICE))
        chosen = discord_settings(slack_settings(settings, fake_slack), fake_discord)
        app = await build_app(chosen, cogs=COGS)
        bot = app.bot
        slack = SlackAdapter(bot, chosen)
        on_discord = DiscordAdapter(bot, chosen, guild_ready_timeout=0.05)
        try:
            await slack.start()
            await on_discord.start()
            url = f"http://127.0.0.1:{chosen.http.port}/slack/events"
            yield Everywhere(
                bot, RunningSlack(app, slack, fake_slack, url), DiscordUsers(fake_discord)
            )
        finally:
            for adapter in (slack, on_discord):
                await adapter.stop()
            await bot.drain(5)
            for adapter in (slack, on_discord):
                await adapter.close()
            await app.close()


async def test_a_cogs_command_answers_on_every_platform(
    everywhere: Everywhere, capsys: pytest.CaptureFixture[str]
) -> None:
    await everywhere.slack.command("dice 20")
    [slack_reply] = await everywhere.slack.fake.wait_for_responses(1)
    assert slack_reply["text"] == "rolled a d20 for U1: 20"
    assert slack_reply["response_type"] == "ephemeral"

    await everywhere.discord.slash("dice", args="20")
    [discord_reply] = await everywhere.discord.fake.wait_for_request("POST", FOLLOW_UPS)
    assert discord_reply.json["content"] == f"rolled a d20 for {ALICE['id']}: 20"
    assert discord_reply.json["flags"] == EPHEMERAL

    assert await Repl(everywhere.bot, None).command("dice 20")
    assert capsys.readouterr().out == f"rolled a d20 for {cli_user()}: 20\n"


async def test_a_cogs_command_is_in_every_help_and_in_discords_tree(everywhere: Everywhere) -> None:
    await everywhere.slack.command("help")
    [slack_help] = await everywhere.slack.fake.wait_for_responses(1)
    assert "`dice [sides]`" in slack_help["text"] and "toss — toss a coin" in slack_help["text"]
    await everywhere.discord.slash("help")
    [discord_help] = await everywhere.discord.fake.wait_for_request("POST", FOLLOW_UPS)
    assert "`/nova dice [args:[sides]]`" in discord_help.json["content"]


async def test_a_public_cog_command_is_shown_to_the_channel(everywhere: Everywhere) -> None:
    await everywhere.slack.command("toss")
    [slack_reply] = await everywhere.slack.fake.wait_for_responses(1)
    assert slack_reply["response_type"] == "in_channel"
    assert slack_reply["text"] == "U1 tossed a coin: heads"

    await everywhere.discord.slash("toss")
    [deferral] = await everywhere.discord.fake.wait_for_request(
        "POST", r"/interactions/\d+/.+/callback"
    )
    assert deferral.json == {"type": 5}  # not ephemeral: the channel sees the answer
    await everywhere.discord.fake.wait_for_request("POST", FOLLOW_UPS)
    [shown] = everywhere.discord.sent()
    assert shown["content"] == f"{ALICE['id']} tossed a coin: heads"
    assert not shown["flags"] & EPHEMERAL


async def test_a_usage_error_stays_private_on_every_platform(
    everywhere: Everywhere, capsys: pytest.CaptureFixture[str]
) -> None:
    await everywhere.slack.command("dice many")
    [slack_reply] = await everywhere.slack.fake.wait_for_responses(1)
    assert (slack_reply["text"], slack_reply["response_type"]) == (
        "usage: dice [sides]",
        "ephemeral",
    )
    await everywhere.discord.slash("dice", args="many")
    [discord_reply] = await everywhere.discord.fake.wait_for_request("POST", FOLLOW_UPS)
    assert discord_reply.json["content"] == "usage: dice [sides]"
    assert discord_reply.json["flags"] == EPHEMERAL
    await Repl(everywhere.bot, None).command("dice many")
    assert capsys.readouterr().out == "usage: dice [sides]\n"
