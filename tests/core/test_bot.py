"""The bot core end to end: real store file, real HTTP to a fake OpenAI server."""

from __future__ import annotations

import logging

import pytest

from novabot.agents.agent import Agent
from novabot.agents.turn import Turn
from novabot.app import started_app
from novabot.config import Settings
from novabot.core.bot import Bot, Status
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Fail, FakeOpenAI, Text
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1", None)


def message(text: str, key: ConversationKey = KEY, **extra: str) -> Message:
    return Message(key, text, user_id="U1", user_name="ada", **extra)


async def test_answer_is_streamed_persisted_and_accounted(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour", prompt_tokens=30))
    responder = RecordingResponder()
    outcome = await bot.handle(message("translate 'good morning' into French"), responder)
    assert (
        outcome.status is Status.ANSWERED and outcome.route and outcome.route.agent == "translator"
    )
    assert responder.said == [("translator", "Bonjour")]
    history = await bot.store.history(KEY)
    assert [(m.role, m.content, m.agent) for m in history] == [
        ("user", "translate 'good morning' into French", None),
        ("assistant", "Bonjour", "translator"),
    ]
    decision = await bot.store.last_decision(KEY)
    assert decision and (decision.agent, decision.rule) == ("translator", "semantic")
    [usage] = await bot.store.usage(KEY)
    assert (usage.agent, usage.prompt_tokens, usage.completion_tokens) == ("translator", 30, 1)


async def test_the_agent_sees_its_scope_and_the_conversation(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour"), Text("Buenos días"))
    await bot.handle(message("translate 'good morning' into French"), RecordingResponder())
    await bot.handle(message("and into Spanish?"), RecordingResponder())
    sent = fake_openai.requests[1].body["messages"]
    assert sent[0]["role"] == "system" and "You do NOT:" in sent[0]["content"]
    assert [(m["role"], m["content"]) for m in sent[1:]] == [
        ("user", "translate 'good morning' into French"),
        ("assistant", "Bonjour"),
        ("user", "and into Spanish?"),
    ]


async def test_threads_do_not_share_history(bot: Bot, fake_openai: FakeOpenAI) -> None:
    await bot.handle(message("hello", ConversationKey("test", "C1", "T1")), RecordingResponder())
    await bot.handle(message("hello", ConversationKey("test", "C1", "T2")), RecordingResponder())
    assert len(fake_openai.requests[1].body["messages"]) == 2  # system + this message only


async def test_history_is_trimmed_to_the_token_budget_oldest_first(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    async with started_app(settings.replaced(history_token_budget=40)) as app:
        for n in range(6):
            await app.bot.handle(message(f"hello number {n} " + "x" * 40), RecordingResponder())
    last = fake_openai.requests[-1].body["messages"]
    kept = [m["content"] for m in last[1:-1]]
    assert kept and len(kept) < 10
    assert "hello number 4" in kept[-2] and not any("number 0" in text for text in kept)


async def test_an_agent_that_raises_does_not_take_the_bot_down(
    bot: Bot, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Agent):
        async def handle(self, turn: Turn):  # type: ignore[no-untyped-def]
            raise RuntimeError("kaboom")

    chat = bot.registry.agents["chat"]
    bot.registry.agents["chat"] = Broken(chat.card, chat.tools, bot.registry.cards)
    responder = RecordingResponder()
    with caplog.at_level(logging.ERROR):
        outcome = await bot.handle(message("hello"), responder)
    assert outcome.status is Status.FAILED and outcome.error_id
    assert responder.texts == [
        f"Sorry, something went wrong on my side (error id {outcome.error_id})."
    ]
    [record] = [r for r in caplog.records if outcome.error_id in r.getMessage()]
    assert record.exc_info and "kaboom" in str(record.exc_info[1])
    bot.registry.agents["chat"] = chat
    fake_openai.script(Text("still here"))
    assert (await bot.handle(message("hello"), RecordingResponder())).status is Status.ANSWERED


async def test_llm_failure_is_told_in_one_line_and_no_answer_is_stored(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Fail(500, message="model crashed"))
    responder = RecordingResponder()
    outcome = await bot.handle(message("hello"), responder)
    assert outcome.status is Status.FAILED
    [text] = responder.texts
    # The channel may be shared: the problem, not the endpoint or what it said.
    assert "HTTP 500" in text and "127.0.0.1" not in text and "model crashed" not in text
    assert outcome.error and fake_openai.base_url in outcome.error  # for the log, the terminal
    assert [m.role for m in await bot.store.history(KEY)] == ["user"]


async def test_a_repeated_event_is_answered_once(bot: Bot, fake_openai: FakeOpenAI) -> None:
    first = await bot.handle(message("hello", event_id="Ev1"), RecordingResponder())
    again = RecordingResponder()
    second = await bot.handle(message("hello", event_id="Ev1"), again)
    assert (first.status, second.status) == (Status.ANSWERED, Status.DUPLICATE)
    assert again.said == [] and len(fake_openai.requests) == 1


async def test_unknown_agent_and_empty_text_are_rejected_politely(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    responder = RecordingResponder()
    unknown = await bot.handle(message("hi", agent="poet"), responder)
    empty = await bot.handle(message("   "), responder)
    assert (unknown.status, empty.status) == (Status.REJECTED, Status.REJECTED)
    assert "no agent named 'poet'" in responder.texts[0]
    assert fake_openai.requests == []


async def test_tools_named_on_the_card_are_offered(bot: Bot, fake_openai: FakeOpenAI) -> None:
    await bot.handle(message("what time is it in Tokyo?"), RecordingResponder())
    tools = fake_openai.requests[0].body["tools"]
    assert [t["function"]["name"] for t in tools] == ["current_time", "ask_agent", "start_pipeline"]


async def test_a_new_request_leaves_the_previous_agent(bot: Bot, fake_openai: FakeOpenAI) -> None:
    await bot.handle(message("translate 'good morning' into French"), RecordingResponder())
    outcome = await bot.handle(message("proofread this: their going home"), RecordingResponder())
    assert outcome.route
    assert (outcome.route.agent, outcome.route.rule) == ("proofreader", "semantic")
    follow_up = await bot.handle(message("and the next sentence?"), RecordingResponder())
    assert follow_up.route and (follow_up.route.agent, follow_up.route.rule) == (
        "proofreader",
        "thread",
    )


async def test_nova_follows_its_threads_and_bound_channels_only(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    thread = ConversationKey("test", "C1", "T1")
    channel = ConversationKey("test", "C1", None)
    assert not await bot.follows(thread)
    await bot.handle(message("hello", thread), RecordingResponder())
    await bot.handle(message("hello", channel), RecordingResponder())
    assert await bot.follows(thread)
    assert not await bot.follows(channel)  # answering once in a channel is no invitation
    await bot.store.bind_channel("test", "C1", "chat")
    assert await bot.follows(channel)
