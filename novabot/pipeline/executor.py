"""The executor: runs a stored plan's steps, in parallel where their dependencies allow,
checkpointing each step in the pipeline store before any step that needs it starts.

A run can stop at any moment (a crash, a kill, a restart) and `run()` picks it up again:
steps already `done` are never re-run, steps caught `running` start over, and the final
answer is posted once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from novabot.agents.agent import Agent
from novabot.agents.directory import AgentDirectory
from novabot.config import Settings
from novabot.core.message import ConversationKey
from novabot.llm.client import LLM, Answer, LLMError
from novabot.llm.metering import charged_to
from novabot.pipeline.plan import Plan, PlanError, PlanStep
from novabot.projects.context import KnowledgeSource, ProjectKnowledge
from novabot.store import PipelineRunRecord, PipelineStepRecord, PipelineStore
from novabot.store.statuses import (
    FINISHED_RUN_STATUSES,
    FINISHED_STEP_STATUSES,
    RETRYABLE_STEP_STATUSES,
    RunStatus,
    StepStatus,
)

log = logging.getLogger(__name__)

FINISHED = FINISHED_RUN_STATUSES
SETTLED = FINISHED_STEP_STATUSES
AGGREGATOR = "aggregator"

OnChange = Callable[[PipelineRunRecord], Awaitable[None]]
PostAnswer = Callable[[PipelineRunRecord], Awaitable[None]]
"""Posts a finished run's answer (once: the poster records it before sending it)."""


@dataclass(frozen=True)
class Limits:
    """Hard caps that keep a run finite whatever the model does."""

    max_steps: int = 12
    concurrency: int = 4
    step_timeout_s: float = 180.0
    step_retries: int = 2
    retry_backoff_s: float = 2.0
    max_tokens: int = 200_000

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_steps=settings.pipeline.max_steps,
            concurrency=settings.pipeline.concurrency,
            step_timeout_s=settings.pipeline.step_timeout_s,
            step_retries=settings.pipeline.step_retries,
            retry_backoff_s=settings.pipeline.retry_backoff_s,
            max_tokens=settings.pipeline.max_tokens,
        )


class StepFailed(Exception):
    """A step gave up: its attempts are spent, or the run's token budget is."""


class BudgetSpent(StepFailed):
    """The run's token budget is spent: trying the step again cannot help."""


class Executor:
    """Runs stored plans with the agents of `agents`, checkpointing each step in `store`."""

    def __init__(
        self,
        store: PipelineStore,
        agents: AgentDirectory,
        llm: LLM,
        limits: Limits,
        knowledge: KnowledgeSource | None = None,
    ) -> None:
        self.store = store
        self.agents = agents
        self.llm = llm
        self.limits = limits
        self.knowledge = knowledge
        """Where a step's agent gets the run's project knowledge (None: no projects)."""
        self._active: dict[int, asyncio.Task[PipelineRunRecord]] = {}

    async def create(
        self, key: ConversationKey, plan: Plan, *, started_by: str | None = None
    ) -> int:
        """Store `plan` as a pending run of `key`, started by the user `started_by`."""
        steps = [(s.id, s.agent, s.instruction, s.depends_on) for s in plan.steps]
        return await self.store.create_run(
            key, plan.task, plan.model_dump_json(), steps, started_by=started_by
        )

    async def run(
        self, run_id: int, *, on_change: OnChange | None = None, post: PostAnswer | None = None
    ) -> PipelineRunRecord:
        """Run (or resume) a stored run to its end; `post` gets the final answer once."""
        task = asyncio.create_task(_Run(self, run_id, on_change).execute())
        self._active[run_id] = task
        try:
            record = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being stopped ourselves, not just this run (`cancel`)
            record = await self.load(run_id)
        finally:
            self._active.pop(run_id, None)
        if record.answer is not None and post and not record.answer_posted:
            await post(record)
            await self.store.claim_answer_post(run_id)  # remembered as posted
        return record

    async def cancel(self, run_id: int) -> bool:
        """Stop a run: unfinished steps become `cancelled`. False if it had already ended."""
        record = await self.load(run_id)
        if record.status in FINISHED:
            return False
        await self.store.set_run_status(run_id, RunStatus.CANCELLED)
        open_steps = [s.step_id for s in record.steps if s.status not in SETTLED]
        await self.store.set_steps_status(run_id, open_steps, StepStatus.CANCELLED)
        if run_id in self._active:
            self._active[run_id].cancel()
        return True

    async def retry(self, run_id: int, step_id: str | None = None) -> list[str]:
        """Put failed, skipped or cancelled steps (or one named step and the steps after
        it) back to pending, so the next `run()` does them again. Returns their ids."""
        record = await self.load(run_id)
        if step_id is not None and step_id not in {s.step_id for s in record.steps}:
            raise PlanError(f"run {run_id} has no step '{step_id}'")
        again = (
            downstream(record.steps, step_id)
            if step_id
            else [s.step_id for s in record.steps if s.status in RETRYABLE_STEP_STATUSES]
        )
        if again:
            await self.store.set_steps_status(run_id, again, StepStatus.PENDING)
            await self.store.reopen_run(run_id)
        return again

    async def load(self, run_id: int) -> PipelineRunRecord:
        record = await self.store.get_run(run_id)
        if record is None:
            raise PlanError(f"there is no pipeline run {run_id}")
        return record


class _Run:
    """One execution of one run: its steps' tasks and what they share."""

    def __init__(self, executor: Executor, run_id: int, on_change: OnChange | None) -> None:
        self.executor = executor
        self.store = executor.store
        self.limits = executor.limits
        self.run_id = run_id
        self.key: ConversationKey | None = None  # the run's conversation, once loaded
        self.on_change = on_change
        self.semaphore = asyncio.Semaphore(self.limits.concurrency)
        self.settled: dict[str, asyncio.Event] = {}
        self.status: dict[str, str] = {}
        self.outputs: dict[str, str] = {}
        self.tokens = 0

    async def execute(self) -> PipelineRunRecord:
        record = await self.executor.load(self.run_id)
        if record.status in FINISHED:
            return record
        self.key = record.key
        await self.store.reset_interrupted_steps(self.run_id)
        record = await self.executor.load(self.run_id)
        plan = Plan.model_validate_json(record.plan)
        self._load(record)
        await self._changed()
        pending = [step for step in plan.steps if self.status[step.id] not in SETTLED]
        await asyncio.gather(*(self._step(plan, step) for step in pending))
        return await self._finish(plan)

    def _load(self, record: PipelineRunRecord) -> None:
        self.tokens = record.prompt_tokens + record.completion_tokens
        for step in record.steps:
            self.status[step.step_id] = step.status
            self.settled[step.step_id] = asyncio.Event()
            if step.status in SETTLED:
                self.settled[step.step_id].set()
            if step.status == StepStatus.DONE:
                self.outputs[step.step_id] = step.output or ""

    async def _step(self, plan: Plan, step: PlanStep) -> None:
        for needed in step.depends_on:
            await self.settled[needed].wait()
        blocked = [n for n in step.depends_on if self.status[n] != StepStatus.DONE]
        if blocked:
            await self._settle(step.id, StepStatus.SKIPPED)
            return
        async with self.semaphore:
            if await self.store.run_status(self.run_id) == RunStatus.CANCELLED:
                await self._settle(step.id, StepStatus.CANCELLED)  # cancelled from another process
                return
            await self._attempt_until_done(plan, step)

    async def _attempt_until_done(self, plan: Plan, step: PlanStep) -> None:
        agent = self.executor.agents.agents[step.agent]
        request = step_request(plan, step, self.outputs)
        knowledge = await self._knowledge(step.instruction)
        attempts = self.limits.step_retries + 1
        for attempt in range(1, attempts + 1):
            await self.store.start_step(self.run_id, step.id)
            self.status[step.id] = StepStatus.RUNNING
            await self._changed()
            try:
                answer = await self._perform(agent, request, knowledge)
            except StepFailed as exc:
                if attempt < attempts and not isinstance(exc, BudgetSpent):
                    await asyncio.sleep(self.limits.retry_backoff_s * 2 ** (attempt - 1))
                    continue
                await self.store.fail_step(self.run_id, step.id, str(exc))
                await self._settle(step.id, StepStatus.FAILED, stored=True)
                return
            await self.store.finish_step(
                self.run_id,
                step.id,
                answer.text,
                prompt_tokens=answer.usage.prompt_tokens,
                completion_tokens=answer.usage.completion_tokens,
            )
            self.outputs[step.id] = answer.text
            await self._settle(step.id, StepStatus.DONE, stored=True)
            return

    async def _knowledge(self, instruction: str) -> ProjectKnowledge | None:
        """The run's project knowledge relevant to a step (its conversation's project)."""
        source = self.executor.knowledge
        if source is None or self.key is None:
            return None
        return await source.for_message(self.key, instruction)

    async def _perform(
        self, agent: Agent, request: str, knowledge: ProjectKnowledge | None = None
    ) -> Answer:
        if self.tokens >= self.limits.max_tokens:
            raise BudgetSpent(f"token budget of {self.limits.max_tokens} spent by this run")
        try:
            # Every call made for this step, hand-offs too, counts against the run.
            with charged_to(agent.name, key=self.key, run_id=self.run_id):
                async with asyncio.timeout(self.limits.step_timeout_s):
                    answer = await agent.perform(self.executor.llm, request, knowledge=knowledge)
        except TimeoutError:
            raise StepFailed(f"no answer within {self.limits.step_timeout_s:g}s") from None
        except LLMError as exc:  # the step's error is shown in the channel: the public line
            log.warning("run %d, agent %s: %s", self.run_id, agent.name, exc.detail)
            raise StepFailed(exc.public) from None
        self.tokens += answer.usage.prompt_tokens + answer.usage.completion_tokens
        return answer

    async def _settle(self, step_id: str, status: str, *, stored: bool = False) -> None:
        if not stored:
            await self.store.set_steps_status(self.run_id, [step_id], status)
        self.status[step_id] = status
        self.settled[step_id].set()
        await self._changed()

    async def _finish(self, plan: Plan) -> PipelineRunRecord:
        current = await self.executor.load(self.run_id)
        if current.status == RunStatus.CANCELLED:
            return current
        steps = current.steps
        done = all(s.status == StepStatus.DONE for s in steps)
        status = RunStatus.DONE if done else RunStatus.FAILED
        answer = await self._aggregate(plan, steps)
        await self.store.save_answer(
            self.run_id,
            answer.text,
            status,
            prompt_tokens=answer.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens,
        )
        final = await self.executor.load(self.run_id)
        if self.on_change:
            await self.on_change(final)
        return final

    async def _aggregate(self, plan: Plan, steps: tuple[PipelineStepRecord, ...]) -> Answer:
        agents = self.executor.agents.agents
        aggregator = agents.get(AGGREGATOR) or agents["chat"]
        try:
            return await self._perform(aggregator, aggregation_request(plan, steps))
        except StepFailed as exc:
            log.warning("run %d: aggregation failed: %s", self.run_id, exc)
            fallback = Answer(text=plain_summary(steps, str(exc)), model="")
            return fallback

    async def _changed(self) -> None:
        if self.on_change:
            record = await self.store.get_run(self.run_id)
            if record is not None:
                await self.on_change(record)


def step_request(plan: Plan, step: PlanStep, outputs: dict[str, str]) -> str:
    """What a step's agent is asked: the task, what it builds on, and its own part."""
    parts = [f"You are doing one step of a larger task.\n\nThe task: {plan.task}"]
    by_id = {s.id: s for s in plan.steps}
    for needed in step.depends_on:
        parts.append(f"Result of step '{needed}' ({by_id[needed].agent}):\n{outputs[needed]}")
    parts.append(f"Your step ('{step.id}'): {step.instruction}")
    return "\n\n".join(parts)


def aggregation_request(plan: Plan, steps: tuple[PipelineStepRecord, ...]) -> str:
    parts = [f"The task: {plan.task}", "The steps and their results:"]
    for step in steps:
        result = (
            step.output
            if step.status == StepStatus.DONE
            else f"({step.status}: {step.error or 'not run'})"
        )
        parts.append(f"## {step.step_id} — {step.agent} — {step.status}\n{result}")
    parts.append("Write the final answer to the task from these results.")
    return "\n\n".join(parts)


def plain_summary(steps: tuple[PipelineStepRecord, ...], why: str) -> str:
    """The results as they are, when no model could write the final answer."""
    lines = [f"(The final answer could not be written: {why}. The steps' results follow.)"]
    for step in steps:
        result = step.output or step.error or ""
        lines.append(f"\n**{step.step_id}** ({step.agent}, {step.status}):\n{result}")
    return "\n".join(lines)


def downstream(steps: tuple[PipelineStepRecord, ...], start: str) -> list[str]:
    """`start` and every step that depends on it, directly or not, in plan order."""
    chosen = {start}
    for step in steps:  # plan order lists dependencies before dependents
        if chosen & set(step.depends_on):
            chosen.add(step.step_id)
    return [s.step_id for s in steps if s.step_id in chosen]
