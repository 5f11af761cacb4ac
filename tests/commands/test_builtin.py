"""The platform-free commands every adapter offers."""

from __future__ import annotations

from novabot.commands.builtin import describe_agents
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C9", None)


async def run(bot: Bot, line: str) -> str:
    name, _, args = line.partition(" ")
    return (await bot.run_command(KEY, "U1", name, args)).text


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
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    assert "usage: bind <agent>" in await run(bot, "bind")
    assert "no agent named 'poet'" in await run(bot, "bind poet")
    assert "now goes to proofreader" in await run(bot, "bind proofreader")
    other_thread = ConversationKey("test", "C9", "T1")
    outcome = await bot.handle(Message(other_thread, "hello", user_id="U1"), RecordingResponder())
    assert outcome.route and (outcome.route.agent, outcome.route.rule) == ("proofreader", "channel")
    assert await run(bot, "unbind") == "This channel has no default agent now."
    assert await run(bot, "unbind") == "This channel had no agent."


async def test_usage_help_and_unknown(bot: Bot, fake_openai: FakeOpenAI) -> None:
    assert await run(bot, "usage") == "No tokens used yet."
    await bot.handle(Message(KEY, "hello", user_id="U1"), RecordingResponder())
    assert (await run(bot, "usage")).startswith("chat (fake-model): 1 calls")
    elsewhere = ConversationKey("test", "C8", None)
    assert (await bot.run_command(elsewhere, "U1", "usage", "")).text == "No tokens used yet."
    everywhere = await bot.run_command(elsewhere, "U1", "usage", "all")
    assert everywhere.text.startswith("chat (fake-model): 1 calls")
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
