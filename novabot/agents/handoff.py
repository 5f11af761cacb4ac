"""Hand-offs: tools that let an agent pass work on instead of doing what is not its job.

`ask_agent` gives one sub-task to another agent and brings its answer back to the
conversation; `start_pipeline` turns "plan this and do it" into a pipeline in a thread of
its own. Both act on the turn being answered (`current_turn`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated, Protocol

from pydantic import Field

from novabot.agents.directory import AgentDirectory
from novabot.agents.tools import Tool, make_tool
from novabot.agents.turn import current_turn
from novabot.core.responder import Responder
from novabot.llm.client import LLM
from novabot.llm.metering import charged_to
from novabot.pipeline.plan import Plan, PlanError

MAX_DEPTH = 2
"""How deep hand-offs may nest (an agent asked by an agent may ask one more)."""
_depth: ContextVar[int] = ContextVar("handoff_depth", default=0)


class PipelineStarter(Protocol):
    async def plan(self, task: str) -> Plan: ...

    async def start(
        self, origin: Responder, plan: Plan, *, started_by: str | None = None
    ) -> int: ...


def handoff_tools(agents: AgentDirectory, llm: LLM, pipelines: PipelineStarter) -> list[Tool]:
    async def ask_agent(
        agent: Annotated[str, Field(description="the agent whose scope the sub-task is")],
        request: Annotated[str, Field(description="the sub-task, self-contained")],
    ) -> str:
        """Give one sub-task to another Nova agent and get its answer back."""
        target = agents.agents.get(agent)
        if target is None or not target.card.routable:
            known = ", ".join(card.name for card in agents.routable_cards)
            return f"error: no agent named '{agent}' (agents: {known})"
        if _depth.get() >= MAX_DEPTH:
            return "error: hand-offs are nested too deep; answer with what you have"
        token = _depth.set(_depth.get() + 1)
        try:
            with charged_to(agent):  # in the asking conversation, under the agent asked
                answer = await target.perform(llm, request)
        finally:
            _depth.reset(token)
        return f"{agent} answered:\n{answer.text}"

    async def start_pipeline(
        task: Annotated[str, Field(description="the whole task, with any text it needs")],
    ) -> str:
        """Plan a multi-step task across agents and run it in a new thread."""
        turn = current_turn.get()
        if turn is None:
            return "error: a pipeline can only be started while answering a message"
        try:
            plan = await pipelines.plan(task)
            run_id = await pipelines.start(turn.responder, plan, started_by=turn.message.user_id)
        except PlanError as exc:
            return f"error: {exc}"
        return f"started pipeline #{run_id} with {len(plan.steps)} steps in a new thread"

    return [make_tool(ask_agent), make_tool(start_pipeline)]
