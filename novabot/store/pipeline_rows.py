"""Pipeline rows: how rows become records, and the small UPDATE helpers the SQLite
pipeline store is made of (statuses and checks are in pipeline_checks.py)."""

from __future__ import annotations

import json
import sqlite3

from novabot.core.message import ConversationKey
from novabot.store.database import Params, Transaction
from novabot.store.errors import StoreError
from novabot.store.pipeline_checks import no_run, no_step
from novabot.store.records import (
    PipelineRunRecord,
    PipelineStepRecord,
    parse_optional_time,
    parse_time,
)

# One statement for a run and all its steps, so a read never mixes two states.
SELECT_RUNS = (
    "SELECT r.id, c.platform, c.channel_id, c.thread_id, r.task, r.plan, r.started_by,"
    " r.status,"
    " r.answer, r.answer_posted, r.prompt_tokens, r.completion_tokens,"
    " r.created_at, r.updated_at, r.finished_at,"
    " s.step_id AS s_step_id, s.position AS s_position, s.agent AS s_agent,"
    " s.instruction AS s_instruction, s.depends_on AS s_depends_on, s.status AS s_status,"
    " s.attempt AS s_attempt, s.output AS s_output, s.error AS s_error,"
    " s.started_at AS s_started_at, s.finished_at AS s_finished_at,"
    " s.prompt_tokens AS s_prompt_tokens, s.completion_tokens AS s_completion_tokens"
    " FROM {runs} r JOIN conversations c ON c.id = r.conversation_id"
    " LEFT JOIN pipeline_steps s ON s.run_id = r.id"
    " {where} ORDER BY r.id DESC, s.position"
)


def step_from_row(run_id: int, row: sqlite3.Row) -> PipelineStepRecord:
    return PipelineStepRecord(
        run_id=run_id,
        step_id=row["s_step_id"],
        position=row["s_position"],
        agent=row["s_agent"],
        instruction=row["s_instruction"],
        depends_on=tuple(json.loads(row["s_depends_on"])),
        status=row["s_status"],
        attempt=row["s_attempt"],
        output=row["s_output"],
        error=row["s_error"],
        started_at=parse_optional_time(row["s_started_at"]),
        finished_at=parse_optional_time(row["s_finished_at"]),
        prompt_tokens=row["s_prompt_tokens"],
        completion_tokens=row["s_completion_tokens"],
    )


def runs_from_rows(rows: list[sqlite3.Row]) -> list[PipelineRunRecord]:
    """Group the joined rows (one per step, or one per step-less run) into records."""
    grouped: dict[int, tuple[sqlite3.Row, list[PipelineStepRecord]]] = {}
    for row in rows:
        run_id = int(row["id"])
        _, steps = grouped.setdefault(run_id, (row, []))
        if row["s_step_id"] is not None:
            steps.append(step_from_row(run_id, row))
    return [
        PipelineRunRecord(
            id=run_id,
            # '' is how "no thread" is stored (see key_params).
            key=ConversationKey(row["platform"], row["channel_id"], row["thread_id"] or None),
            task=row["task"],
            plan=row["plan"],
            started_by=row["started_by"],
            status=row["status"],
            answer=row["answer"],
            answer_posted=bool(row["answer_posted"]),
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            created_at=parse_time(row["created_at"]),
            updated_at=parse_time(row["updated_at"]),
            finished_at=parse_optional_time(row["finished_at"]),
            steps=tuple(steps),
        )
        for run_id, (row, steps) in grouped.items()
    ]


async def require_run(tx: Transaction, run_id: int) -> None:
    if await tx.fetchone("SELECT 1 FROM pipeline_runs WHERE id = ?", (run_id,)) is None:
        raise StoreError(no_run(run_id))


async def update_run(tx: Transaction, run_id: int, assignments: str, params: Params) -> None:
    """UPDATE the run (with `assignments`, whose params come first); StoreError if missing."""
    row = await tx.fetchone(
        f"UPDATE pipeline_runs SET {assignments} WHERE id = ? RETURNING id", (*params, run_id)
    )
    if row is None:
        raise StoreError(no_run(run_id))


async def update_step(
    tx: Transaction, run_id: int, step_id: str, assignments: str, params: Params
) -> sqlite3.Row:
    """UPDATE one step; StoreError naming the run or the step if either is missing."""
    row = await tx.fetchone(
        f"UPDATE pipeline_steps SET {assignments}"
        " WHERE run_id = ? AND step_id = ? RETURNING attempt",
        (*params, run_id, step_id),
    )
    if row is None:
        await require_run(tx, run_id)
        raise StoreError(no_step(run_id, step_id))
    return row


ADD_TOKENS = "prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?"
