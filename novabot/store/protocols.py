"""The store interfaces other parts depend on: only what they call, nothing more.

`PipelineStore` is what the pipeline executor, service, agent and commands need to
persist runs; the SQLite `Store` and `MemoryPipelineStore` implement it, and
`tests/store/conformance.py` is the contract both must pass (a new store joins by
passing it too). `MessageLog` is the one history write a pipeline makes.

Errors are part of the contract: a bad status, negative tokens or malformed steps raise
`ValueError` (or `TypeError` for a str where a list of ids belongs) before anything is
looked up or written; an unknown run or step raises `StoreError` saying "no pipeline run
N" or "run N has no step 'S'", and a failed write leaves nothing of itself behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from novabot.core.message import ConversationKey
from novabot.store.pipeline_checks import StepSpec
from novabot.store.records import PipelineRunRecord


@runtime_checkable
class PipelineStore(Protocol):
    """Pipeline runs and their steps, durable as far as the implementation is.

    Timestamps are UTC datetimes. Conversation keys match exactly, a key without a
    thread being one key of its own (None and "" are the same: no thread).
    """

    async def create_run(
        self,
        key: ConversationKey,
        task: str,
        plan: str,
        steps: Sequence[StepSpec],
        *,
        started_by: str | None = None,
    ) -> int:
        """Store a pending run and its pending steps (in plan order) at once; its new id,
        greater than every earlier one. `started_by` is the starter's user id."""

    async def get_run(self, run_id: int) -> PipelineRunRecord | None:
        """The run with its steps in plan order, or None."""

    async def run_status(self, run_id: int) -> str | None:
        """Just the run's status (None: no such run); cheap enough to ask between steps."""

    async def latest_run_id(self, key: ConversationKey) -> int | None:
        """The newest run of one conversation, without loading it."""

    async def list_runs(
        self, *, limit: int = 20, key: ConversationKey | None = None, threads: bool = False
    ) -> list[PipelineRunRecord]:
        """The newest `limit` runs (newest first), of one conversation or of all. With
        `threads`, a key without a thread stands for its channel and all its threads."""

    async def unfinished_runs(self) -> list[int]:
        """Ids of runs pending or running, or finished with an answer not yet posted, oldest
        first (what to resume after a restart)."""

    async def set_run_status(self, run_id: int, status: str) -> None:
        """Set the status; finished_at is stamped for a final status, cleared otherwise."""

    async def start_step(self, run_id: int, step_id: str) -> int:
        """A new attempt: the step runs with no result, a pending run starts running.
        Returns the attempt number (1 for the first)."""

    async def finish_step(
        self,
        run_id: int,
        step_id: str,
        output: str,
        *,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        """The step is done with `output`; its tokens add to the step's and the run's."""

    async def fail_step(
        self,
        run_id: int,
        step_id: str,
        error: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """The step failed with `error`; its tokens add to the step's and the run's."""

    async def set_steps_status(self, run_id: int, step_ids: Sequence[str], status: str) -> None:
        """Set several steps' status, all or none. 'pending' clears result and times (the
        attempt count and tokens stay); a final status stamps finished_at."""

    async def reset_interrupted_steps(self, run_id: int) -> list[str]:
        """Steps left running (by a crash) back to pending, attempts kept; their ids in
        plan order."""

    async def save_answer(
        self,
        run_id: int,
        answer: str,
        status: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """The final answer and status ('done' or 'failed'); tokens add to the run's."""

    async def claim_answer_post(self, run_id: int) -> bool:
        """True for the first caller only (until `reopen_run`): whoever gets it posts."""

    async def reopen_run(self, run_id: int) -> None:
        """Back to pending, with no answer and nothing posted, for a retry."""


@runtime_checkable
class MessageLog(Protocol):
    """Where a pipeline's answer joins its thread's history, so follow-ups see it."""

    async def add_message(
        self, key: ConversationKey, role: str, content: str, *, agent: str | None = None
    ) -> int: ...
