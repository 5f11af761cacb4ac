"""The courier: a post that fails stays in the outbox and goes out later, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from novabot.delivery.courier import Courier
from novabot.delivery.worker import Worker
from novabot.store import Store
from tests.helpers import RecordingResponder

KEY = ConversationKey("slack", "C1", "1.0")


class FlakyResponder(RecordingResponder):
    """A platform that is down for the first `failures` posts."""

    def __init__(self, failures: int) -> None:
        super().__init__(KEY)
        self.failures = failures
        self.posts: list[Post] = []

    async def deliver(self, post: Post) -> str:
        self.posts.append(post)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform down")
        await self.say(post.text, agent=post.agent)
        return f"ts-{post.id}"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "nova.db") as opened:
        yield opened


async def test_a_post_is_recorded_sent_and_marked(store: Store) -> None:
    courier = Courier(store, Worker(store, lease_s=30))
    responder = FlakyResponder(failures=0)
    assert await courier.post("answer:1", responder, KEY, "hello", agent="chat")
    assert await courier.post("answer:1", responder, KEY, "hello", agent="chat")  # once
    assert responder.said == [("chat", "hello")]
    assert await store.post_state("answer:1") == "sent"
    [kept] = await store.history(KEY)
    assert (kept.role, kept.content) == ("assistant", "hello")


async def test_a_failed_post_is_sent_by_the_next_flush_with_a_recheck(store: Store) -> None:
    courier = Courier(store, Worker(store, lease_s=30))
    responder = FlakyResponder(failures=1)
    assert not await courier.post("answer:1", responder, KEY, "hello")
    assert await store.post_state("answer:1") == "pending"
    assert await courier.flush(lambda key: responder, ["slack"]) == 1
    assert responder.said == [(None, "hello")]
    assert [post.recheck for post in responder.posts] == [False, True]
    assert await courier.flush(lambda key: responder, ["slack"]) == 0


async def test_a_post_nobody_can_reach_stays_pending(store: Store) -> None:
    courier = Courier(store, Worker(store, lease_s=30))
    assert not await courier.post("answer:1", FlakyResponder(failures=9), KEY, "hello")
    assert await courier.flush(lambda key: None, ["slack"]) == 0
    assert await store.post_state("answer:1") == "pending"
