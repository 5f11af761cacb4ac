"""Metrics only this process can see as they happen: how long LLM calls take, and errors.

The LLM client reports each call (agent, model, seconds) through `llm_call`; a logging
handler counts every record at ERROR or above by the logger that wrote it, so an error
anywhere in Nova shows without each place remembering to count it.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Histogram

LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
"""Seconds: a short tool round to a long streamed answer from a slow local model."""


class LiveMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.llm_seconds = Histogram(
            "nova_llm_request_seconds",
            "Time an LLM call took, from request to the last token, by agent and model",
            ["agent", "model"],
            buckets=LLM_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "nova_errors",
            "Errors Nova logged, by the part of Nova that logged them",
            ["logger"],
            registry=registry,
        )
        self.handler = ErrorCounter(self.errors)

    def llm_call(self, agent: str, model: str, seconds: float) -> None:
        self.llm_seconds.labels(agent, model).observe(seconds)


class ErrorCounter(logging.Handler):
    def __init__(self, errors: Counter) -> None:
        super().__init__(level=logging.ERROR)
        self._errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self._errors.labels(record.name).inc()
