"""Messages: ordering, limits, per-thread isolation, last agent, conversation rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store

CHANNEL = ConversationKey("slack", "C1")
THREAD_A = ConversationKey("slack", "C1", "1700000000.0001")
THREAD_B = ConversationKey("slack", "C1", "1700000000.0002")


async def test_history_is_oldest_first_and_limited_to_the_most_recent(store: Store) -> None:
    ids = [await store.add_message(CHANNEL, "user", f"m{i}") for i in range(5)]
    assert ids == sorted(ids)
    assert [m.content for m in await store.history(CHANNEL)] == ["m0", "m1", "m2", "m3", "m4"]
    assert [m.content for m in await store.history(CHANNEL, limit=3)] == ["m2", "m3", "m4"]
    assert [m.id for m in await store.history(CHANNEL, limit=3)] == ids[2:]
    assert await store.history(CHANNEL, limit=0) == []


async def test_message_fields_round_trip(store: Store) -> None:
    message_id = await store.add_message(
        CHANNEL, "assistant", "done", agent="coder", user_id="U1", user_name="Ann", tokens=42
    )
    [message] = await store.history(CHANNEL)
    assert (message.id, message.role, message.content, message.agent) == (
        message_id,
        "assistant",
        "done",
        "coder",
    )
    assert (message.user_id, message.user_name, message.tokens) == ("U1", "Ann", 42)
    assert message.created_at.tzinfo is not None
    assert message.created_at.utcoffset() == UTC.utcoffset(None)


async def test_threads_and_the_channel_itself_are_separate_conversations(
    store: Store, db_path: Path, count_rows: Callable[[str], int]
) -> None:
    await store.add_message(CHANNEL, "user", "top level")
    await store.add_message(THREAD_A, "user", "in A")
    await store.add_message(THREAD_B, "user", "in B")
    await store.add_message(THREAD_A, "user", "in A again")
    await store.add_message(ConversationKey("discord", "C1"), "user", "other platform")

    assert [m.content for m in await store.history(CHANNEL)] == ["top level"]
    assert [m.content for m in await store.history(THREAD_A)] == ["in A", "in A again"]
    assert [m.content for m in await store.history(THREAD_B)] == ["in B"]
    assert count_rows("conversations") == 4
    with sqlite3.connect(db_path) as conn:
        threads = {row[0] for row in conn.execute("SELECT thread_id FROM conversations")}
    assert "" in threads and None not in threads  # no-thread is stored as ''


async def test_reads_for_unknown_keys_create_nothing(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    assert await store.history(THREAD_A) == []
    assert await store.last_agent(THREAD_A) is None
    assert await store.last_decision(THREAD_A) is None
    assert await store.usage(THREAD_A) == []
    assert count_rows("conversations") == 0


async def test_updated_at_is_bumped_on_each_message(store: Store, db_path: Path) -> None:
    def stamps() -> tuple[str, str]:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("SELECT created_at, updated_at FROM conversations").fetchone()

    await store.add_message(CHANNEL, "user", "one")
    created, first_update = stamps()
    await store.add_message(CHANNEL, "user", "two")
    created_again, second_update = stamps()
    assert created == created_again == first_update
    assert second_update > first_update


async def test_last_agent_follows_the_latest_assistant_message(store: Store) -> None:
    assert await store.last_agent(CHANNEL) is None
    await store.add_message(CHANNEL, "user", "hi")
    assert await store.last_agent(CHANNEL) is None
    await store.add_message(CHANNEL, "assistant", "hello", agent="greeter")
    await store.add_message(CHANNEL, "user", "write code")
    assert await store.last_agent(CHANNEL) == "greeter"
    await store.add_message(CHANNEL, "assistant", "here", agent="coder")
    assert await store.last_agent(CHANNEL) == "coder"
    assert await store.last_agent(THREAD_A) is None


async def test_unknown_role_is_rejected_before_writing(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    with pytest.raises(ValueError, match="role"):
        await store.add_message(CHANNEL, "robot", "beep")
    assert count_rows("conversations") == 0
