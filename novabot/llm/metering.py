"""Token metering: every LLM call is charged to the agent, conversation and pipeline run
it was made for, so `nova usage` adds up to what the endpoint served.

Callers say who pays with `charged_to(...)` around their work; the LLM client reads the
current charge after each call and hands the counts to a `UsageSink` (the store). A
hand-off charges its sub-agent while keeping the conversation and run of its caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from novabot.core.message import ConversationKey

UNATTRIBUTED = ConversationKey("nova", "unattributed", None)
"""Where a call made outside any `charged_to` is counted: never dropped, easy to spot."""


@dataclass(frozen=True)
class Charge:
    key: ConversationKey
    agent: str
    run_id: int | None = None


class UsageSink(Protocol):
    async def record_usage(
        self,
        key: ConversationKey,
        *,
        agent: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        run_id: int | None = None,
    ) -> None: ...


class CallObserver(Protocol):
    """Told how long each LLM call took, and for which agent and model (the metrics)."""

    def llm_call(self, agent: str, model: str, seconds: float) -> None: ...


_current: ContextVar[Charge | None] = ContextVar("llm_charge", default=None)


def current_charge() -> Charge:
    return _current.get() or Charge(UNATTRIBUTED, "unknown")


@contextlib.contextmanager
def charged_to(
    agent: str, *, key: ConversationKey | None = None, run_id: int | None = None
) -> Iterator[Charge]:
    """Charge the LLM calls made inside to `agent`; an unset key or run is inherited."""
    outer = _current.get() or Charge(UNATTRIBUTED, agent)
    charge = Charge(key or outer.key, agent, outer.run_id if run_id is None else run_id)
    token = _current.set(charge)
    try:
        yield charge
    finally:
        _current.reset(token)
