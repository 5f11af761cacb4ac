"""The overview: messages, answers, errors and tokens/cost per day and per agent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from novabot.dashboard.charts import bar_chart
from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.ops.prices import PriceTable
from novabot.store.activity import DayCount, DayTokens

DAYS = 14

Series = dict[str, list[float]]
"""Per agent, one value per day."""


@dataclass
class AgentTotals:
    agent: str
    messages: int = 0
    answers: int = 0
    errors: int = 0
    tokens: int = 0
    cost: float = 0.0


async def overview(request: web.Request) -> web.Response:
    sources = sources_of(request)
    days = day_labels(sources.clock(), DAYS)
    since = datetime.fromisoformat(days[0]).replace(tzinfo=sources.clock().tzinfo)
    counts = await sources.store.activity_by_day(since)
    tokens = await sources.store.tokens_by_day(since)
    prices = sources.price_table()
    charts = draw_charts(counts, tokens, days, prices)
    totals = agent_totals(counts, tokens, prices)
    return render(request, "overview.html", charts=charts, totals=totals, days=DAYS)


def draw_charts(
    counts: list[DayCount], tokens: list[DayTokens], days: list[str], prices: PriceTable
) -> list[str]:
    def counted(kind: str) -> str:
        series = count_series(counts, kind, days)
        return bar_chart(days, series, title=kind.capitalize(), unit=kind, counts=True)

    used = token_series(tokens, days)
    spent = cost_series(tokens, days, prices)
    return [
        counted("messages"),
        counted("answers"),
        counted("errors"),
        bar_chart(days, used, title="Tokens", unit="tokens", counts=True),
        bar_chart(days, spent, title="Cost", unit="USD"),
    ]


def day_labels(now: datetime, count: int) -> list[str]:
    """The last `count` UTC days, oldest first, today last."""
    today = now.date()
    return [(today - timedelta(days=back)).isoformat() for back in range(count - 1, -1, -1)]


def count_series(counts: Iterable[DayCount], kind: str, days: list[str]) -> Series:
    return _series(((c.day, c.agent, c.count) for c in counts if c.kind == kind), days)


def token_series(tokens: Iterable[DayTokens], days: list[str]) -> Series:
    return _series(((t.day, t.agent, t.prompt_tokens + t.completion_tokens) for t in tokens), days)


def cost_series(tokens: Iterable[DayTokens], days: list[str], prices: PriceTable) -> Series:
    return _series(((t.day, t.agent, _cost(t, prices)) for t in tokens), days)


def agent_totals(
    counts: Iterable[DayCount], tokens: Iterable[DayTokens], prices: PriceTable
) -> list[AgentTotals]:
    """Per agent over the whole period, busiest first."""
    totals: dict[str, AgentTotals] = {}
    for count in counts:
        row = totals.setdefault(count.agent, AgentTotals(count.agent))
        setattr(row, count.kind, getattr(row, count.kind) + count.count)
    for used in tokens:
        row = totals.setdefault(used.agent, AgentTotals(used.agent))
        row.tokens += used.prompt_tokens + used.completion_tokens
        row.cost += _cost(used, prices)
    return sorted(totals.values(), key=lambda row: (-row.messages, -row.tokens, row.agent))


def _series(points: Iterable[tuple[str, str, float]], days: list[str]) -> Series:
    index = {day: position for position, day in enumerate(days)}
    series: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(days))
    for day, agent, value in points:
        if day in index:
            series[agent][index[day]] += value
    return dict(sorted(series.items()))


def _cost(used: DayTokens, prices: PriceTable) -> float:
    return prices.cost(used.model, used.prompt_tokens, used.completion_tokens) or 0.0
