"""The inbox as the bot core uses it: take a message, note its progress, settle it.

The store keeps the rows (store/inbox.py); this adds who is asking (the worker) and who
is dead, and the responder that records where an answer is being streamed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from novabot.core.message import Message
from novabot.core.responder import Responder, ResponderProxy, Stream
from novabot.delivery.worker import Worker
from novabot.store.inbox import InboxEntry


class InboxStore(Protocol):
    async def take_inbound(
        self, message: Message, owner: str, lease_s: float, *, dead: Collection[str] = ()
    ) -> InboxEntry | None: ...

    async def adopt_orphans(
        self,
        owner: str,
        lease_s: float,
        *,
        dead: Collection[str] = (),
        platforms: Collection[str] = (),
        limit: int = 100,
    ) -> list[InboxEntry]: ...

    async def store_inbound(self, inbox_id: int) -> int: ...

    async def note_reply_handle(self, inbox_id: int, handle: str) -> None: ...

    async def settle_inbound(self, inbox_id: int, state: str) -> None: ...


class Inbox:
    def __init__(self, store: InboxStore, worker: Worker) -> None:
        self.store = store
        self.worker = worker

    async def take(self, message: Message) -> InboxEntry | None:
        """The message to answer now; None when it is answered or being answered."""
        dead = await self.worker.dead_owners()
        return await self.store.take_inbound(
            message, self.worker.owner, self.worker.lease_s, dead=dead
        )

    async def orphans(self, platforms: Collection[str]) -> list[InboxEntry]:
        """Open messages on `platforms` that a dead or silent process left unanswered."""
        dead = await self.worker.dead_owners()
        return await self.store.adopt_orphans(
            self.worker.owner, self.worker.lease_s, dead=dead, platforms=platforms
        )

    async def stored(self, entry: InboxEntry) -> int:
        return await self.store.store_inbound(entry.id)

    async def settle(self, entry: InboxEntry, state: str) -> None:
        await self.store.settle_inbound(entry.id, state)

    def responder(self, entry: InboxEntry, responder: Responder) -> HeldResponder:
        return HeldResponder(responder, entry, self.store)


class HeldResponder(ResponderProxy):
    """What an agent answers an inbox entry through: its stream keeps the final text back
    for the outbox, and records (or reuses) the message the answer streams into."""

    def __init__(self, inner: Responder, entry: InboxEntry, store: InboxStore) -> None:
        super().__init__(inner)
        self.entry = entry
        self.store = store
        self.placeholder: str | None = entry.reply_handle

    def stream(self, *, agent: str | None = None) -> Stream:
        return self.inner.held_stream(
            agent=agent, anchor=self.placeholder, on_placeholder=self._placed
        )

    async def _placed(self, handle: str) -> None:
        self.placeholder = handle
        await self.store.note_reply_handle(self.entry.id, handle)
