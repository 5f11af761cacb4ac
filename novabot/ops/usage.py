"""Token use and cost, grouped by agent, model, channel, project or day, for a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from novabot.ops.prices import PriceTable
from novabot.store.ops import UsageGroup

PERIODS = ("today", "week", "month", "24h", "7d", "30d", "all")
"""today / week / month: since the start of that calendar day, week (Monday) or month in
Nova's time zone; 24h / 7d / 30d: a rolling window; all: everything recorded."""


def period_start(period: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When `period` began, as of `now` (an aware time); None for "all"."""
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    match period:
        case "today":
            return midnight
        case "week":
            return midnight - timedelta(days=local.weekday())
        case "month":
            return midnight.replace(day=1)
        case "24h" | "7d" | "30d":
            hours = {"24h": 24, "7d": 7 * 24, "30d": 30 * 24}[period]
            return now - timedelta(hours=hours)
        case "all":
            return None
    raise ValueError(f"unknown period {period!r} (periods: {', '.join(PERIODS)})")


@dataclass
class Total:
    """One line of the report: a group's calls, tokens and cost over its models."""

    name: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced: set[str] = field(default_factory=set)
    """Models used here that the price table lacks: counted as 0."""

    def add(self, row: UsageGroup, prices: PriceTable) -> None:
        self.calls += row.calls
        self.prompt_tokens += row.prompt_tokens
        self.completion_tokens += row.completion_tokens
        cost = prices.cost(row.model, row.prompt_tokens, row.completion_tokens)
        if cost is None:
            self.unpriced.add(row.model)
        else:
            self.cost += cost


def totals(rows: Sequence[UsageGroup], prices: PriceTable) -> tuple[list[Total], Total]:
    """Per-group totals, most tokens first, and the grand total."""
    groups: dict[str, Total] = {}
    grand = Total("total")
    for row in rows:
        groups.setdefault(row.group, Total(row.group)).add(row, prices)
        grand.add(row, prices)
    ranked = sorted(
        groups.values(), key=lambda t: (-(t.prompt_tokens + t.completion_tokens), t.name)
    )
    return ranked, grand


def money(amount: float) -> str:
    """Dollars with cents, or with four decimals for the small sums tokens often cost."""
    return f"${amount:,.2f}" if amount >= 1 or amount == 0 else f"${amount:.4f}"


def describe_total(total: Total) -> str:
    text = (
        f"{total.calls} calls, {total.prompt_tokens:,} in + {total.completion_tokens:,} out"
        f" tokens, {money(total.cost)}"
    )
    if total.unpriced:
        text += f" (no price for {', '.join(sorted(total.unpriced))}: counted as $0)"
    return text


def report(
    rows: Sequence[UsageGroup], prices: PriceTable, *, by: str, period: str, where: str
) -> str:
    """The usage answer: a heading, one line per group, the total."""
    heading = f"Token use by {by}, {describe_period(period)}, {where}"
    if not rows:
        return f"{heading}: none recorded."
    ranked, grand = totals(rows, prices)
    lines = [f"{heading}:"]
    lines += [f"- {label(t.name, by)}: {describe_total(t)}" for t in ranked[:MAX_GROUPS]]
    if len(ranked) > MAX_GROUPS:
        lines.append(f"- … and {len(ranked) - MAX_GROUPS} more")
    lines.append(f"Total: {describe_total(grand)}")
    return "\n".join(lines)


MAX_GROUPS = 25
"""Lines shown before the rest is summed up as "… and N more" (a channel has limits)."""


def label(name: str, by: str) -> str:
    if by == "project" and not name:
        return "(no project)"
    return name


def describe_period(period: str) -> str:
    return {
        "today": "today",
        "week": "this week",
        "month": "this month",
        "24h": "the last 24 hours",
        "7d": "the last 7 days",
        "30d": "the last 30 days",
        "all": "since records began",
    }[period]
