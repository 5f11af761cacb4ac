"""The planner: asks the LLM (through the `planner` scope card) for a plan, checks it,
and gives the model one chance to repair an invalid plan before failing clearly."""

from __future__ import annotations

import json
import logging

from novabot.agents.directory import AgentDirectory
from novabot.llm.client import LLM, ChatMessage
from novabot.llm.metering import charged_to
from novabot.llm.replies import unfenced
from novabot.pipeline.plan import Plan, PlanError, parse_plan, validate_plan

log = logging.getLogger(__name__)

PLANNER = "planner"


async def make_plan(agents: AgentDirectory, llm: LLM, task: str, *, max_steps: int) -> Plan:
    """A valid plan for `task` from the planner agent; its calls are charged to it, in the
    caller's conversation."""
    with charged_to(PLANNER):
        return await _plan(agents, llm, task, max_steps)


async def _plan(agents: AgentDirectory, llm: LLM, task: str, max_steps: int) -> Plan:
    planner = agents.agents.get(PLANNER)
    if planner is None:
        raise PlanError("no 'planner' scope card is loaded, so Nova cannot plan tasks")
    names = [card.name for card in agents.routable_cards]
    messages: list[ChatMessage] = [
        {"role": "system", "content": planner.system_prompt + "\n\n" + agent_list(agents)},
        {"role": "user", "content": f"Task: {task}\n\nAt most {max_steps} steps."},
    ]
    error = ""
    for attempt in (1, 2):  # the first try, then one repair
        answer = await llm.complete_json(
            messages,
            schema=Plan.model_json_schema(),
            name="plan",
            model=planner.card.model,
            temperature=planner.card.temperature,
        )
        try:
            return validate_plan(read_plan(answer.text), names, max_steps=max_steps)
        except PlanError as exc:
            error = str(exc)
            log.info("planner attempt %d gave an invalid plan: %s", attempt, error)
        messages += [
            {"role": "assistant", "content": answer.text},
            {
                "role": "user",
                "content": f"That plan is invalid: {error}. Reply with the corrected JSON only.",
            },
        ]
    raise PlanError(f"the planner could not produce a valid plan: {error}")


def read_plan(text: str) -> Plan:
    """Strictly parse the planner's reply: one JSON object, optionally in a code fence."""
    body = unfenced(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise PlanError(f"the reply is not JSON ({exc.msg} at character {exc.pos})") from None
    return parse_plan(data, "plan")


def agent_list(agents: AgentDirectory) -> str:
    lines = ["The agents you can use:"]
    for card in agents.routable_cards:
        lines.append(f"- {card.name}: {card.description}")
        lines += [f"    does: {item}" for item in card.does]
        lines += [f"    does not: {item}" for item in card.does_not]
    return "\n".join(lines)
