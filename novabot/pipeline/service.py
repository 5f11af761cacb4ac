"""Pipelines in chat: start one in a thread of its own, keep a live progress message
there, post the final answer once, and pick unfinished runs up again after a restart."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from novabot.agents.directory import AgentDirectory
from novabot.core.message import ConversationKey, Message
from novabot.core.responder import Responder, ResponderFor
from novabot.llm.client import LLM
from novabot.pipeline.executor import FINISHED, Executor, Limits
from novabot.pipeline.plan import Plan
from novabot.pipeline.planner import make_plan
from novabot.pipeline.progress import render_progress
from novabot.routing.router import Route
from novabot.routing.rules import RouteRule
from novabot.store import PipelineRunRecord, PipelineStore

log = logging.getLogger(__name__)

PIPELINE_AGENT = "pipeline"


class AnswerPoster(Protocol):
    """Posts a run's answer once (per `ref`) and adds it to the conversation's history."""

    async def post(
        self,
        ref: str,
        responder: Responder,
        key: ConversationKey,
        text: str,
        *,
        agent: str | None = None,
    ) -> bool: ...


class RunLeases(Protocol):
    """Which runs this process may run: one process per run (delivery/runs.py)."""

    async def hold(self, run_id: int) -> bool: ...

    async def release(self, run_id: int) -> None: ...


class PipelineService:
    """Pipelines in chat, made of the parts it is handed: where runs are kept, how answers
    are posted, which runs this process holds, the agents, the LLM and the limits."""

    def __init__(
        self,
        store: PipelineStore,
        poster: AnswerPoster,
        leases: RunLeases,
        agents: AgentDirectory,
        llm: LLM,
        limits: Limits,
    ) -> None:
        self.store = store
        self.poster = poster
        self.leases = leases
        self.agents = agents
        self.llm = llm
        self.limits = limits
        self.executor = Executor(store, agents, llm, limits)
        self._runs: dict[int, asyncio.Task[None]] = {}

    async def plan(self, task: str) -> Plan:
        return await make_plan(self.agents, self.llm, task, max_steps=self.limits.max_steps)

    async def start(self, origin: Responder, plan: Plan, *, started_by: str | None = None) -> int:
        """Open the run's thread, store the run (with its starter's user id), and run it in
        the background."""
        thread = await origin.thread(f"Pipeline: {plan.task}")
        key = thread.key or origin.key
        if key is None:
            raise RuntimeError("this responder cannot tell which conversation it answers in")
        run_id = await self.executor.create(key, plan, started_by=started_by)
        self.follow(run_id, thread)
        return run_id

    def follow(self, run_id: int, responder: Responder) -> None:
        """Run (or resume) `run_id` in the background, showing progress through `responder`,
        unless this process already does or another live process holds the run."""
        if run_id in self._runs:
            return
        task = asyncio.create_task(self._follow(run_id, responder))
        self._runs[run_id] = task
        task.add_done_callback(lambda _: self._runs.pop(run_id, None))

    async def _follow(self, run_id: int, responder: Responder) -> None:
        if not await self.leases.hold(run_id):
            log.info("pipeline #%d is run by another process", run_id)
            return
        try:
            await self._run(run_id, responder)
        finally:
            await self.leases.release(run_id)

    async def _run(self, run_id: int, responder: Responder) -> None:
        record = await self.executor.load(run_id)
        # A run that finished before a crash only has its answer left to post: no progress.
        live = None if record.status in FINISHED else await responder.live(render_progress(record))

        async def on_change(run: PipelineRunRecord) -> None:
            if live is not None:
                await live.update(render_progress(run))

        async def post(run: PipelineRunRecord) -> None:
            # One post per finished run: a retried run finishes anew and posts again.
            finished = run.finished_at.isoformat() if run.finished_at else ""
            assert run.answer is not None
            await self.poster.post(
                f"pipeline:{run.id}:{finished}",
                responder,
                run.key,
                run.answer,
                agent=PIPELINE_AGENT,
            )

        try:
            await self.executor.run(run_id, on_change=on_change, post=post)
        except Exception:
            log.exception("pipeline #%d failed", run_id)
            await responder.say(
                f"Pipeline #{run_id} stopped on an error; `retry {run_id}` resumes it."
            )
        finally:
            if live is not None:
                await live.close()

    async def resume_all(self, responder_for: ResponderFor) -> list[int]:
        """Resume every unfinished run that no live process holds and whose conversation an
        adapter can answer in; the ids of those this process now runs."""
        resumed = []
        for run_id in await self.store.unfinished_runs():
            if run_id in self._runs:
                continue
            record = await self.executor.load(run_id)
            responder = responder_for(record.key)
            if responder is not None and await self.leases.hold(run_id):
                self.follow(run_id, responder)
                resumed.append(run_id)
        return resumed

    async def stop(self) -> None:
        """Cancel runs in progress; their steps resume from the last checkpoint next time."""
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    async def claim(self, message: Message) -> Route | None:
        """A message in a pipeline's thread goes to the pipeline agent (unless addressed)."""
        if PIPELINE_AGENT not in self.agents.agents:
            return None
        run_id = await self.store.latest_run_id(message.key)
        if run_id is None:
            return None
        reason = f"this thread is pipeline #{run_id}"
        return Route(PIPELINE_AGENT, RouteRule.PIPELINE, reason, 1.0, message.text)
