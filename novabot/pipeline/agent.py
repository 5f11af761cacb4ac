"""The pipeline agent: answers follow-ups in a pipeline's thread from the run itself
("what did the translator say?"), and can retry steps or cancel the run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from novabot.agents.agent import Agent
from novabot.agents.cards import ScopeCard
from novabot.agents.tools import Tool, make_tool
from novabot.agents.turn import Turn
from novabot.llm.client import ChatMessage
from novabot.pipeline.progress import step_line
from novabot.store import PipelineRunRecord

if TYPE_CHECKING:
    from novabot.pipeline.service import PipelineService

OUTPUT_LIMIT = 3000
"""Characters of each step's output shown to the model (long outputs are cut)."""


class PipelineAgent(Agent):
    def __init__(
        self,
        card: ScopeCard,
        tools: Sequence[Tool],
        peers: Sequence[ScopeCard],
        service: PipelineService,
    ) -> None:
        super().__init__(card, tools, peers)
        self.service = service

    async def messages_for(self, turn: Turn) -> list[ChatMessage]:
        messages = await super().messages_for(turn)
        run = await self._run(turn)
        if run is not None:
            messages[0] = {"role": "system", "content": f"{self.system_prompt}\n\n{briefing(run)}"}
        return messages

    async def tools_for(self, turn: Turn) -> list[Tool]:
        run = await self._run(turn)
        if run is None or run.started_by != turn.message.user_id:
            # Only whoever started a run steers it from its thread (admins: `pipeline …`).
            return self.tools
        return [*self.tools, *run_tools(self.service, run.id, turn)]

    async def _run(self, turn: Turn) -> PipelineRunRecord | None:
        runs = await self.service.store.list_runs(limit=1, key=turn.message.key)
        return runs[0] if runs else None


def briefing(run: PipelineRunRecord) -> str:
    """What the model knows about the run: task, steps with states, outputs, answer."""
    lines = [f"This thread is pipeline #{run.id} ({run.status}). Task: {run.task}", "Steps:"]
    for step in run.steps:
        lines.append(f"- {step_line(step)}; instruction: {step.instruction}")
    for step in run.steps:
        if step.output:
            lines.append(f"\nOutput of step '{step.step_id}' ({step.agent}):\n{clip(step.output)}")
    if run.answer:
        lines.append(f"\nFinal answer posted:\n{clip(run.answer)}")
    return "\n".join(lines)


def run_tools(service: PipelineService, run_id: int, turn: Turn) -> list[Tool]:
    async def retry_steps(
        step: Annotated[
            str | None,
            Field(description="a step id to redo with what depends on it; none: every failed step"),
        ] = None,
    ) -> str:
        """Run this pipeline's failed steps again, or one step and the steps after it."""
        again = await service.executor.retry(run_id, step)
        if not again:
            return "nothing to retry: no step failed, was skipped or was cancelled"
        service.follow(run_id, turn.responder)
        return f"retrying {', '.join(again)}; progress and the new answer follow in this thread"

    async def cancel_pipeline() -> str:
        """Stop this pipeline: steps not yet done are cancelled."""
        stopped = await service.executor.cancel(run_id)
        return "cancelled" if stopped else "the pipeline had already ended"

    return [make_tool(retry_steps), make_tool(cancel_pipeline)]


def clip(text: str) -> str:
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + " …(cut)"
