"""The courier: every answer Nova posts goes through the outbox, once.

`post` records the answer (and its place in the history) before sending it, sends it,
and marks it sent. What a crash or a platform outage leaves pending, `flush` sends later:
at start, and whenever the recovery loop runs, checking the platform first for parts
that did go out (core/delivery.py).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Protocol

from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder, ResponderFor
from novabot.delivery.worker import Worker

log = logging.getLogger(__name__)


class OutboxStore(Protocol):
    async def record_post(
        self,
        ref: str,
        key: ConversationKey,
        text: str,
        *,
        owner: str,
        lease_s: float,
        agent: str | None = None,
        anchor: str | None = None,
        history: bool = True,
        tokens: int | None = None,
        answers: int | None = None,
    ) -> Post: ...

    async def mark_posted(self, post_id: int, platform_message_id: str) -> None: ...

    async def post_failed(self, post_id: int, error: str) -> bool: ...

    async def take_pending_posts(
        self,
        owner: str,
        lease_s: float,
        *,
        dead: Collection[str] = (),
        platforms: Collection[str] = (),
        limit: int = 100,
    ) -> list[Post]: ...


class Courier:
    """Posts answers through the outbox on behalf of this process (`worker`)."""

    def __init__(self, store: OutboxStore, worker: Worker) -> None:
        self.store = store
        self.worker = worker
        self._sending: set[int] = set()

    async def post(
        self,
        ref: str,
        responder: Responder,
        key: ConversationKey,
        text: str,
        *,
        agent: str | None = None,
        anchor: str | None = None,
        tokens: int | None = None,
        answers: int | None = None,
    ) -> bool:
        """Record `text` as the post `ref` (and as the assistant's turn in `key`'s history),
        then send it. False if sending failed: it stays in the outbox for `flush`."""
        post = await self.store.record_post(
            ref,
            key,
            text,
            owner=self.worker.owner,
            lease_s=self.worker.lease_s,
            agent=agent,
            anchor=anchor,
            tokens=tokens,
            answers=answers,
        )
        return post.sent or await self.send(post, responder)

    async def send(self, post: Post, responder: Responder) -> bool:
        if post.id in self._sending:
            return False  # another task of ours is sending it right now
        self._sending.add(post.id)
        try:
            message_id = await responder.deliver(post)
        except Exception as exc:
            gave_up = await self.store.post_failed(post.id, f"{type(exc).__name__}: {exc}")
            log.warning(
                "could not post answer %d in %s (%s); %s",
                post.id,
                post.key,
                exc,
                "giving up" if gave_up else "it stays in the outbox to be sent again",
            )
            return False
        finally:
            self._sending.discard(post.id)
        await self.store.mark_posted(post.id, message_id)
        return True

    async def flush(self, responder_for: ResponderFor, platforms: Collection[str]) -> int:
        """Send what is pending and held by nobody alive, on `platforms`; how many went."""
        dead = await self.worker.dead_owners()
        posts = await self.store.take_pending_posts(
            self.worker.owner, self.worker.lease_s, dead=dead, platforms=platforms
        )
        sent = 0
        for post in posts:
            responder = responder_for(post.key)
            if responder is not None and await self.send(post, responder):
                sent += 1
        return sent
