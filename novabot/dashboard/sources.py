"""What the dashboard's pages read, handed in by the composition (adapters/serve.py):
the store, the agents' cards and thresholds, the price table, the scope lint, a clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from novabot.agents.cards import ScopeCard
from novabot.ops.prices import NO_PRICES, PriceError, PriceTable
from novabot.routing.quality.lint import LintReport
from novabot.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


class LintOnce:
    """The scope lint of the running cards, measured at the first look and kept: the
    cards cannot change while Nova runs, and embedding every example takes a second."""

    def __init__(self, measure: Callable[[], LintReport]) -> None:
        self._measure = measure
        self._report: asyncio.Task[LintReport] | None = None

    async def report(self) -> LintReport:
        if self._report is None:
            self._report = asyncio.ensure_future(asyncio.to_thread(self._measure))
        return await asyncio.shield(self._report)


@dataclass(frozen=True)
class Sources:
    store: Store
    cards: Sequence[ScopeCard]
    """The routable agents' cards."""
    threshold_for: Callable[[str], float]
    prices: Callable[[], PriceTable]
    lint: LintOnce
    schedules_changed: Callable[[], Awaitable[None]]
    """Tell the running scheduler that the table changed (a proposal confirmed)."""
    clock: Callable[[], datetime] = field(default=utc_now)

    def price_table(self) -> PriceTable:
        try:
            return self.prices()
        except PriceError:  # costs show as 0; `nova usage` names the fault in the file
            return NO_PRICES


SOURCES = web.AppKey("sources", Sources)


def sources_of(request: web.Request) -> Sources:
    return request.app[SOURCES]
