"""Token metering in pipelines: every call is charged to the agent that made it, in the
run's conversation and against the run, and the charges add up to what was served."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from novabot.core.message import ConversationKey
from novabot.core.registry import Registry
from novabot.llm.client import LLM
from novabot.llm.metering import charged_to
from novabot.pipeline.executor import Executor
from novabot.pipeline.plan import Plan
from novabot.pipeline.planner import make_plan
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.fakes.openai_wire import JSON
from tests.pipeline.conftest import UsageLog
from tests.pipeline.steps import StepServer

pytestmark = pytest.mark.usefixtures("no_bot_router_or_model")

KEY = ConversationKey("test", "C1", "pipeline-1")
PLAN = {
    "task": "summarise and translate",
    "steps": [
        {"id": "sum", "agent": "summarizer", "instruction": "summarise", "depends_on": []},
        {"id": "fr", "agent": "translator", "instruction": "into French", "depends_on": ["sum"]},
    ],
}
STEP = re.compile(r"Your step \('([^']+)'\)")

Totals = Counter[tuple[str, int | None, str]]
"""Tokens by (agent, run id, "prompt" or "completion")."""


def who_asked(body: JSON, plan: Plan, run_id: int) -> tuple[str, int | None]:
    """The agent (and run) a request was made for, read from the request itself."""
    if "response_format" in body:
        return "planner", None
    # Any message, not just the last: after a tool round the last one is the tool's result.
    found = STEP.search(" ".join(str(m.get("content")) for m in body["messages"]))
    if found is None:
        return "aggregator", run_id
    return next(s.agent for s in plan.steps if s.id == found.group(1)), run_id


def served(fake: FakeOpenAI, plan: Plan, run_id: int) -> Totals:
    totals: Totals = Counter()
    for body, usage in fake.served_usage:
        agent, run = who_asked(body, plan, run_id)
        totals[(agent, run, "prompt")] += usage["prompt_tokens"]
        totals[(agent, run, "completion")] += usage["completion_tokens"]
    return totals


def charged(usage: UsageLog) -> Totals:
    totals: Totals = Counter()
    for charge in usage.charges:
        totals[(charge.agent, charge.run_id, "prompt")] += charge.prompt_tokens
        totals[(charge.agent, charge.run_id, "completion")] += charge.completion_tokens
    return totals


async def test_a_runs_usage_per_agent_is_what_the_server_served(
    agents: Registry,
    llm: LLM,
    executor: Executor,
    usage: UsageLog,
    steps: StepServer,
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.script(Text(json.dumps(PLAN), prompt_tokens=31))  # the planner's reply
    # The summarizer uses a tool first: both of its rounds are charged to it.
    steps.overrides["sum"] = lambda n: ToolCalls((Call("text_stats", {}),), prompt_tokens=17)
    steps.overrides["fr"] = lambda n: Text("en français", prompt_tokens=23)
    with charged_to("chat", key=KEY):  # as when the chat agent starts a pipeline
        plan = await make_plan(agents, llm, "summarise and translate", max_steps=12)
    run_id = await executor.create(KEY, plan)
    record = await executor.run(run_id)

    assert record.status == "done"
    assert charged(usage) == served(fake_openai, plan, run_id)
    assert {agent for agent, _, _ in charged(usage)} == {
        "planner",
        "summarizer",
        "translator",
        "aggregator",
    }
    assert {charge.key for charge in usage.charges} == {KEY}
    in_run = [c for c in usage.charges if c.run_id == run_id]
    assert record.prompt_tokens == sum(c.prompt_tokens for c in in_run)
    assert record.completion_tokens == sum(c.completion_tokens for c in in_run)


async def test_a_resumed_run_charges_its_own_conversation(
    executor: Executor, usage: UsageLog, fake_openai: FakeOpenAI
) -> None:
    """Whoever resumes a run (a restart, a CLI command), its calls go to the run's key."""
    plan = Plan.model_validate(PLAN)
    run_id = await executor.create(KEY, plan)
    with charged_to("someone else", key=ConversationKey("cli", "elsewhere")):
        await executor.run(run_id)
    assert {(c.key, c.run_id) for c in usage.charges} == {(KEY, run_id)}
    assert sorted({c.agent for c in usage.charges}) == ["aggregator", "summarizer", "translator"]
