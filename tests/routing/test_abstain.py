"""What Nova does with a message no agent covers, and the optional LLM tie-break."""

from __future__ import annotations

import json

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.app import started_app
from novabot.config import Settings
from novabot.core.bot import Bot, Status
from novabot.core.message import ConversationKey, Message
from novabot.llm.metering import charged_to
from novabot.routing.scope import Candidate
from novabot.routing.tiebreak import LLMTieBreak
from tests.fakes.openai_server import Call, Fail, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1", None)
NOBODYS = "compose a sonnet about my cat's birthday"


def message(text: str) -> Message:
    return Message(KEY, text, user_id="U1")


async def test_an_uncovered_message_goes_to_chat_with_a_note(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Here is a sonnet."))
    strict = settings.replaced(router_threshold=0.99)
    async with started_app(strict) as app:
        bot = app.bot
        outcome = await bot.handle(message(NOBODYS), RecordingResponder())
    assert outcome.route and (outcome.route.agent, outcome.route.rule) == ("chat", "fallback")
    system = fake_openai.requests[0].body["messages"][0]["content"]
    assert "Routing note: no agent's scope covers this (closest: " in system


async def test_declining_says_so_and_names_the_closest_agents(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    declining = settings.replaced(router_threshold=0.99, router_abstain="decline")
    async with started_app(declining) as app:
        bot = app.bot
        responder = RecordingResponder()
        outcome = await bot.handle(message(NOBODYS), responder)
        history = await bot.store.history(KEY)
    assert outcome.status is Status.ANSWERED
    assert outcome.route and outcome.route.rule == "declined"
    [(_, said)] = responder.said
    assert said.startswith("No Nova agent handles this. The closest are @")
    assert fake_openai.requests == []  # no LLM call for a refusal
    assert [m.role for m in history] == ["user", "assistant"]


def tiebreak_for(bot: Bot) -> LLMTieBreak:
    cards = {card.name: card for card in load_cards([shipped_cards_dir()])}
    return LLMTieBreak(bot.llm, cards)


TIED = (Candidate("translator", 0.4), Candidate("summarizer", 0.38))


async def test_the_llm_tiebreak_chooses_with_one_function_call_and_is_counted(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    choice_call = Call("choose_agent", {"agent": "summarizer", "reason": "asks for a gist"})
    fake_openai.script(ToolCalls((choice_call,)))
    tiebreak = tiebreak_for(bot)
    with charged_to("router", key=KEY):  # as the bot routes
        choice = await tiebreak("give me the gist of this in French", *TIED)
    assert choice and (choice.agent, choice.reason) == ("summarizer", "asks for a gist")
    [request] = fake_openai.requests
    assert request.body["tool_choice"] == {"type": "function", "function": {"name": "choose_agent"}}
    [tool] = request.body["tools"]
    assert tool["function"]["parameters"]["properties"]["agent"]["enum"] == [
        "translator",
        "summarizer",
    ]
    prompt = request.body["messages"][1]["content"]
    assert "Agent translator:" in prompt and "Agent summarizer:" in prompt
    assert "Does NOT:" in prompt
    [usage] = await bot.store.usage(KEY)
    assert usage.agent == "router" and tiebreak.calls == 1


async def test_a_tiebreak_answered_in_plain_json_still_counts(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps({"agent": "translator", "reason": "wants French"})))
    choice = await tiebreak_for(bot)("give me the gist of this in French", *TIED)
    assert choice and choice.agent == "translator"


async def test_a_tiebreak_answer_naming_another_agent_is_ignored(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(ToolCalls((Call("choose_agent", {"agent": "chat", "reason": "?"}),)))
    assert await tiebreak_for(bot)("x", *TIED) is None


async def test_a_failing_tiebreak_keeps_routing_alive(bot: Bot, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(500))
    assert await tiebreak_for(bot)("x", *TIED) is None


async def test_tiebreak_is_off_by_default(bot: Bot) -> None:
    assert bot.router is not None and bot.router.tiebreak is None


async def test_tiebreak_is_wired_when_enabled(settings: Settings) -> None:
    async with started_app(settings.replaced(router_llm_tiebreak=True)) as app:
        bot = app.bot
        assert isinstance(bot.router.tiebreak, LLMTieBreak)


async def test_an_endpoint_refusing_forced_calls_is_asked_for_json(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Fail(400), Text(json.dumps({"agent": "summarizer", "reason": "a gist"})))
    choice = await tiebreak_for(bot)("give me the gist", *TIED)
    assert choice and choice.agent == "summarizer"
    refused, retried = fake_openai.requests
    assert "tool_choice" in refused.body and "tool_choice" not in retried.body
    assert retried.body["response_format"]["json_schema"]["name"] == "choose_agent"
