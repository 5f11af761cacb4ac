"""The inbox, the outbox and the leases, on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey, Message
from novabot.store import Store

KEY = ConversationKey("slack", "C1", "1.0")
ME, OTHER = "host:1:aa", "host:2:bb"


def message(event_id: str = "Ev1", text: str = "hello") -> Message:
    return Message(KEY, text, user_id="U1", user_name="Ann", event_id=event_id)


def expire_leases(db_path: Path, table: str = "inbox") -> None:
    """Age every lease as the clock would, from another connection."""
    with sqlite3.connect(db_path) as db:
        db.execute(f"UPDATE {table} SET lease_expires_at = '2020-01-01T00:00:00.000000+00:00'")


async def test_a_message_is_taken_once_while_its_owner_lives(store: Store) -> None:
    entry = await store.take_inbound(message(), ME, 30)
    assert entry is not None and entry.attempts == 1 and not entry.retried
    assert entry.message.text == "hello" and entry.message.key == KEY
    assert await store.take_inbound(message(), OTHER, 30) is None  # a platform retry
    assert await store.take_inbound(message(), ME, 30) is None  # also for its own owner
    other_platform = Message(ConversationKey("discord", "1"), "hi", user_id="U", event_id="Ev1")
    assert await store.take_inbound(other_platform, ME, 30) is not None


async def test_taking_is_atomic_under_concurrency(store: Store) -> None:
    results = await asyncio.gather(*(store.take_inbound(message(), ME, 30) for _ in range(50)))
    assert sum(result is not None for result in results) == 1


async def test_a_dead_owners_message_is_taken_over_with_what_it_left(store: Store) -> None:
    entry = await store.take_inbound(message(), OTHER, 30)
    assert entry is not None
    message_id = await store.store_inbound(entry.id)
    await store.note_reply_handle(entry.id, "1700.5")
    again = await store.take_inbound(message(), ME, 30, dead={OTHER})
    assert again is not None and again.retried
    assert (again.message_id, again.reply_handle, again.state) == (
        message_id,
        "1700.5",
        "answering",
    )
    # Stored once, however many attempts.
    assert await store.store_inbound(again.id) == message_id
    assert [m.content for m in await store.history(KEY)] == ["hello"]


async def test_an_expired_lease_is_taken_over(store: Store, db_path: Path) -> None:
    assert await store.take_inbound(message(), OTHER, 30) is not None
    expire_leases(db_path)
    assert await store.take_inbound(message(), ME, 30) is not None


async def test_settled_messages_are_never_taken_again(store: Store, db_path: Path) -> None:
    for event_id, state in (("a", "answered"), ("f", "failed")):
        entry = await store.take_inbound(message(event_id), OTHER, 30)
        assert entry is not None
        await store.settle_inbound(entry.id, state)
    expire_leases(db_path)
    for event_id in ("a", "f"):
        assert await store.take_inbound(message(event_id), ME, 30, dead={OTHER}) is None
    assert await store.adopt_orphans(ME, 30, dead={OTHER}, platforms=["slack"]) == []
    with pytest.raises(ValueError, match="state"):
        await store.settle_inbound(1, "answering")


async def test_orphans_are_adopted_oldest_first_on_the_platforms_asked(store: Store) -> None:
    for event_id in ("Ev1", "Ev2"):
        await store.take_inbound(message(event_id), OTHER, 30)
    discord = Message(ConversationKey("discord", "9"), "yo", user_id="U", event_id="Ev3")
    await store.take_inbound(discord, OTHER, 30)
    await store.take_inbound(message("Ev4"), ME, 30)  # ours, alive: not an orphan
    assert await store.adopt_orphans(ME, 30, platforms=["slack"]) == []  # OTHER still lives
    adopted = await store.adopt_orphans(ME, 30, dead={OTHER}, platforms=["slack"])
    assert [entry.message.event_id for entry in adopted] == ["Ev1", "Ev2"]
    assert all(entry.attempts == 2 for entry in adopted)
    assert await store.adopt_orphans(ME, 30, dead={OTHER}, platforms=["slack"]) == []


async def test_prune_forgets_only_old_settled_messages(
    store: Store, db_path: Path, count_rows: Callable[[str], int]
) -> None:
    for event_id in ("old", "new", "open"):
        entry = await store.take_inbound(message(event_id), ME, 30)
        assert entry is not None
        if event_id != "open":
            await store.settle_inbound(entry.id, "answered")
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE inbox SET received_at = '2020-01-01T00:00:00.000000+00:00'"
                   " WHERE event_id IN ('old', 'open')")  # fmt: skip
    assert await store.prune_inbox(timedelta(days=7)) == 1
    assert count_rows("inbox") == 2
    assert await store.take_inbound(message("old"), ME, 30) is not None  # forgotten


async def test_recording_a_post_stores_the_answer_and_settles_the_message(
    store: Store,
) -> None:
    entry = await store.take_inbound(message(), ME, 30)
    assert entry is not None
    post = await store.record_post(
        "answer:1", KEY, "hi there", owner=ME, lease_s=30, agent="chat", anchor="17.0",
        tokens=3, answers=entry.id,
    )  # fmt: skip
    assert (post.text, post.agent, post.anchor, post.sent, post.recheck) == (
        "hi there", "chat", "17.0", False, False,
    )  # fmt: skip
    assert post.tag(2) == f"nova-{post.id}-2"
    assert await store.inbox_state("slack", "Ev1") == "answered"
    [answer] = await store.history(KEY)
    assert (answer.role, answer.content, answer.agent, answer.tokens) == (
        "assistant", "hi there", "chat", 3,
    )  # fmt: skip
    # The same ref again is the same post, and adds nothing to the history.
    again = await store.record_post("answer:1", KEY, "other", owner=ME, lease_s=30)
    assert again.id == post.id and again.text == "hi there" and again.recheck
    assert len(await store.history(KEY)) == 1
    await store.mark_posted(post.id, "18.0")
    assert (await store.record_post("answer:1", KEY, "x", owner=ME, lease_s=30)).sent
    assert await store.post_state("answer:1") == "sent"


async def test_pending_posts_are_taken_over_with_a_recheck(store: Store, db_path: Path) -> None:
    first = await store.record_post("a", KEY, "one", owner=OTHER, lease_s=30)
    second = await store.record_post("b", KEY, "two", owner=OTHER, lease_s=30)
    await store.mark_posted(second.id, "1")
    assert await store.take_pending_posts(ME, 30, platforms=["slack"]) == []
    taken = await store.take_pending_posts(ME, 30, dead={OTHER}, platforms=["slack"])
    assert [(post.id, post.recheck) for post in taken] == [(first.id, True)]
    assert await store.take_pending_posts(OTHER, 30, platforms=["slack"]) == []  # ours now
    assert await store.take_pending_posts(ME, 30, platforms=["discord"]) == []


async def test_a_post_that_keeps_failing_is_given_up(store: Store) -> None:
    post = await store.record_post("a", KEY, "one", owner=ME, lease_s=30)
    outcomes = [await store.post_failed(post.id, "HTTP 500") for _ in range(5)]
    assert outcomes == [False, False, False, False, True]
    assert await store.post_state("a") == "failed"
    assert await store.take_pending_posts(ME, 30, platforms=["slack"]) == []


async def test_a_run_is_held_by_one_live_owner(store: Store, db_path: Path) -> None:
    run_id = await store.create_run(KEY, "task", "{}", [("a", "chat", "do", [])])
    assert await store.lease_run(run_id, OTHER, 30)
    assert await store.lease_run(run_id, OTHER, 30)  # again, by its holder
    assert not await store.lease_run(run_id, ME, 30)
    assert await store.lease_run(run_id, ME, 30, dead={OTHER})
    await store.release_run(run_id, OTHER)  # not its holder any more: no effect
    assert not await store.lease_run(run_id, OTHER, 30)
    await store.release_run(run_id, ME)
    assert await store.lease_run(run_id, OTHER, 30)


async def test_a_heartbeat_extends_every_lease_and_retiring_lets_them_go(
    store: Store, db_path: Path
) -> None:
    await store.register_worker(OTHER, "host", 2)
    await store.take_inbound(message(), OTHER, 30)
    await store.record_post("a", KEY, "one", owner=OTHER, lease_s=30)
    run_id = await store.create_run(KEY, "task", "{}", [("a", "chat", "do", [])])
    assert await store.lease_run(run_id, OTHER, 30)
    for table in ("inbox", "outbox", "pipeline_runs"):
        expire_leases(db_path, table)
    await store.heartbeat(OTHER, 30)
    assert await store.adopt_orphans(ME, 30, platforms=["slack"]) == []
    assert await store.take_pending_posts(ME, 30, platforms=["slack"]) == []
    assert not await store.lease_run(run_id, ME, 30)
    [worker] = await store.workers()
    assert (worker.owner, worker.host, worker.pid) == (OTHER, "host", 2)
    await store.retire_worker(OTHER)
    assert await store.workers() == []
    assert len(await store.adopt_orphans(ME, 30, platforms=["slack"])) == 1
    assert len(await store.take_pending_posts(ME, 30, platforms=["slack"])) == 1
    assert await store.lease_run(run_id, ME, 30)
