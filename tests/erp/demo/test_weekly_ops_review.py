"""The weekly-ops-review template: a valid plan for the ERP agents, naming only tables and
columns the demo database has, and run end to end by the real executor.

The four ERP agents' cards ship with the ERP database layer. Until they are in prompts/,
this test writes stand-in cards of the same names in a folder of its own; once they are,
the shipped cards are used (and a stand-in of the same name would be refused as a
duplicate), so the test checks the template against the real agents from then on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.agents.cards import ScopeCard, load_cards, shipped_cards_dir
from novabot.agents.tools import make_tool
from novabot.core.message import ConversationKey
from novabot.core.registry import Registry
from novabot.erp.demo.schema import TABLES
from novabot.llm.client import LLM
from novabot.pipeline.executor import Executor, Limits
from novabot.pipeline.plan import Plan, PlanError, load_template, validate_plan
from novabot.store import MemoryPipelineStore, RunStatus
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI
from tests.pipeline.steps import StepServer

ERP_AGENTS = ("erp-sales", "erp-inventory", "erp-finance", "erp-purchasing")
KEY = ConversationKey("test", "C1", "weekly-review")


def stand_in_card(name: str) -> str:
    return (
        f"---\nname: {name}\ndescription: stand-in for the {name} agent\n"
        f"does: [answers {name} questions]\ndoes_not: [anything else]\n"
        f"examples: [a {name} question]\n---\nYou are {name}.\n"
    )


@pytest.fixture
def cards(tmp_path: Path) -> list[ScopeCard]:
    shipped = load_cards([shipped_cards_dir()])
    missing = [name for name in ERP_AGENTS if name not in {card.name for card in shipped}]
    for name in missing:
        (tmp_path / f"{name}.md").write_text(stand_in_card(name), encoding="utf-8")
    return load_cards([shipped_cards_dir(), tmp_path])


def weekly_plan(cards: list[ScopeCard], focus: str = "all warehouses") -> Plan:
    plan = load_template("weekly-ops-review", shipped_cards_dir() / "pipelines", focus)
    names = [card.name for card in cards if card.routable]
    return validate_plan(plan, names, max_steps=12)


def test_four_specialists_then_purchasing_builds_on_low_stock(cards: list[ScopeCard]) -> None:
    plan = weekly_plan(cards, "the north depot")
    assert {step.id: step.agent for step in plan.steps} == {
        "sales": "erp-sales",
        "low-stock": "erp-inventory",
        "overdue": "erp-finance",
        "reorder": "erp-purchasing",
    }
    assert plan.waves() == [["sales", "low-stock", "overdue"], ["reorder"]]
    assert "the north depot" in plan.task
    assert all("the north depot" in step.instruction for step in plan.steps)


def test_without_the_erp_agents_the_template_is_refused_by_name() -> None:
    plan = load_template("weekly-ops-review", shipped_cards_dir() / "pipelines", "x")
    with pytest.raises(PlanError, match="no agent named 'erp-"):
        validate_plan(plan, ["chat", "translator"], max_steps=12)


def test_names_only_tables_and_columns_of_the_demo_database(cards: list[ScopeCard]) -> None:
    known = {table.name for table in TABLES} | {c for table in TABLES for c in table.columns}
    text = " ".join(step.instruction for step in weekly_plan(cards).steps)
    identifiers = set(re.findall(r"\b[a-z]+_[a-z_]+\b", text))
    assert identifiers, "the instructions name no table or column"
    assert identifiers <= known, identifiers - known


@pytest.fixture
async def llm_and_steps() -> AsyncIterator[tuple[LLM, StepServer, FakeOpenAI]]:
    steps = StepServer()
    async with FakeOpenAI(models=(MODEL,), default=steps.reply) as fake:
        client = LLM(base_url=fake.base_url, api_key="test", model=MODEL, timeout_s=5)
        yield client, steps, fake
        await client.close()


async def test_the_review_runs_and_combines_all_four(
    cards: list[ScopeCard], llm_and_steps: tuple[LLM, StepServer, FakeOpenAI]
) -> None:
    llm, steps, fake = llm_and_steps
    registry = Registry()
    for name in sorted({tool for card in cards for tool in card.tools}):
        registry.add_tool(make_tool(unavailable, name=name))
    registry.build_agents(cards)
    executor = Executor(MemoryPipelineStore(), registry, llm, Limits(step_timeout_s=5))

    run_id = await executor.create(KEY, weekly_plan(cards))
    record = await executor.run(run_id)

    assert record.status == RunStatus.DONE
    assert record.answer == "final answer"
    asked = [str(request.body["messages"][-1]["content"]) for request in fake.requests]
    reorder = next(text for text in asked if "Your step ('reorder')" in text)
    assert "Result of step 'low-stock' (erp-inventory):\noutput of low-stock" in reorder
    final = asked[-1]
    for step_id in ("sales", "low-stock", "overdue", "reorder"):
        assert f"output of {step_id}" in final
    assert steps.calls == {"sales": 1, "low-stock": 1, "overdue": 1, "reorder": 1, None: 1}


async def unavailable() -> str:
    """A tool this test does not offer for real."""
    return "error: not available in this test"
