"""The operations reads: usage grouped for reports, runs by status, the outbox per platform."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store
from novabot.store.ops import UsageGroup

C1 = ConversationKey("slack", "C1")
C1_THREAD = ConversationKey("slack", "C1", "T1")
C2 = ConversationKey("discord", "42")
TERMINAL = ConversationKey("cli", "main", "airep-work")
OLD = "2024-03-01T09:00:00.000000+00:00"


async def seed(store: Store, db_path: Path) -> None:
    calls = [
        (C1, "chat", "gpt-a", 100, 10),
        (C1_THREAD, "chat", "gpt-b", 50, 5),
        (C1_THREAD, "summarizer", "gpt-a", 200, 20),
        (C2, "chat", "local", 1000, 100),
        (TERMINAL, "project", "gpt-a", 7, 3),
    ]
    for key, agent, model, prompt, completion in calls:
        await store.record_usage(
            key, agent=agent, model=model, prompt_tokens=prompt, completion_tokens=completion
        )
    # One more chat call in C1, as if made long ago.
    await store.record_usage(C1, agent="chat", model="gpt-a", prompt_tokens=1, completion_tokens=1)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE token_usage SET created_at = ? WHERE id = 6", (OLD,))


async def test_usage_grouped_by_agent_keeps_models_apart(store: Store, db_path: Path) -> None:
    await seed(store, db_path)
    assert await store.usage_groups("agent") == [
        UsageGroup("chat", "gpt-a", 2, 101, 11),
        UsageGroup("chat", "gpt-b", 1, 50, 5),
        UsageGroup("chat", "local", 1, 1000, 100),
        UsageGroup("project", "gpt-a", 1, 7, 3),
        UsageGroup("summarizer", "gpt-a", 1, 200, 20),
    ]


async def test_usage_since_a_time_and_by_day(store: Store, db_path: Path) -> None:
    await seed(store, db_path)
    recent = await store.usage_groups("agent", since=datetime(2025, 1, 1, tzinfo=UTC))
    assert UsageGroup("chat", "gpt-a", 1, 100, 10) in recent
    days = {row.group for row in await store.usage_groups("day")}
    assert days == {"2024-03-01", datetime.now(UTC).strftime("%Y-%m-%d")}


async def test_usage_by_channel_covers_threads_and_one_channel_only(
    store: Store, db_path: Path
) -> None:
    await seed(store, db_path)
    by_channel = await store.usage_groups("channel")
    assert {(r.group, r.model, r.calls) for r in by_channel} == {
        ("slack:C1", "gpt-a", 3),
        ("slack:C1", "gpt-b", 1),
        ("discord:42", "local", 1),
        ("cli:main", "gpt-a", 1),
    }
    mine = await store.usage_groups("agent", channel=("slack", "C1"))
    assert {r.group for r in mine} == {"chat", "summarizer"}  # the thread's calls count
    assert await store.usage_groups("agent", channel=("slack", "C9")) == []


async def test_usage_by_project_follows_the_bindings(store: Store, db_path: Path) -> None:
    await seed(store, db_path)
    await store.create_project("shop")
    await store.create_project("airep")
    await store.bind_project("slack", "C1", "shop")
    await store.bind_project("cli", "airep-work", "airep")  # a terminal thread, bound by name
    totals: dict[str, int] = {}
    for row in await store.usage_groups("project"):
        totals[row.group] = totals.get(row.group, 0) + row.calls
    assert totals == {"shop": 4, "airep": 1, "": 1}  # "": no project (discord:42)


async def test_an_unknown_grouping_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="cannot group usage by 'user'"):
        await store.usage_groups("user")


async def test_runs_by_status_and_counts(store: Store) -> None:
    steps = [("a", "chat", "do it", [])]
    done = await store.create_run(C1, "finished task", "{}", steps)
    await store.start_step(done, "a")
    await store.finish_step(done, "a", "ok", prompt_tokens=1, completion_tokens=1)
    await store.set_run_status(done, "done")
    failed = await store.create_run(C1_THREAD, "broken task", "{}", steps)
    await store.start_step(failed, "a")
    await store.fail_step(failed, "a", "boom")
    await store.set_run_status(failed, "failed")
    running = await store.create_run(C2, "long task", "{}", steps)
    await store.start_step(running, "a")
    pending = await store.create_run(C1, "waiting task", "{}", steps)

    assert await store.run_status_counts() == {"done": 1, "failed": 1, "running": 1, "pending": 1}
    assert await store.run_status_counts(channel=("slack", "C1")) == {
        "done": 1,
        "failed": 1,
        "pending": 1,
    }
    unfinished = await store.runs_with_status(("pending", "running"))
    assert [run.id for run in unfinished] == [pending, running]  # newest first
    [only] = await store.runs_with_status(("failed",), channel=("slack", "C1"))
    assert only.id == failed and only.steps[0].error == "boom"
    assert await store.runs_with_status(("failed",), channel=("discord", "42")) == []
    assert [r.id for r in await store.runs_with_status(("pending", "running"), limit=1)] == [
        pending
    ]


async def test_post_queues_count_pending_and_failed_per_platform(
    store: Store, db_path: Path
) -> None:
    assert await store.post_queues() == []
    with sqlite3.connect(db_path) as conn:
        for ref, platform, state in [
            ("a", "slack", "pending"),
            ("b", "slack", "failed"),
            ("c", "slack", "sent"),
            ("d", "discord", "sent"),
        ]:
            conn.execute(
                "INSERT INTO outbox (ref, platform, channel_id, text, state, created_at)"
                " VALUES (?, ?, 'C1', 'hi', ?, ?)",
                (ref, platform, state, OLD),
            )
    [slack] = await store.post_queues()
    assert (slack.platform, slack.pending, slack.failed) == ("slack", 1, 1)
    assert slack.oldest_pending == datetime(2024, 3, 1, 9, tzinfo=UTC)
