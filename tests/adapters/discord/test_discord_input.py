"""Odd input on Discord (lone surrogates in a message, a name or a slash command option),
and `/nova pipeline` where Nova cannot post: one private line, never a failure."""

from __future__ import annotations

import asyncio
import json

from novabot.adapters.discord.adapter import DiscordAdapter
from novabot.adapters.discord.commands import CANNOT_POST
from novabot.app import build_app
from novabot.commands.command import Command, CommandContext
from novabot.config import Settings
from novabot.core.message import ConversationKey
from tests.adapters.discord.conftest import (
    ALICE,
    CHANNEL,
    DM,
    GUILD,
    NOVA_ID,
    RunningDiscord,
    discord_settings,
)
from tests.adapters.discord.test_discord_adapter import EPHEMERAL, FOLLOW_UPS, contents
from tests.adapters.discord.test_discord_pipelines import PLAN
from tests.fakes.discord_gateway import interaction_create, message_create, user_payload
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

ODD_ALICE = user_payload(int(ALICE["id"]), "alice") | {"global_name": "Al\ud800ice"}


async def test_a_lone_surrogate_in_a_message_and_a_name_is_answered(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    text = f"<@{NOVA_ID}> translate 'caf\udfff' into French"
    mention = [user_payload(NOVA_ID, "Nova", bot=True)]
    payload = message_create(9001, CHANNEL, ODD_ALICE, text, guild_id=GUILD, mentions=mention)
    await nova_discord.fake.dispatch("MESSAGE_CREATE", payload)
    await eventually(lambda: fake_openai.requests)
    assert fake_openai.last_user_text() == "translate 'caf\ufffd' into French"
    await eventually(
        lambda: contents(nova_discord.sent()) == ["echo: translate 'caf\ufffd' into French"]
    )
    key = ConversationKey("discord", str(CHANNEL))
    [stored] = [m for m in await nova_discord.bot.store.history(key, limit=5) if m.role == "user"]
    assert (stored.content, stored.user_name) == (fake_openai.last_user_text(), "Al\ufffdice")


async def test_a_lone_surrogate_in_a_slash_option_is_answered(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    await nova_discord.slash("ask", prompt="hello \ud800 world")
    await eventually(lambda: fake_openai.requests)
    assert fake_openai.last_user_text() == "hello \ufffd world"
    await eventually(lambda: "echo: hello \ufffd world" in contents(nova_discord.sent()))


async def test_pipeline_where_nova_cannot_open_a_thread_answers_privately(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)))
    threads = rf"/channels/{CHANNEL}/threads"
    nova_discord.fake.fail_next("POST", threads, status=403, code=50001, message="Missing Access")
    await nova_discord.slash("pipeline", task="summarise the report")
    [line] = await nova_discord.fake.wait_for_request("POST", FOLLOW_UPS)
    assert (line.json["content"], line.json["flags"]) == (CANNOT_POST, EPHEMERAL)
    await asyncio.sleep(0.3)  # and nothing else: no "error id" line, no run left behind
    assert [m["content"] for m in nova_discord.sent()] == [CANNOT_POST]
    assert all(m["flags"] & EPHEMERAL for m in nova_discord.sent())
    assert await nova_discord.bot.store.list_runs(limit=5) == []


async def test_a_pipeline_refused_later_in_a_dm_is_told_privately_once(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    """In a DM the run has no thread of its own: the refusal comes from its progress
    message, posted in the background after the command's reply."""
    fake_openai.script(Text(json.dumps(PLAN)))
    messages = rf"/channels/{DM}/messages"
    nova_discord.fake.fail_next("POST", messages, status=403, code=50007, times=5)
    options = [{"type": 3, "name": "task", "value": "summarise the report"}]
    payload = interaction_create(
        9100, application_id=NOVA_ID, channel_id=DM, guild_id=None, user=ALICE,
        command="nova", options=[{"type": 1, "name": "pipeline", "options": options}],
        token="tok-dm",
    )  # fmt: skip
    await nova_discord.fake.dispatch("INTERACTION_CREATE", payload)
    calls = await nova_discord.fake.wait_for_request("POST", FOLLOW_UPS, count=2)
    started, refused = (call.json for call in calls)
    assert started["content"].startswith("Started pipeline #1")
    assert (refused["content"], refused["flags"]) == (CANNOT_POST, EPHEMERAL)
    await asyncio.sleep(0.3)
    assert len(nova_discord.fake.requests_to("POST", FOLLOW_UPS)) == 2


async def announce(ctx: CommandContext, args: str) -> str:
    assert ctx.responder is not None
    await ctx.responder.say(f"Announcement: {args}")
    return "announced"


ANNOUNCE = Command("announce", "post in the channel", announce, "<text>", public=True)


async def test_a_public_command_refused_by_the_channel_takes_back_its_thinking(
    settings: Settings, fake_discord: FakeDiscord
) -> None:
    """A public command's "thinking…" is visible to all: the private line replaces it."""
    chosen = discord_settings(settings, fake_discord)
    app = await build_app(chosen)
    app.bot.registry.add_command(ANNOUNCE)
    adapter = DiscordAdapter(app.bot, chosen, guild_ready_timeout=0.05)
    await adapter.start()
    nova = RunningDiscord(fake_discord, app, adapter)
    try:
        messages = rf"/channels/{CHANNEL}/messages"
        fake_discord.fail_next(
            "POST", messages, status=403, code=50013, message="Missing Permissions"
        )
        await nova.slash("announce", args="lunch at noon")
        [line] = await fake_discord.wait_for_request("POST", FOLLOW_UPS)
        assert (line.json["content"], line.json["flags"]) == (CANNOT_POST, EPHEMERAL)
        assert fake_discord.requests_to("DELETE", rf"{FOLLOW_UPS}/messages/@original")
        await asyncio.sleep(0.3)
        assert [m["content"] for m in nova.sent()] == [CANNOT_POST]
    finally:
        await nova.stop()
