"""Usage reports: periods in Nova's time zone, per-group totals, costs and unpriced models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from novabot.ops.prices import Price, PriceTable
from novabot.ops.usage import period_start, report
from novabot.store.ops import UsageGroup

LONDON = ZoneInfo("Europe/London")
PRICES = PriceTable({"gpt-a": Price(input=1.0, output=2.0)})


def test_calendar_periods_start_at_local_midnight() -> None:
    now = datetime(2026, 7, 15, 10, 30, tzinfo=UTC)  # a Wednesday; London is UTC+1
    assert period_start("today", now, LONDON) == datetime(2026, 7, 15, tzinfo=LONDON)
    assert period_start("week", now, LONDON) == datetime(2026, 7, 13, tzinfo=LONDON)
    assert period_start("month", now, LONDON) == datetime(2026, 7, 1, tzinfo=LONDON)
    assert period_start("7d", now, LONDON) == now - timedelta(days=7)
    assert period_start("all", now, LONDON) is None
    with pytest.raises(ValueError, match="unknown period"):
        period_start("fortnight", now, LONDON)


def test_report_totals_groups_with_cost_and_names_unpriced_models() -> None:
    rows = [
        UsageGroup("chat", "gpt-a", 2, 1_000_000, 500_000),
        UsageGroup("chat", "llama3", 1, 10, 10),
        UsageGroup("summarizer", "gpt-a", 1, 100, 0),
    ]
    text = report(rows, PRICES, by="agent", period="week", where="all channels")
    lines = text.splitlines()
    assert lines[0] == "Token use by agent, this week, all channels:"
    assert lines[1].startswith("- chat: 3 calls, 1,000,010 in + 500,010 out tokens, $2.00")
    assert "no price for llama3: counted as $0" in lines[1]
    assert lines[2] == "- summarizer: 1 calls, 100 in + 0 out tokens, $0.0001"
    assert lines[3].startswith("Total: 4 calls") and "$2.00" in lines[3]


def test_an_empty_report_says_none_recorded() -> None:
    text = report([], PRICES, by="model", period="today", where="in this channel (slack:C1)")
    assert text == "Token use by model, today, in this channel (slack:C1): none recorded."


def test_rows_without_a_project_are_labelled() -> None:
    text = report([UsageGroup("", "gpt-a", 1, 1, 1)], PRICES, by="project", period="all",
                  where="all channels")  # fmt: skip
    assert "- (no project): 1 calls" in text
