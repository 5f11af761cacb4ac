"""The platform-free commands every adapter offers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novabot.app import started_app
from novabot.commands.builtin import BUILTIN_COMMANDS, describe_agents
from novabot.config import Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C9", None)


async def run(bot: Bot, line: str, user: str = "U1") -> str:
    name, _, args = line.partition(" ")
    return (await bot.run_command(KEY, user, name, args)).text


@pytest.fixture
async def admin_bot(settings: Settings) -> AsyncIterator[Bot]:
    """A bot whose admins are ADMIN on the test platform (and the terminal's user)."""
    async with started_app(settings.replaced(admins=frozenset({("test", "ADMIN")}))) as app:
        yield app.bot


async def test_agents_lists_scope(bot: Bot) -> None:
    text = await run(bot, "agents")
    assert "translator: Translates text" in text and "does not:" in text


async def test_why_before_and_after_a_message(bot: Bot, fake_openai: FakeOpenAI) -> None:
    assert await run(bot, "why") == "Nothing has been routed in this conversation yet."
    await bot.handle(Message(KEY, "@summarizer shorten this", user_id="U1"), RecordingResponder())
    assert await run(bot, "why") == (
        'summarizer answered for "@summarizer shorten this": addressed as @summarizer '
        "(rule: explicit, score 1.00)"
    )


async def test_bind_routes_the_channel_and_unbind_releases_it(
    admin_bot: Bot, fake_openai: FakeOpenAI
) -> None:
    bot = admin_bot
    assert "usage: bind <agent>" in await run(bot, "bind", "ADMIN")
    assert "no agent named 'poet'" in await run(bot, "bind poet", "ADMIN")
    assert "now goes to proofreader" in await run(bot, "bind proofreader", "ADMIN")
    other_thread = ConversationKey("test", "C9", "T1")
    outcome = await bot.handle(Message(other_thread, "hello", user_id="U1"), RecordingResponder())
    assert outcome.route and (outcome.route.agent, outcome.route.rule) == ("proofreader", "channel")
    assert await run(bot, "unbind", "ADMIN") == "This channel has no default agent now."
    assert await run(bot, "unbind", "ADMIN") == "This channel had no agent."


async def test_bind_and_unbind_are_refused_to_a_non_admin(admin_bot: Bot) -> None:
    for name, args in (("bind", "proofreader"), ("unbind", ""), ("bind", "")):
        reply = await admin_bot.run_command(KEY, "U1", name, args)
        assert (reply.ok, reply.text) == (False, f"Only a Nova admin can use `{name}`.")
    assert await admin_bot.store.channel_agent("test", "C9") is None


async def test_with_no_admin_the_refusal_says_how_to_set_one(bot: Bot) -> None:
    reply = await bot.run_command(ConversationKey("slack", "C9"), "U777", "bind", "proofreader")
    assert not reply.ok
    assert reply.text.startswith("Only a Nova admin can use `bind`, and none is set")
    assert "NOVA_ADMINS=slack:U777" in reply.text
    assert await bot.store.channel_agent("slack", "C9") is None


async def test_the_terminal_user_is_an_admin(bot: Bot) -> None:
    reply = await bot.run_command(ConversationKey("cli", "me"), "me", "bind", "proofreader")
    assert reply.ok and "now goes to proofreader" in reply.text


async def test_usage_help_and_unknown(bot: Bot, fake_openai: FakeOpenAI) -> None:
    assert await run(bot, "usage") == "No tokens used yet."
    await bot.handle(Message(KEY, "hello", user_id="U1"), RecordingResponder())
    assert (await run(bot, "usage")).startswith("chat (fake-model): 1 calls")
    elsewhere = ConversationKey("test", "C8", None)
    assert (await bot.run_command(elsewhere, "U1", "usage", "")).text == "No tokens used yet."
    refused = await bot.run_command(elsewhere, "U1", "usage", "--all")
    assert (refused.ok, refused.text) == (
        False,
        "only a Nova admin can see every conversation (--all)",
    )
    assert not (await bot.run_command(elsewhere, "U1", "usage", "every")).ok
    assert "why — why the last message" in await run(bot, "help")
    assert (await run(bot, "dance")).startswith("Unknown command 'dance'. Try: agents, why")


async def test_usage_errors_are_marked_not_ok(bot: Bot) -> None:
    assert (await bot.run_command(KEY, "U1", "bind", "")).ok is False
    assert (await bot.run_command(KEY, "U1", "nope", "")).ok is False
    assert (await bot.run_command(KEY, "U1", "agents", "")).ok is True


async def test_why_shows_the_runner_up_and_the_margin(bot: Bot, fake_openai: FakeOpenAI) -> None:
    key = ConversationKey("test", "C10")
    await bot.handle(Message(key, "translate this to Spanish", user_id="U1"), RecordingResponder())
    text = (await bot.run_command(key, "U1", "why", "")).text
    assert text.startswith('translator answered for "translate this to Spanish"')
    record = await bot.store.last_decision(key)
    assert record is not None and record.candidates[0] == ("translator", record.score)
    runner_up, score = record.candidates[1]
    margin = record.score - score
    assert text.endswith(f"; runner-up: {runner_up} at {score:.2f} (margin {margin:.2f})")


async def test_agents_shows_each_routable_agents_threshold(bot: Bot) -> None:
    text = describe_agents(bot.services)
    assert bot.router is not None
    translator = bot.router.matcher.threshold_for("translator")
    block = next(b for b in text.split("\n\n") if b.startswith("translator:"))
    assert block.endswith(f"picked by the router at a score of {translator:.2f} or more")
    planner = next(b for b in text.split("\n\n") if b.startswith("planner:"))
    assert "picked by the router" not in planner


async def test_an_admin_sees_usage_of_every_conversation(
    admin_bot: Bot, fake_openai: FakeOpenAI
) -> None:
    await admin_bot.handle(Message(KEY, "hello", user_id="U1"), RecordingResponder())
    elsewhere = ConversationKey("test", "C8", None)
    assert (await admin_bot.run_command(elsewhere, "ADMIN", "usage", "")).text == (
        "No tokens used yet."
    )
    for args in ("--all", "all"):  # `all` is the older spelling
        everywhere = await admin_bot.run_command(elsewhere, "ADMIN", "usage", args)
        assert everywhere.text.startswith("chat (fake-model): 1 calls")


async def test_why_speaks_of_this_conversation_only(bot: Bot, fake_openai: FakeOpenAI) -> None:
    await bot.handle(Message(KEY, "@summarizer shorten this", user_id="U1"), RecordingResponder())
    elsewhere = ConversationKey("test", "C8", None)
    assert (await bot.run_command(elsewhere, "U1", "why", "")).text == (
        "Nothing has been routed in this conversation yet."
    )
    assert not (await bot.run_command(elsewhere, "U1", "why", "--all")).ok


def test_bind_and_unbind_are_admin_only_and_nothing_else_is() -> None:
    admin_only = {command.name for command in BUILTIN_COMMANDS if command.admin_only}
    assert admin_only == {"bind", "unbind"}
