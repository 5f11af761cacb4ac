"""Recovery: finish what a stopped or dead process left, without waiting for a platform.

At start, and then every half lease, a live `nova run` sends the outbox's pending posts,
answers the inbox's open messages whose owner is gone, and resumes pipeline runs no live
process holds, in the conversations of the platforms it is connected to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from novabot.core.responder import Responder, ResponderFor
from novabot.delivery.courier import Courier
from novabot.delivery.inbox import Inbox
from novabot.store.inbox import InboxEntry

log = logging.getLogger(__name__)


class Answerer(Protocol):
    async def answer_again(self, entry: InboxEntry, responder: Responder) -> object: ...


class Resumer(Protocol):
    async def resume_all(self, responder_for: ResponderFor) -> list[int]: ...


@dataclass(frozen=True)
class Sweep:
    posted: int
    answering: int
    resumed: list[int]


class Recovery:
    def __init__(
        self,
        bot: Answerer,
        inbox: Inbox,
        courier: Courier,
        pipelines: Resumer,
        responder_for: ResponderFor,
        platforms: Collection[str],
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.courier = courier
        self.pipelines = pipelines
        self.responder_for = responder_for
        self.platforms = set(platforms)
        self._answers: set[asyncio.Task[object]] = set()

    async def sweep(self) -> Sweep:
        posted = await self.courier.flush(self.responder_for, self.platforms)
        answering = 0
        for entry in await self.inbox.orphans(self.platforms):
            responder = self.responder_for(entry.message.key)
            if responder is None:  # a conversation the platform no longer shows us
                log.warning("cannot answer %s again: no way to reach it", entry.message.key)
                await self.inbox.settle(entry, "failed")
                continue
            log.info("answering %s from the inbox (attempt %d)", entry.message.key, entry.attempts)
            self._spawn(self.bot.answer_again(entry, responder))
            answering += 1
        resumed = await self.pipelines.resume_all(self.responder_for)
        return Sweep(posted, answering, resumed)

    async def run_forever(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                sweep = await self.sweep()
            except Exception:
                log.exception("recovery sweep failed; trying again in %.0fs", interval_s)
                continue
            if sweep.posted or sweep.answering or sweep.resumed:
                log.info("recovered: %s", sweep)

    def _spawn(self, answer: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(answer)
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)
