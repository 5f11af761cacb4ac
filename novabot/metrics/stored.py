"""Metrics read from the database at each scrape: what Nova did, as the records say.

Counting from the records rather than in memory means the numbers survive restarts, and
two `nova run` on one database report the same totals rather than half each. Each scrape
is a handful of grouped queries on a read-only connection (milliseconds on a year of use).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from novabot.ops.prices import NO_PRICES, PriceError, PriceTable
from novabot.store.database import open_read_only

Row = tuple[Any, ...]

QUERIES: dict[str, str] = {
    "messages": "SELECT c.platform, m.role, COUNT(*) FROM messages m"
    " JOIN conversations c ON c.id = m.conversation_id WHERE m.role IN ('user', 'assistant')"
    " GROUP BY c.platform, m.role",
    "routing": "SELECT agent, rule, COUNT(*) FROM routing_decisions GROUP BY agent, rule",
    "tokens": "SELECT agent, model, SUM(prompt_tokens), SUM(completion_tokens)"
    " FROM token_usage GROUP BY agent, model",
    "steps": "SELECT status, COUNT(*) FROM pipeline_steps GROUP BY status",
    "schedules": "SELECT status, COUNT(*) FROM schedule_runs GROUP BY status",
}


class StoredTotals(Collector):
    """Counters and gauges from Nova's database; unreadable, it reports `nova_up 0`-style
    absence (no samples) rather than failing the whole scrape."""

    def __init__(self, db_path: Path, prices: Callable[[], PriceTable]) -> None:
        self.db_path = db_path
        self.prices = prices

    def collect(self) -> Iterator[Metric]:
        try:
            rows = self._read()
        except sqlite3.Error:
            return
        yield from _messages(rows["messages"])
        yield from _routing(rows["routing"])
        yield from _tokens(rows["tokens"], self._price_table())
        yield _by_status("nova_pipeline_steps", "Pipeline steps by current status", rows["steps"])
        yield _by_status("nova_schedule_runs", "Schedule runs (slots) by status", rows["schedules"])

    def _read(self) -> dict[str, list[Row]]:
        with closing(open_read_only(self.db_path, timeout=2)) as conn:
            return {name: conn.execute(sql).fetchall() for name, sql in QUERIES.items()}

    def _price_table(self) -> PriceTable:
        try:
            return self.prices()
        except PriceError:  # costs drop out of the scrape; `nova usage` names the fault
            return NO_PRICES


def _messages(rows: list[Row]) -> Iterator[Metric]:
    received = CounterMetricFamily(
        "nova_messages_received", "Messages users sent Nova, by platform", labels=["platform"]
    )
    answered = CounterMetricFamily(
        "nova_answers", "Answers Nova gave, by platform", labels=["platform"]
    )
    for platform, role, count in rows:
        family = received if role == "user" else answered
        family.add_metric([str(platform)], float(count))
    yield received
    yield answered


def _routing(rows: list[Row]) -> Iterator[Metric]:
    family = CounterMetricFamily(
        "nova_routing_decisions", "Routing decisions by agent and rule", labels=["agent", "rule"]
    )
    for agent, rule, count in rows:
        family.add_metric([str(agent), str(rule)], float(count))
    yield family


def _tokens(rows: list[Row], prices: PriceTable) -> Iterator[Metric]:
    tokens = CounterMetricFamily(
        "nova_llm_tokens",
        "LLM tokens by agent, model and kind (prompt or completion)",
        labels=["agent", "model", "kind"],
    )
    cost = CounterMetricFamily(
        "nova_llm_cost_usd",
        "LLM cost in US dollars by agent and model (models without a price count 0)",
        labels=["agent", "model"],
    )
    for agent, model, prompt, completion in rows:
        prompt_n, completion_n = int(prompt or 0), int(completion or 0)
        tokens.add_metric([str(agent), str(model), "prompt"], prompt_n)
        tokens.add_metric([str(agent), str(model), "completion"], completion_n)
        spent = prices.cost(str(model), prompt_n, completion_n) or 0.0
        cost.add_metric([str(agent), str(model)], spent)
    yield tokens
    yield cost


def _by_status(name: str, documentation: str, rows: list[Row]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status, count in rows:
        family.add_metric([str(status)], float(count))
    return family
