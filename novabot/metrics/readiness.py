"""Readiness for `/readyz`: can this `nova run` answer right now?

Ready means the database takes writes, every adapter is connected, and the LLM endpoint
answered its last check. The endpoint is asked in the background every `ENDPOINT_EVERY_S`
(a probe every few seconds from an orchestrator must not become load on the model), so
`/readyz` itself only reads what is known and answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from novabot.ops.health import EndpointHealth

log = logging.getLogger(__name__)

ENDPOINT_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


class WritableStore(Protocol):
    async def takes_writes(self) -> bool: ...


class Connectable(Protocol):
    """An adapter as readiness sees it."""

    @property
    def description(self) -> str: ...

    @property
    def connected(self) -> bool: ...


class EndpointWatch:
    """The LLM endpoint's health as of its last check, checked again every `every_s`."""

    def __init__(self, check: Callable[[], Awaitable[EndpointHealth]], every_s: float) -> None:
        self._check = check
        self.every_s = every_s
        self.last: EndpointHealth | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.refresh()  # known before the first probe comes
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self) -> None:
        self.last = await self._check()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await self.refresh()
            except Exception:  # a failed check is a result, never the end of the watch
                log.exception("the endpoint check failed")


class Readiness:
    def __init__(
        self, store: WritableStore, adapters: Sequence[Connectable], endpoint: EndpointWatch
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.endpoint = endpoint

    async def checks(self) -> list[Check]:
        writable = await self.store.takes_writes()
        checks = [Check("database", writable, "takes writes" if writable else "refuses writes")]
        for adapter in self.adapters:
            up = adapter.connected
            checks.append(Check(adapter.description, up, "connected" if up else "not connected"))
        last = self.endpoint.last
        if last is None:
            checks.append(Check("llm endpoint", False, "not checked yet"))
        else:
            checks.append(Check("llm endpoint", last.up, last.detail))
        return checks
