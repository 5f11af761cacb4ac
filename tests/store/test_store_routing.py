"""Routing decisions and event de-duplication."""

from __future__ import annotations

from novabot.core.message import ConversationKey
from novabot.store import Store

KEY = ConversationKey("discord", "G1", "T1")
OTHER_THREAD = ConversationKey("discord", "G1", "T2")


async def test_last_decision_carries_the_routed_message_text(store: Store) -> None:
    message_id = await store.add_message(KEY, "user", "please refactor this")
    await store.record_decision(
        KEY,
        agent="coder",
        rule="keyword",
        reason="mentions refactor",
        score=0.9,
        message_id=message_id,
    )
    decision = await store.last_decision(KEY)
    assert decision is not None
    assert (decision.agent, decision.rule, decision.reason) == (
        "coder",
        "keyword",
        "mentions refactor",
    )
    assert decision.score == 0.9
    assert (decision.message_id, decision.message_text) == (message_id, "please refactor this")
    assert decision.created_at.tzinfo is not None
    assert await store.last_decision(OTHER_THREAD) is None


async def test_last_decision_is_the_newest_and_may_have_no_message(store: Store) -> None:
    first = await store.record_decision(KEY, agent="a", rule="r1", reason="x", score=0.1)
    second = await store.record_decision(KEY, agent="b", rule="default", reason="y", score=0)
    assert second > first
    decision = await store.last_decision(KEY)
    assert decision is not None
    assert (decision.agent, decision.message_id, decision.message_text) == ("b", None, None)
    assert isinstance(decision.score, float)


async def test_last_channel_decision_spans_the_channels_threads(store: Store) -> None:
    first = ConversationKey("slack", "C1", "1.0")
    second = ConversationKey("slack", "C1", "2.0")
    await store.record_decision(first, agent="chat", rule="fallback", reason="r1", score=0.1)
    await store.record_decision(second, agent="translator", rule="lexical", reason="r2", score=1)
    await store.record_decision(
        ConversationKey("slack", "C2", None), agent="summarizer", rule="x", reason="r3", score=1
    )
    latest = await store.last_channel_decision("slack", "C1")
    assert latest is not None and (latest.agent, latest.reason) == ("translator", "r2")
    assert await store.last_channel_decision("slack", "C9") is None


async def test_decisions_keep_the_ranked_candidates(store: Store) -> None:
    key = ConversationKey("slack", "C1", "1.0")
    ranked = [("translator", 0.91234), ("summarizer", 0.4)]
    await store.record_decision(
        key, agent="translator", rule="lexical", reason="r", score=0.91, candidates=ranked
    )
    record = await store.last_decision(key)
    assert record is not None
    assert record.candidates == (("translator", 0.9123), ("summarizer", 0.4))
