"""A store with one day's worth of records around a digest period, for the digest tests.

Records are written through the store's own methods, then dated with a second connection
(as another process would write them), so the period's edges are exact: every record
inside [SINCE, UNTIL) has a twin just outside it, or in another channel or project, that
a digest of `slack:C1` must never show.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from novabot.core.message import ConversationKey, Message
from novabot.store import Store
from novabot.store.usage import stored_time

SINCE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
INSIDE = SINCE + timedelta(hours=5)
BEFORE = SINCE - timedelta(minutes=1)
CHANNEL = ConversationKey("slack", "C1")
THREAD = ConversationKey("slack", "C1", "1764500000.000100")
ELSEWHERE = ConversationKey("slack", "C2", "1764500000.000200")
DECISION_LINK = "https://slack.com/archives/C1/p1764500000000300"


@dataclass(frozen=True)
class Seeded:
    decision: int
    old_decision: int
    problem_opened: int
    problem_resolved: int
    foreign_decision: int
    pipeline: int
    old_pipeline: int
    foreign_pipeline: int
    failed_question: int
    open_question: int


def date(db_path: Path, table: str, row_id: int, **columns: datetime) -> None:
    """Set `columns` of one row to these times, through a second connection (as another
    process would), for records that must look written at a given moment."""
    sets = ", ".join(f"{name} = ?" for name in columns)
    values = [stored_time(moment) for moment in columns.values()]
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:  # closed, and committed
        conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, row_id))


async def seed(store: Store, db_path: Path) -> Seeded:
    await store.create_project("airep")
    await store.create_project("other")
    await store.bind_project("slack", "C1", "airep")
    await store.bind_project("slack", "C2", "other")
    knowledge = await _knowledge(store, db_path)
    pipelines = await _pipelines(store, db_path)
    questions = await _questions(store, db_path)
    await _usage(store, db_path)
    return Seeded(**knowledge, **pipelines, **questions)


async def _knowledge(store: Store, db_path: Path) -> dict[str, int]:
    async def add(project: str, kind: str, title: str, when: datetime, **extra: str) -> int:
        item = await store.add_knowledge(project, kind, title, f"{title}, in detail.", **extra)
        date(db_path, "knowledge", item.id, created_at=when, updated_at=when)
        return item.id

    ids = {
        "decision": await add(
            "airep", "decision", "Ship on Fridays", INSIDE, source_link=DECISION_LINK
        ),
        "old_decision": await add("airep", "decision", "Ship on Mondays", BEFORE),
        "problem_opened": await add("airep", "problem", "Export times out", INSIDE),
        "problem_resolved": await add("airep", "problem", "Login loops", BEFORE),
        "foreign_decision": await add("other", "decision", "Other team rule", INSIDE),
    }
    dismissed = await add("airep", "note", "A dismissed proposal", INSIDE)
    await store.move_knowledge(dismissed, "dismissed", only_from="active")
    date(db_path, "knowledge", dismissed, created_at=INSIDE, updated_at=INSIDE)
    await store.move_knowledge(ids["problem_resolved"], "resolved", only_from="active")
    date(db_path, "knowledge", ids["problem_resolved"], created_at=BEFORE, updated_at=INSIDE)
    return ids


async def _pipelines(store: Store, db_path: Path) -> dict[str, int]:
    async def finished(key: ConversationKey, task: str, when: datetime) -> int:
        run = await store.create_run(key, task, "{}", [("s1", "summarizer", task, ())])
        await store.start_step(run, "s1")
        await store.finish_step(run, "s1", "done", prompt_tokens=40, completion_tokens=2)
        await store.save_answer(run, f"The answer to {task}", "done")
        date(db_path, "pipeline_runs", run, created_at=when, finished_at=when)
        return run

    running = await store.create_run(THREAD, "still going", "{}", [("s1", "chat", "x", ())])
    await store.start_step(running, "s1")
    return {
        "pipeline": await finished(THREAD, "Summarise the release notes", INSIDE),
        "old_pipeline": await finished(THREAD, "Summarise last week", BEFORE),
        "foreign_pipeline": await finished(ELSEWHERE, "Other team's report", INSIDE),
    }


async def _questions(store: Store, db_path: Path) -> dict[str, int]:
    async def asked(key: ConversationKey, text: str, state: str | None, when: datetime) -> int:
        message = Message(key, text, user_id="U1", user_name="ada", event_id=f"{key}:{text}")
        entry = await store.take_inbound(message, "worker", 30)
        assert entry is not None
        if state is not None:
            await store.settle_inbound(entry.id, state)
        date(db_path, "inbox", entry.id, received_at=when)
        return entry.id

    await asked(THREAD, "answered fine", "answered", INSIDE)
    await asked(THREAD, "failed long ago", "failed", BEFORE)
    await asked(ELSEWHERE, "failed elsewhere", "failed", INSIDE)
    await asked(THREAD, "asked just now", None, UNTIL - timedelta(minutes=1))
    return {
        "failed_question": await asked(THREAD, "how many orders shipped?", "failed", INSIDE),
        "open_question": await asked(CHANNEL, "who owns the export?", None, INSIDE),
    }


async def _usage(store: Store, db_path: Path) -> None:
    rows = [
        (THREAD, "chat", 100, 20, INSIDE),
        (CHANNEL, "chat", 10, 5, INSIDE),
        (THREAD, "translator", 7, 3, INSIDE),
        (THREAD, "chat", 1000, 1000, BEFORE),
        (THREAD, "chat", 1000, 1000, UNTIL),
        (ELSEWHERE, "chat", 5000, 5000, INSIDE),
    ]
    for key, agent, prompt, completion, when in rows:
        await store.record_usage(
            key, agent=agent, model="m", prompt_tokens=prompt, completion_tokens=completion
        )
        with sqlite3.connect(db_path) as conn:
            newest = conn.execute("SELECT max(id) FROM token_usage").fetchone()[0]
        date(db_path, "token_usage", newest, created_at=when)
