"""The dashboard's reads: activity per day and agent, conversations with decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from novabot.core.message import ConversationKey
from novabot.store import Store
from novabot.store.activity import NO_AGENT
from tests.store.digest_seed import date

KEY = ConversationKey("slack", "C1", "t1")
OTHER = ConversationKey("discord", "D1")


async def test_activity_counts_messages_by_routed_agent_answers_and_errors(store: Store) -> None:
    routed = await store.add_message(KEY, "user", "hi")
    await store.record_decision(
        KEY, agent="chat", rule="semantic", reason="r", score=0.9, message_id=routed
    )
    await store.add_message(KEY, "user", "/nova help")  # a command: routed nowhere
    await store.add_message(KEY, "assistant", "hello", agent="chat")
    run = await store.create_run(KEY, "t", "{}", [("a", "writer", "do a", [])])
    await store.start_step(run, "a")
    await store.fail_step(run, "a", "boom")
    old = await store.add_message(OTHER, "user", "long ago")
    date(store.path, "messages", old, created_at=datetime.now(UTC) - timedelta(days=40))

    counts = await store.activity_by_day(datetime.now(UTC) - timedelta(days=1))
    today = datetime.now(UTC).date().isoformat()
    found = {(c.kind, c.agent): c.count for c in counts}
    assert found == {
        ("messages", "chat"): 1,
        ("messages", NO_AGENT): 1,
        ("answers", "chat"): 1,
        ("errors", "writer"): 1,
    }
    assert {c.day for c in counts} == {today}


async def test_tokens_by_day_keep_agents_and_models_apart(store: Store) -> None:
    for agent, model, tokens in (("chat", "m1", 10), ("chat", "m1", 5), ("chat", "m2", 7)):
        await store.record_usage(
            KEY, agent=agent, model=model, prompt_tokens=tokens, completion_tokens=1
        )
    rows = await store.tokens_by_day(datetime.now(UTC) - timedelta(days=1))
    assert [(r.agent, r.model, r.prompt_tokens, r.completion_tokens) for r in rows] == [
        ("chat", "m1", 15, 2),
        ("chat", "m2", 7, 1),
    ]


async def test_conversations_list_newest_first_and_filter_by_platform(store: Store) -> None:
    await store.add_message(KEY, "user", "first")
    await store.add_message(OTHER, "user", "second")
    every = await store.conversation_list()
    assert [c.platform for c in every] == ["discord", "slack"]
    assert [c.channel_id for c in await store.conversation_list(platform="slack")] == ["C1"]
    assert await store.conversation_platforms() == ["discord", "slack"]
    assert await store.conversation_summary(999) is None


async def test_turns_carry_their_decision_with_the_runner_up_and_knowledge(store: Store) -> None:
    await store.create_project("p")
    item = await store.add_knowledge("p", "rule", "A rule", "body")
    message = await store.add_message(KEY, "user", "question", user_name="dana")
    await store.record_decision(
        KEY, agent="erp", rule="semantic", reason="r", score=0.7, message_id=message,
        candidates=[("erp", 0.7), ("chat", 0.3)], knowledge_ids=[item.id],
    )  # fmt: skip
    await store.add_message(KEY, "assistant", "answer", agent="erp")
    conversation = (await store.conversation_list())[0].id
    question, answer = await store.conversation_turns(conversation)
    assert question.decision is not None
    assert question.decision.runner_up == ("chat", 0.3)
    assert question.decision.knowledge_ids == (item.id,)
    assert answer.decision is None and answer.agent == "erp"
    assert await store.knowledge_titles([item.id, 999]) == {item.id: "A rule"}
