"""Immutable records the store hands out, and the text <-> datetime mapping behind them.

Timestamps are stored as ISO-8601 UTC text: it sorts correctly as plain text, stays
readable in the sqlite3 shell, and avoids the deprecated sqlite3 datetime adapters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from novabot.core.message import ConversationKey

Record = TypeVar("Record")


def now_text() -> str:
    """The current time as stored: fixed-width ISO-8601 in UTC, so text order is time order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def time_after(seconds: float) -> str:
    """The time `seconds` from now (negative: ago), as stored: a lease's expiry, a cutoff."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def json_list(values: Collection[str]) -> str:
    """A set of strings as a JSON array, for `IN (SELECT value FROM json_each(?))`."""
    return json.dumps(sorted(values))


def parse_time(text: str) -> datetime:
    """Read a stored timestamp back as a timezone-aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    # Rows written by hand (or by an older tool) may lack an offset; they are UTC by contract.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message of a conversation, as persisted."""

    id: int
    role: str
    content: str
    agent: str | None
    user_id: str | None
    user_name: str | None
    tokens: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RoutingRecord:
    """Why a message went to an agent; `message_text` is the routed message, if linked."""

    agent: str
    rule: str
    reason: str
    score: float
    created_at: datetime
    message_id: int | None
    message_text: str | None
    candidates: tuple[tuple[str, float], ...] = ()
    """The matcher's ranking for the message, best first (empty for rules without one)."""
    knowledge_ids: tuple[int, ...] = ()
    """The project knowledge items the answer's prompt carried, in prompt order."""


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Token totals for one (agent, model) pair."""

    agent: str
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class PipelineStepRecord:
    """One step of a pipeline run: an instruction for one agent, after its dependencies."""

    run_id: int
    step_id: str
    position: int
    """The step's index in the plan."""
    agent: str
    instruction: str
    depends_on: tuple[str, ...]
    status: str
    attempt: int
    """How many times the step was started (0: never)."""
    output: str | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class PipelineRunRecord:
    """A task decomposed into steps run by agents; `steps` are in plan order."""

    id: int
    key: ConversationKey
    task: str
    plan: str
    """The plan as JSON text, as given to `create_run`."""
    started_by: str | None
    """The user id of whoever started the run (None: not known, e.g. an older run)."""
    status: str
    answer: str | None
    answer_posted: bool
    prompt_tokens: int
    completion_tokens: int
    """Run totals: every step's tokens plus those of planning and aggregation."""
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    steps: tuple[PipelineStepRecord, ...]


def parse_optional_time(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def from_row(cls: type[Record], row: sqlite3.Row, **converted: Any) -> Record:
    """Build a record from a row whose column names match its fields.

    `created_at` columns come back as datetimes; fields given in `converted` (values the
    caller decoded, such as JSON) replace the raw column; everything else is as stored.
    """
    values: dict[str, Any] = {
        f.name: row[f.name]
        # `cls` is one of the dataclasses above; mypy types it as a bare `type`.
        for f in fields(cls)  # type: ignore[arg-type]
        if f.name not in converted
    }
    if "created_at" in values:
        values["created_at"] = parse_time(values["created_at"])
    return cls(**values, **converted)
