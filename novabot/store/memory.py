"""`MemoryPipelineStore`: the pipeline store kept in a dict, for tests and trials.

It passes the same conformance suite as the SQLite store (tests/store/conformance.py),
so code tested on it behaves the same on SQLite, minus durability: a restart forgets
everything. Every method checks everything first and then changes state without
awaiting, so each call is atomic however coroutines interleave, and a failed call
changes nothing.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from novabot.core.message import ConversationKey
from novabot.store.errors import StoreError
from novabot.store.pipeline_checks import (
    StepSpec,
    check_status,
    check_step_ids,
    check_steps,
    check_tokens,
    no_run,
    no_step,
)
from novabot.store.records import PipelineRunRecord, PipelineStepRecord
from novabot.store.statuses import (
    ANSWER_STATUSES,
    FINISHED_RUN_STATUSES,
    FINISHED_STEP_STATUSES,
    RUN_STATUSES,
    STEP_STATUSES,
    RunStatus,
    StepStatus,
)

UNFINISHED = (RunStatus.PENDING, RunStatus.RUNNING)


@dataclass
class _Step:
    step_id: str
    position: int
    agent: str
    instruction: str
    depends_on: tuple[str, ...]
    status: str = StepStatus.PENDING
    attempt: int = 0
    output: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def clear_result(self) -> None:
        self.output = self.error = self.started_at = self.finished_at = None

    def add_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens


@dataclass
class _Run:
    id: int
    key: ConversationKey
    task: str
    plan: str
    created_at: datetime
    updated_at: datetime
    steps: dict[str, _Step]
    """By id, in plan order (dicts keep insertion order)."""
    started_by: str | None = None
    status: str = RunStatus.PENDING
    answer: str | None = None
    answer_posted: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finished_at: datetime | None = None

    def add_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def step(self, step_id: str) -> _Step:
        if step_id not in self.steps:
            raise StoreError(no_step(self.id, step_id))
        return self.steps[step_id]


class MemoryPipelineStore:
    """A `PipelineStore` in memory; one instance is one database."""

    def __init__(self) -> None:
        self._runs: dict[int, _Run] = {}
        self._ids = itertools.count(1)

    async def create_run(
        self,
        key: ConversationKey,
        task: str,
        plan: str,
        steps: Sequence[StepSpec],
        *,
        started_by: str | None = None,
    ) -> int:
        await _io()
        check_steps(steps)
        now = _now()
        run_id = next(self._ids)
        self._runs[run_id] = _Run(
            run_id, _same_key(key), task, plan, now, now, _new_steps(steps), started_by
        )
        return run_id

    async def get_run(self, run_id: int) -> PipelineRunRecord | None:
        await _io()
        run = self._runs.get(run_id)
        return None if run is None else _record(run)

    async def run_status(self, run_id: int) -> str | None:
        await _io()
        run = self._runs.get(run_id)
        return None if run is None else run.status

    async def latest_run_id(self, key: ConversationKey) -> int | None:
        await _io()
        return max(self._ids_of(_same_key(key)), default=None)

    async def list_runs(
        self, *, limit: int = 20, key: ConversationKey | None = None, threads: bool = False
    ) -> list[PipelineRunRecord]:
        await _io()
        if limit < 1:
            return []
        if key is None:
            ids: Iterable[int] = self._runs
        elif threads and not key.thread_id:
            ids = [run.id for run in self._runs.values() if _in_channel(run.key, key)]
        else:
            ids = self._ids_of(_same_key(key))
        newest = sorted(ids, reverse=True)[:limit]
        return [_record(self._runs[run_id]) for run_id in newest]

    async def unfinished_runs(self) -> list[int]:
        await _io()
        return sorted(
            run.id
            for run in self._runs.values()
            if run.status in UNFINISHED or (run.answer is not None and not run.answer_posted)
        )

    async def set_run_status(self, run_id: int, status: str) -> None:
        await _io()
        check_status(status, RUN_STATUSES, "run")
        run = self._run(run_id)
        now = _now()
        run.status, run.updated_at = status, now
        run.finished_at = now if status in FINISHED_RUN_STATUSES else None

    async def start_step(self, run_id: int, step_id: str) -> int:
        await _io()
        run = self._run(run_id)
        step = run.step(step_id)
        now = _now()
        step.clear_result()  # a restarted step must not show the previous attempt's result
        step.status, step.started_at = StepStatus.RUNNING, now
        step.attempt += 1
        if run.status == RunStatus.PENDING:
            run.status = RunStatus.RUNNING
        run.updated_at = now
        return step.attempt

    async def finish_step(
        self,
        run_id: int,
        step_id: str,
        output: str,
        *,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        await _io()
        check_tokens(prompt_tokens, completion_tokens)
        step = self._end_step(run_id, step_id, StepStatus.DONE, prompt_tokens, completion_tokens)
        step.output = output

    async def fail_step(
        self,
        run_id: int,
        step_id: str,
        error: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        await _io()
        check_tokens(prompt_tokens, completion_tokens)
        step = self._end_step(run_id, step_id, StepStatus.FAILED, prompt_tokens, completion_tokens)
        step.error = error

    async def set_steps_status(self, run_id: int, step_ids: Sequence[str], status: str) -> None:
        await _io()
        check_status(status, STEP_STATUSES, "step")
        wanted = check_step_ids(step_ids)
        run = self._run(run_id)
        steps = [run.step(step_id) for step_id in wanted]  # all found before any changes
        now = _now()
        run.updated_at = now
        for step in steps:
            step.status = status
            if status == StepStatus.PENDING:
                step.clear_result()
            else:
                step.finished_at = now if status in FINISHED_STEP_STATUSES else None

    async def reset_interrupted_steps(self, run_id: int) -> list[str]:
        await _io()
        run = self._run(run_id)
        interrupted = [step for step in run.steps.values() if step.status == StepStatus.RUNNING]
        for step in interrupted:
            step.status = StepStatus.PENDING
            step.clear_result()  # the attempt count stays: that attempt did happen
        if interrupted:
            run.updated_at = _now()
        return [step.step_id for step in interrupted]

    async def save_answer(
        self,
        run_id: int,
        answer: str,
        status: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        await _io()
        check_status(status, ANSWER_STATUSES, "final run")
        check_tokens(prompt_tokens, completion_tokens)
        run = self._run(run_id)
        now = _now()
        run.answer, run.status, run.updated_at, run.finished_at = answer, status, now, now
        run.add_tokens(prompt_tokens, completion_tokens)

    async def claim_answer_post(self, run_id: int) -> bool:
        await _io()
        run = self._run(run_id)
        if run.answer_posted:
            return False
        run.answer_posted, run.updated_at = True, _now()
        return True

    async def reopen_run(self, run_id: int) -> None:
        await _io()
        run = self._run(run_id)
        run.status, run.answer, run.answer_posted = RunStatus.PENDING, None, False
        run.finished_at, run.updated_at = None, _now()

    def _run(self, run_id: int) -> _Run:
        if run_id not in self._runs:
            raise StoreError(no_run(run_id))
        return self._runs[run_id]

    def _ids_of(self, key: ConversationKey) -> list[int]:
        return [run.id for run in self._runs.values() if run.key == key]

    def _end_step(
        self, run_id: int, step_id: str, status: str, prompt_tokens: int, completion_tokens: int
    ) -> _Step:
        run = self._run(run_id)
        step = run.step(step_id)
        now = _now()
        step.status, step.finished_at = status, now
        step.add_tokens(prompt_tokens, completion_tokens)
        run.add_tokens(prompt_tokens, completion_tokens)
        run.updated_at = now
        return step


async def _io() -> None:
    """Yield to the event loop once, as a real store's I/O would, so code tested on this
    store meets the interleavings it will meet on SQLite."""
    await asyncio.sleep(0)


def _now() -> datetime:
    return datetime.now(UTC)


def _same_key(key: ConversationKey) -> ConversationKey:
    # "" and None both mean "no thread", as in the SQLite store.
    return ConversationKey(key.platform, key.channel_id, key.thread_id or None)


def _in_channel(key: ConversationKey, channel: ConversationKey) -> bool:
    return (key.platform, key.channel_id) == (channel.platform, channel.channel_id)


def _new_steps(steps: Sequence[StepSpec]) -> dict[str, _Step]:
    return {
        step_id: _Step(step_id, position, agent, instruction, tuple(depends_on))
        for position, (step_id, agent, instruction, depends_on) in enumerate(steps)
    }


def _record(run: _Run) -> PipelineRunRecord:
    """An immutable snapshot: later changes to the run do not show through it."""
    steps = tuple(
        PipelineStepRecord(
            run_id=run.id,
            step_id=s.step_id,
            position=s.position,
            agent=s.agent,
            instruction=s.instruction,
            depends_on=s.depends_on,
            status=s.status,
            attempt=s.attempt,
            output=s.output,
            error=s.error,
            started_at=s.started_at,
            finished_at=s.finished_at,
            prompt_tokens=s.prompt_tokens,
            completion_tokens=s.completion_tokens,
        )
        for s in run.steps.values()
    )
    return PipelineRunRecord(
        id=run.id,
        key=run.key,
        task=run.task,
        plan=run.plan,
        started_by=run.started_by,
        status=run.status,
        answer=run.answer,
        answer_posted=run.answer_posted,
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
        created_at=run.created_at,
        updated_at=run.updated_at,
        finished_at=run.finished_at,
        steps=steps,
    )
