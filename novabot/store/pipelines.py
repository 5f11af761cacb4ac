"""Pipeline runs: a task decomposed into steps run by agents, durable across restarts.

A run and its steps are written as one unit, and every step transition (and the token
totals it adds to the run) commits in one transaction, so a crash leaves either the
old state or the new one. After a restart, `unfinished_runs` and
`reset_interrupted_steps` tell the pipeline what to resume, and `claim_answer_post`
makes sure the final answer is posted once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from novabot.core.message import ConversationKey
from novabot.store.conversations import MATCH_KEY, StoreBase, ensure_conversation, key_params
from novabot.store.errors import StoreError
from novabot.store.pipeline_checks import (
    StepSpec,
    check_status,
    check_step_ids,
    check_steps,
    check_tokens,
    no_step,
)
from novabot.store.pipeline_rows import (
    ADD_TOKENS,
    SELECT_RUNS,
    require_run,
    runs_from_rows,
    update_run,
    update_step,
)
from novabot.store.records import (
    PipelineRunRecord,
    now_text,
)
from novabot.store.statuses import (
    ANSWER_STATUSES,
    FINISHED_RUN_STATUSES,
    FINISHED_STEP_STATUSES,
    RUN_STATUSES,
    STEP_STATUSES,
    StepStatus,
)

MATCH_CHANNEL = "c.platform = ? AND c.channel_id = ?"
"""A channel and every thread in it (the conversations index leads with these columns)."""


class PipelinesMixin(StoreBase):
    async def create_run(
        self,
        key: ConversationKey,
        task: str,
        plan: str,
        steps: Sequence[StepSpec],
        *,
        started_by: str | None = None,
    ) -> int:
        """Persist a pending run and its pending steps (in plan order) at once; return its id."""
        check_steps(steps)
        now = now_text()
        async with self._db.transaction() as tx:
            conversation_id = await ensure_conversation(tx, key, now, touch=False)
            row = await tx.fetchone(
                "INSERT INTO pipeline_runs"
                " (conversation_id, task, plan, started_by, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
                (conversation_id, task, plan, started_by, now, now),
            )
            assert row is not None
            run_id = int(row["id"])
            for position, (step_id, agent, instruction, depends_on) in enumerate(steps):
                await tx.fetchall(
                    "INSERT INTO pipeline_steps"
                    " (run_id, step_id, position, agent, instruction, depends_on, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                    (run_id, step_id, position, agent, instruction, json.dumps(list(depends_on))),
                )
        return run_id

    async def get_run(self, run_id: int) -> PipelineRunRecord | None:
        rows = await self._db.fetchall(
            SELECT_RUNS.format(runs="pipeline_runs", where="WHERE r.id = ?"), (run_id,)
        )
        runs = runs_from_rows(rows)
        return runs[0] if runs else None

    async def run_status(self, run_id: int) -> str | None:
        """Just the run's status: a cheap check between steps (was it cancelled?)."""
        row = await self._db.fetchone("SELECT status FROM pipeline_runs WHERE id = ?", (run_id,))
        return None if row is None else str(row["status"])

    async def latest_run_id(self, key: ConversationKey) -> int | None:
        """The newest run of one conversation, without loading it (asked for every
        message routed, to see whether its thread belongs to a pipeline)."""
        row = await self._db.fetchone(
            "SELECT r.id FROM pipeline_runs r JOIN conversations c ON c.id = r.conversation_id"
            f" WHERE {MATCH_KEY} ORDER BY r.id DESC LIMIT 1",
            key_params(key),
        )
        return None if row is None else int(row["id"])

    async def list_runs(
        self, *, limit: int = 20, key: ConversationKey | None = None, threads: bool = False
    ) -> list[PipelineRunRecord]:
        """The newest `limit` runs, newest first; of one conversation, or of all. With
        `threads`, a key without a thread covers its channel and every thread in it."""
        if limit < 1:
            return []
        # Ordered by id, not created_at: ids follow commit order even within one microsecond.
        if key is None:
            runs = "(SELECT * FROM pipeline_runs ORDER BY id DESC LIMIT ?)"
            params: tuple[object, ...] = (limit,)
        else:
            match: str = MATCH_KEY
            matched: tuple[str, ...] = key_params(key)
            if threads and not key.thread_id:
                match, matched = MATCH_CHANNEL, (key.platform, key.channel_id)
            runs = (
                "(SELECT r.* FROM pipeline_runs r JOIN conversations c"
                f" ON c.id = r.conversation_id WHERE {match} ORDER BY r.id DESC LIMIT ?)"
            )
            params = (*matched, limit)
        rows = await self._db.fetchall(SELECT_RUNS.format(runs=runs, where=""), params)
        return runs_from_rows(rows)

    async def unfinished_runs(self) -> list[int]:
        """Ids of runs still pending or running, or finished with an answer not yet posted
        (what to resume after a restart), oldest first."""
        rows = await self._db.fetchall(
            "SELECT id FROM pipeline_runs WHERE status IN ('pending', 'running')"
            " OR (answer IS NOT NULL AND answer_posted = 0) ORDER BY id"
        )
        return [int(row["id"]) for row in rows]

    async def set_run_status(self, run_id: int, status: str) -> None:
        """Set the run's status; finished_at is set for a final status, cleared otherwise."""
        check_status(status, RUN_STATUSES, "run")
        now = now_text()
        finished_at = now if status in FINISHED_RUN_STATUSES else None
        async with self._db.transaction() as tx:
            await update_run(
                tx,
                run_id,
                "status = ?, updated_at = ?, finished_at = ?",
                (status, now, finished_at),
            )

    async def start_step(self, run_id: int, step_id: str) -> int:
        """Mark the step running as a new attempt (a pending run becomes running); return it."""
        now = now_text()
        async with self._db.transaction() as tx:
            row = await update_step(
                tx,
                run_id,
                step_id,
                # A restarted step must not show the previous attempt's result.
                "status = 'running', attempt = attempt + 1, started_at = ?,"
                " finished_at = NULL, output = NULL, error = NULL",
                (now,),
            )
            await update_run(
                tx,
                run_id,
                "status = CASE status WHEN 'pending' THEN 'running' ELSE status END,"
                " updated_at = ?",
                (now,),
            )
        return int(row["attempt"])

    async def finish_step(
        self,
        run_id: int,
        step_id: str,
        output: str,
        *,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        """Mark the step done with its output; its tokens go to the step and the run."""
        await self._end_step(
            run_id, step_id, StepStatus.DONE, "output = ?", output, prompt_tokens, completion_tokens
        )

    async def fail_step(
        self,
        run_id: int,
        step_id: str,
        error: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """Mark the step failed with its error; its tokens go to the step and the run."""
        await self._end_step(
            run_id, step_id, StepStatus.FAILED, "error = ?", error, prompt_tokens, completion_tokens
        )

    async def _end_step(
        self,
        run_id: int,
        step_id: str,
        status: str,
        result_column: str,
        result: str,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        check_tokens(prompt_tokens, completion_tokens)
        now = now_text()
        tokens = (prompt_tokens, completion_tokens)
        async with self._db.transaction() as tx:
            await update_step(
                tx,
                run_id,
                step_id,
                f"status = ?, {result_column}, finished_at = ?, {ADD_TOKENS}",
                (status, result, now, *tokens),
            )
            await update_run(tx, run_id, f"updated_at = ?, {ADD_TOKENS}", (now, *tokens))

    async def set_steps_status(self, run_id: int, step_ids: Sequence[str], status: str) -> None:
        """Set several steps' status at once (all or none; unknown ids raise StoreError).

        'pending' readies steps for another attempt: output, error and times are cleared.
        A final status (skipped, cancelled...) stamps finished_at.
        """
        check_status(status, STEP_STATUSES, "step")
        wanted = check_step_ids(step_ids)
        now = now_text()
        if status == StepStatus.PENDING:
            assignments = "status = ?, output = NULL, error = NULL, started_at = NULL,"
            assignments += " finished_at = NULL"
            params: tuple[object, ...] = (status,)
        elif status in FINISHED_STEP_STATUSES:
            assignments, params = "status = ?, finished_at = ?", (status, now)
        else:
            assignments, params = "status = ?, finished_at = NULL", (status,)
        async with self._db.transaction() as tx:
            await update_run(tx, run_id, "updated_at = ?", (now,))
            if not wanted:
                return
            placeholders = ", ".join("?" * len(wanted))
            rows = await tx.fetchall(
                f"UPDATE pipeline_steps SET {assignments}"
                f" WHERE run_id = ? AND step_id IN ({placeholders}) RETURNING step_id",
                (*params, run_id, *wanted),
            )
            updated = {row["step_id"] for row in rows}
            missing = [step_id for step_id in wanted if step_id not in updated]
            if missing:  # raising rolls the other steps' updates back
                raise StoreError(no_step(run_id, missing[0]))

    async def reset_interrupted_steps(self, run_id: int) -> list[str]:
        """Put steps left 'running' (by a crash) back to 'pending'; return their ids in order.

        Their attempt count is kept: the interrupted attempt did happen.
        """
        now = now_text()
        async with self._db.transaction() as tx:
            await require_run(tx, run_id)
            rows = await tx.fetchall(
                "UPDATE pipeline_steps SET status = 'pending', output = NULL, error = NULL,"
                " started_at = NULL, finished_at = NULL"
                " WHERE run_id = ? AND status = 'running' RETURNING step_id, position",
                (run_id,),
            )
            if rows:
                await update_run(tx, run_id, "updated_at = ?", (now,))
        # RETURNING gives no guaranteed order.
        return [row["step_id"] for row in sorted(rows, key=lambda row: row["position"])]

    async def save_answer(
        self,
        run_id: int,
        answer: str,
        status: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """Store the aggregated answer and the final status ('done' or 'failed')."""
        check_status(status, ANSWER_STATUSES, "final run")
        check_tokens(prompt_tokens, completion_tokens)
        now = now_text()
        async with self._db.transaction() as tx:
            await update_run(
                tx,
                run_id,
                f"answer = ?, status = ?, updated_at = ?, finished_at = ?, {ADD_TOKENS}",
                (answer, status, now, now, prompt_tokens, completion_tokens),
            )

    async def claim_answer_post(self, run_id: int) -> bool:
        """True for the first caller only, ever: whoever gets True posts the answer.

        One UPDATE flips the flag, so it is atomic across coroutines and processes.
        Claim before posting: a crash in between loses the post rather than doubling it.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE pipeline_runs SET answer_posted = 1, updated_at = ?"
                " WHERE id = ? AND answer_posted = 0 RETURNING id",
                (now_text(), run_id),
            )
            if row is None:
                await require_run(tx, run_id)
        return row is not None

    async def reopen_run(self, run_id: int) -> None:
        """Back to pending with no answer, so a retried run posts its new answer once."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE pipeline_runs SET status = 'pending', answer = NULL, answer_posted = 0,"
                " finished_at = NULL, updated_at = ? WHERE id = ? RETURNING id",
                (now_text(), run_id),
            )
            if row is None:
                await require_run(tx, run_id)

    async def add_run_tokens(self, run_id: int, prompt_tokens: int, completion_tokens: int) -> None:
        """Add tokens spent outside any step (planning, aggregation) to the run's totals."""
        check_tokens(prompt_tokens, completion_tokens)
        async with self._db.transaction() as tx:
            await update_run(
                tx,
                run_id,
                f"updated_at = ?, {ADD_TOKENS}",
                (now_text(), prompt_tokens, completion_tokens),
            )
