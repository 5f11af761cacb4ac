"""Token usage aggregation and channel bindings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from novabot.core.message import ConversationKey
from novabot.store import Store, UsageRow

ONE = ConversationKey("slack", "C1")
TWO = ConversationKey("slack", "C1", "T1")


async def test_usage_is_totalled_by_agent_and_model(store: Store) -> None:
    assert await store.usage() == []
    calls = [
        (ONE, "coder", "gpt-a", 10, 5),
        (ONE, "coder", "gpt-a", 20, 7),
        (ONE, "coder", "gpt-b", 1, 1),
        (TWO, "coder", "gpt-a", 100, 50),
        (TWO, "writer", "gpt-a", 3, 2),
    ]
    for key, agent, model, prompt, completion in calls:
        await store.record_usage(
            key, agent=agent, model=model, prompt_tokens=prompt, completion_tokens=completion
        )
    assert await store.usage() == [
        UsageRow("coder", "gpt-a", 3, 130, 62),
        UsageRow("coder", "gpt-b", 1, 1, 1),
        UsageRow("writer", "gpt-a", 1, 3, 2),
    ]
    assert await store.usage(ONE) == [
        UsageRow("coder", "gpt-a", 2, 30, 12),
        UsageRow("coder", "gpt-b", 1, 1, 1),
    ]
    assert await store.usage(TWO) == [
        UsageRow("coder", "gpt-a", 1, 100, 50),
        UsageRow("writer", "gpt-a", 1, 3, 2),
    ]
    assert await store.usage(ConversationKey("slack", "C2")) == []


async def test_bind_rebind_and_unbind_a_channel(store: Store) -> None:
    assert await store.channel_agent("slack", "C1") is None
    await store.bind_channel("slack", "C1", "coder")
    assert await store.channel_agent("slack", "C1") == "coder"
    await store.bind_channel("slack", "C1", "writer")  # upsert, not a duplicate-key error
    assert await store.channel_agent("slack", "C1") == "writer"
    assert await store.channel_agent("discord", "C1") is None
    assert await store.unbind_channel("slack", "C1") is True
    assert await store.unbind_channel("slack", "C1") is False
    assert await store.channel_agent("slack", "C1") is None


async def test_bindings_survive_reopen(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        await store.bind_channel("discord", "G1", "coder")
    async with await Store.open(db_path) as store:
        assert await store.channel_agent("discord", "G1") == "coder"


async def test_usage_since_a_time_leaves_earlier_calls_out(store: Store, db_path: Path) -> None:
    for key, agent in ((ONE, "coder"), (ONE, "writer"), (TWO, "coder")):
        await store.record_usage(key, agent=agent, model="m", prompt_tokens=4, completion_tokens=1)
    with sqlite3.connect(db_path) as conn:  # an old call, as if made last year
        conn.execute(
            "UPDATE token_usage SET created_at = '2024-03-01T09:00:00.000000+00:00'"
            " WHERE agent = 'writer'"
        )
    assert await store.usage(since=datetime(2024, 3, 1, 9, tzinfo=UTC)) == [
        UsageRow("coder", "m", 2, 8, 2),
        UsageRow("writer", "m", 1, 4, 1),
    ]
    later = datetime(2024, 3, 1, 9, 0, 1, tzinfo=UTC)
    assert await store.usage(since=later) == [UsageRow("coder", "m", 2, 8, 2)]
    assert await store.usage(ONE, since=later) == [UsageRow("coder", "m", 1, 4, 1)]
    # Another zone, the same moment: 10:00 in Paris in March is 09:00 UTC.
    paris = datetime(2024, 3, 1, 10, tzinfo=ZoneInfo("Europe/Paris"))
    assert [row.agent for row in await store.usage(ONE, since=paris)] == ["coder", "writer"]
    assert await store.usage(since=datetime.now(UTC) + timedelta(minutes=1)) == []
