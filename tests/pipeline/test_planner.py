"""The planner: structured output asked for, one repair, then a clear failure."""

from __future__ import annotations

import json

import pytest

from novabot.core.registry import Registry
from novabot.llm.client import LLM
from novabot.pipeline.plan import PlanError
from novabot.pipeline.planner import make_plan
from tests.fakes.openai_server import Fail, FakeOpenAI, Text

pytestmark = pytest.mark.usefixtures("no_bot_router_or_model")

GOOD = {
    "task": "summarise and translate",
    "steps": [
        {"id": "sum", "agent": "summarizer", "instruction": "summarise it", "depends_on": []},
        {"id": "fr", "agent": "translator", "instruction": "into French", "depends_on": ["sum"]},
    ],
}


async def test_a_good_plan_is_taken_and_structured_output_asked_for(
    agents: Registry, llm: LLM, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("```json\n" + json.dumps(GOOD) + "\n```"))
    plan = await make_plan(agents, llm, "summarise and translate", max_steps=12)
    assert [step.id for step in plan.steps] == ["sum", "fr"]
    body = fake_openai.requests[0].body
    assert body["response_format"]["type"] == "json_schema"
    system = body["messages"][0]["content"]
    assert "- translator: Translates text" in system and "- planner:" not in system


async def test_an_invalid_plan_gets_one_repair(
    agents: Registry, llm: LLM, fake_openai: FakeOpenAI
) -> None:
    wrong = {**GOOD, "steps": [{**GOOD["steps"][0], "agent": "poet"}]}
    fake_openai.script(Text(json.dumps(wrong)), Text(json.dumps(GOOD)))
    plan = await make_plan(agents, llm, "t", max_steps=12)
    assert len(plan.steps) == 2
    repair = fake_openai.requests[1].body["messages"][-1]["content"]
    assert repair.startswith("That plan is invalid: step 'sum': no agent named 'poet'")


async def test_a_second_invalid_plan_fails_clearly(
    agents: Registry, llm: LLM, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Sure! Here is my plan: first…"), Text("{not json"))
    with pytest.raises(
        PlanError, match="the planner could not produce a valid plan: the reply is not JSON"
    ):
        await make_plan(agents, llm, "t", max_steps=12)
    assert len(fake_openai.requests) == 2


async def test_an_endpoint_without_structured_output_is_asked_again_plainly(
    agents: Registry, llm: LLM, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        Fail(400, message="response_format is not supported"), Text(json.dumps(GOOD))
    )
    plan = await make_plan(agents, llm, "t", max_steps=12)
    assert len(plan.steps) == 2 and "response_format" not in fake_openai.requests[1].body


async def test_too_many_steps_counts_as_invalid(
    agents: Registry, llm: LLM, fake_openai: FakeOpenAI
) -> None:
    many = {
        "task": "t",
        "steps": [{"id": f"s{n}", "agent": "chat", "instruction": "x"} for n in range(5)],
    }
    fake_openai.script(Text(json.dumps(many)), Text(json.dumps(many)))
    with pytest.raises(PlanError, match="the plan has 5 steps; at most 3 are allowed"):
        await make_plan(agents, llm, "t", max_steps=3)
