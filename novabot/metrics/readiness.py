"""Readiness for `/readyz`: can this `nova run` answer right now?

Ready means the database takes writes, every adapter is connected, and the LLM endpoint
answered its last check. The endpoint is asked at most every `ENDPOINT_EVERY_S` (a probe
every few seconds from an orchestrator must not become load on the model).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from novabot.ops.health import EndpointHealth

ENDPOINT_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


class WritableStore(Protocol):
    async def takes_writes(self) -> bool: ...


class Connectable(Protocol):
    """An adapter as readiness sees it: connected (or listening) once started."""

    @property
    def description(self) -> str: ...

    @property
    def started(self) -> bool: ...


class EndpointWatch:
    """The LLM endpoint's health as of its last check; a check older than `every_s` is
    made again when next asked (so probes never ask the model more often than that)."""

    def __init__(
        self,
        check: Callable[[], Awaitable[EndpointHealth]],
        every_s: float = ENDPOINT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self.every_s = every_s
        self._clock = clock
        self._last: tuple[float, EndpointHealth] | None = None
        self._lock = asyncio.Lock()

    async def health(self) -> EndpointHealth:
        async with self._lock:  # probes arriving together share one check
            if self._last is None or self._clock() - self._last[0] >= self.every_s:
                self._last = (self._clock(), await self._check())
            return self._last[1]


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
            up = adapter.started
            checks.append(Check(adapter.description, up, "connected" if up else "not connected"))
        endpoint = await self.endpoint.health()
        checks.append(Check("llm endpoint", endpoint.up, endpoint.detail))
        return checks
