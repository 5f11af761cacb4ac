"""Router v1: each rule, in order, with the reason it records."""

from __future__ import annotations

import pytest

from novabot.core.message import ConversationKey, Message
from novabot.routing.router import Route, Router, TieBreakChoice, UnknownAgentError
from novabot.routing.scope import Candidate

KEY = ConversationKey("test", "C1", "T1")
AGENTS = ("chat", "translator", "summarizer")


class Memory:
    """The store's routing memory, reduced to two dictionaries."""

    def __init__(self) -> None:
        self.last: dict[ConversationKey, str] = {}
        self.bound: dict[tuple[str, str], str] = {}

    async def last_agent(self, key: ConversationKey) -> str | None:
        return self.last.get(key)

    async def channel_agent(self, platform: str, channel_id: str) -> str | None:
        return self.bound.get((platform, channel_id))


class FixedMatcher:
    name = "lexical"

    def __init__(self, **scores: float) -> None:
        self.scores = scores

    def rank(self, text: str) -> list[Candidate]:
        ranked = [Candidate(agent, score) for agent, score in self.scores.items()]
        return sorted(ranked, key=lambda c: c.score, reverse=True)

    def threshold_for(self, agent: str) -> float:
        return 0.3


def router(memory: Memory | None = None, **scores: float) -> Router:
    return Router(AGENTS, memory or Memory(), FixedMatcher(**scores))


def message(text: str, agent: str | None = None) -> Message:
    return Message(KEY, text, user_id="U1", agent=agent)


async def test_at_address_wins_and_is_stripped() -> None:
    route = await router(translator=0.0).route(message("@summarizer: translate this please"))
    assert route == Route(
        "summarizer", "explicit", "addressed as @summarizer", 1.0, "translate this please"
    )


async def test_agent_named_by_the_adapter_wins() -> None:
    route = await router(chat=0.9).route(message("hello", agent="translator"))
    assert (route.agent, route.rule, route.reason) == ("translator", "explicit", "named explicitly")


async def test_unknown_named_agent_is_an_error_listing_the_agents() -> None:
    with pytest.raises(UnknownAgentError, match=r"no agent named 'poet'.*chat, summarizer"):
        await router().route(message("hi", agent="poet"))


async def test_at_something_that_is_not_an_agent_is_plain_text() -> None:
    route = await router(chat=0.5).route(message("@alice said hello"))
    assert (route.agent, route.rule) == ("chat", "lexical")


async def test_follow_up_sticks_to_the_agent_that_answered() -> None:
    memory = Memory()
    memory.last[KEY] = "translator"
    route = await router(memory, chat=0.2, translator=0.5).route(message("and in Spanish?"))
    assert route.rule == "thread" and route.agent == "translator"
    assert route.reason == "follow-up in a conversation translator answered"


async def test_a_clear_match_elsewhere_leaves_the_sticky_agent() -> None:
    memory = Memory()
    memory.last[KEY] = "translator"
    route = await router(memory, summarizer=0.5).route(message("summarize this article"))
    assert (route.agent, route.rule) == ("summarizer", "lexical")


async def test_a_follow_up_matching_its_own_agent_too_stays() -> None:
    memory = Memory()
    memory.last[KEY] = "translator"
    # summarizer leads, but not by the switch margin over the thread's own agent.
    route = await router(memory, summarizer=0.5, translator=0.4).route(message("shorter?"))
    assert (route.agent, route.rule) == ("translator", "thread")


async def test_a_weak_match_elsewhere_does_not_break_a_thread() -> None:
    memory = Memory()
    memory.last[KEY] = "chat"
    route = await router(memory, translator=0.25).route(message("tell me more"))
    assert (route.agent, route.rule) == ("chat", "thread")


async def test_channel_default_agent() -> None:
    memory = Memory()
    memory.bound[("test", "C1")] = "summarizer"
    route = await router(memory, translator=0.9).route(message("translate this"))
    assert (route.agent, route.rule, route.reason) == (
        "summarizer",
        "channel",
        "summarizer is this channel's agent",
    )


async def test_lexical_match_above_threshold() -> None:
    route = await router(translator=0.45, chat=0.1).route(message("translate it"))
    assert route.agent == "translator" and route.score == 0.45
    assert route.reason == "best lexical match with translator's scope"


async def test_fallback_below_threshold_names_the_closest() -> None:
    route = await router(translator=0.2).route(message("what is love"))
    assert (route.agent, route.rule, route.score) == ("chat", "fallback", 0.2)
    assert route.reason == "no agent's scope covers this (closest: translator 0.20)"


async def test_fallback_must_have_a_card() -> None:
    with pytest.raises(ValueError, match="fallback agent 'chat'"):
        Router(("translator",), Memory(), FixedMatcher())


class RecordingTieBreak:
    """Stands in for the LLM: records what it was asked and picks a fixed agent."""

    def __init__(self, choice: str | None) -> None:
        self.choice = choice
        self.asked: list[tuple[str, str, str]] = []

    async def __call__(
        self, text: str, first: Candidate, second: Candidate
    ) -> TieBreakChoice | None:
        self.asked.append((text, first.agent, second.agent))
        return TieBreakChoice(self.choice, "it asks for a summary") if self.choice else None


def tied_router(tiebreak: RecordingTieBreak | None, **scores: float) -> Router:
    return Router(AGENTS, Memory(), FixedMatcher(**scores), tiebreak=tiebreak, tie_margin=0.1)


async def test_tiebreak_decides_between_close_candidates() -> None:
    tiebreak = RecordingTieBreak("summarizer")
    route = await tied_router(tiebreak, translator=0.48, summarizer=0.45).route(message("gist?"))
    assert tiebreak.asked == [("gist?", "translator", "summarizer")]
    assert (route.agent, route.rule, route.score) == ("summarizer", "tiebreak", 0.45)
    assert route.reason == (
        "translator and summarizer were 0.03 apart; the LLM chose summarizer: it asks for a summary"
    )


async def test_the_tiebreak_reads_the_request_not_the_paste() -> None:
    tiebreak = RecordingTieBreak("summarizer")
    paste = "Invoice 3187 is 40 days overdue and the credit note is still open. " * 3
    await tied_router(tiebreak, translator=0.48, summarizer=0.45).route(
        message("gist of this, please:\n\n" + paste)
    )
    assert tiebreak.asked == [("gist of this, please:", "translator", "summarizer")]


async def test_no_tiebreak_unless_configured() -> None:
    route = await tied_router(None, translator=0.48, summarizer=0.45).route(message("gist?"))
    assert (route.agent, route.rule) == ("translator", "lexical")


async def test_no_tiebreak_when_the_margin_is_clear_or_the_runner_up_is_weak() -> None:
    tiebreak = RecordingTieBreak("summarizer")
    clear = await tied_router(tiebreak, translator=0.8, summarizer=0.6).route(message("a"))
    weak = await tied_router(tiebreak, translator=0.32, summarizer=0.25).route(message("b"))
    assert tiebreak.asked == []
    assert (clear.agent, weak.agent) == ("translator", "translator")


async def test_a_failed_tiebreak_keeps_the_best_score() -> None:
    route = await tied_router(RecordingTieBreak(None), translator=0.5, summarizer=0.45).route(
        message("gist?")
    )
    assert (route.agent, route.rule) == ("translator", "lexical")


async def test_abstaining_can_decline_instead_of_passing_to_chat() -> None:
    declining = Router(AGENTS, Memory(), FixedMatcher(translator=0.2), abstain="decline")
    route = await declining.route(message("what is love"))
    assert (route.agent, route.rule) == ("chat", "declined")
    assert route.reason == "no agent's scope covers this (closest: translator 0.20)"
