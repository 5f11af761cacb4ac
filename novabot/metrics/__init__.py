"""Prometheus metrics: totals from the database, live timings and errors from this process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from novabot.metrics.live import LiveMetrics
from novabot.metrics.stored import StoredTotals
from novabot.ops.prices import PriceTable

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """One registry per app (not the library's global one, so apps in one process, as in
    tests, never share or double-register metrics)."""

    def __init__(self, db_path: Path, prices: Callable[[], PriceTable]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.live = LiveMetrics(self.registry)
        self.registry.register(StoredTotals(db_path, prices))

    def llm_call(self, agent: str, model: str, seconds: float) -> None:
        self.live.llm_call(agent, model, seconds)

    def count_errors_of(self, logger: logging.Logger) -> None:
        logger.addHandler(self.live.handler)

    def stop_counting_errors_of(self, logger: logging.Logger) -> None:
        logger.removeHandler(self.live.handler)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes (reads the database: call off the loop)."""
        return generate_latest(self.registry)
