"""Pipelines in chat: start one in a thread of its own, keep a live progress message
there, post the final answer once, and pick unfinished runs up again after a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from novabot.agents.directory import AgentDirectory
from novabot.core.message import ConversationKey, Message
from novabot.core.responder import Responder
from novabot.llm.client import LLM
from novabot.pipeline.executor import Executor, Limits
from novabot.pipeline.plan import Plan
from novabot.pipeline.planner import make_plan
from novabot.pipeline.progress import render_progress
from novabot.routing.router import Route
from novabot.routing.rules import RouteRule
from novabot.store import MessageLog, PipelineRunRecord, PipelineStore

log = logging.getLogger(__name__)

PIPELINE_AGENT = "pipeline"
ResponderFor = Callable[[ConversationKey], Responder | None]


class PipelineService:
    """Pipelines in chat, made of the parts it is handed: where runs are kept, where
    answers join the history, the agents, the LLM and the limits."""

    def __init__(
        self,
        store: PipelineStore,
        history: MessageLog,
        agents: AgentDirectory,
        llm: LLM,
        limits: Limits,
    ) -> None:
        self.store = store
        self.history = history
        self.agents = agents
        self.llm = llm
        self.limits = limits
        self.executor = Executor(store, agents, llm, limits)
        self._runs: set[asyncio.Task[None]] = set()

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
        """Run (or resume) `run_id` in the background, showing progress through `responder`."""
        task = asyncio.create_task(self._follow(run_id, responder))
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def _follow(self, run_id: int, responder: Responder) -> None:
        record = await self.executor.load(run_id)
        live = await responder.live(render_progress(record))

        async def on_change(run: PipelineRunRecord) -> None:
            await live.update(render_progress(run))

        async def post(answer: str) -> None:
            await responder.say(answer, agent=PIPELINE_AGENT)
            # In the thread's history, so follow-ups there reach the pipeline agent.
            await self.history.add_message(record.key, "assistant", answer, agent=PIPELINE_AGENT)

        try:
            await self.executor.run(run_id, on_change=on_change, post=post)
        except Exception:
            log.exception("pipeline #%d failed", run_id)
            await responder.say(
                f"Pipeline #{run_id} stopped on an error; `retry {run_id}` resumes it."
            )
        finally:
            await live.close()

    async def resume_all(self, responder_for: ResponderFor) -> list[int]:
        """Resume every unfinished run whose conversation an adapter can answer in."""
        resumed = []
        for run_id in await self.store.unfinished_runs():
            record = await self.executor.load(run_id)
            responder = responder_for(record.key)
            if responder is not None:
                self.follow(run_id, responder)
                resumed.append(run_id)
        return resumed

    async def stop(self) -> None:
        """Cancel runs in progress; their steps resume from the last checkpoint next time."""
        for task in list(self._runs):
            task.cancel()
        if self._runs:
            await asyncio.wait(list(self._runs), timeout=5)

    async def claim(self, message: Message) -> Route | None:
        """A message in a pipeline's thread goes to the pipeline agent (unless addressed)."""
        if PIPELINE_AGENT not in self.agents.agents:
            return None
        run_id = await self.store.latest_run_id(message.key)
        if run_id is None:
            return None
        reason = f"this thread is pipeline #{run_id}"
        return Route(PIPELINE_AGENT, RouteRule.PIPELINE, reason, 1.0, message.text)
