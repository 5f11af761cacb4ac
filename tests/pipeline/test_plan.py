"""Plans: validated before anything runs, from files, templates or the planner."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.agents.cards import shipped_cards_dir
from novabot.pipeline.plan import (
    Plan,
    PlanError,
    load_plan_file,
    load_template,
    parse_plan,
    validate_plan,
)

AGENTS = {"chat", "translator", "summarizer"}


def plan(*steps: dict) -> Plan:
    return parse_plan({"task": "t", "steps": list(steps)}, "test")


def step(step_id: str, agent: str = "chat", *depends_on: str) -> dict:
    return {
        "id": step_id,
        "agent": agent,
        "instruction": f"do {step_id}",
        "depends_on": list(depends_on),
    }


def test_waves_group_independent_steps() -> None:
    chosen = plan(step("a"), step("b"), step("c", "chat", "a", "b"), step("d", "chat", "c"))
    assert validate_plan(chosen, AGENTS, max_steps=12).waves() == [["a", "b"], ["c"], ["d"]]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([step("a", "poet")], "step 'a': no agent named 'poet'"),
        ([step("a", "chat", "b"), step("b", "chat", "a")], "cycle among: a, b"),
        ([step("a", "chat", "a")], "cycle among: a"),
        ([step("a"), step("a")], "step ids must be unique: a"),
        ([step("a", "chat", "zz")], "step 'a' depends on unknown step 'zz'"),
        ([step(f"s{n}") for n in range(13)], "the plan has 13 steps; at most 12 are allowed"),
    ],
)
def test_invalid_plans_are_refused_with_the_reason(steps: list[dict], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        validate_plan(plan(*steps), AGENTS, max_steps=12)


def test_shape_errors_name_the_field() -> None:
    with pytest.raises(PlanError, match=r"test: steps\.0\.instruction: Field required"):
        parse_plan({"task": "t", "steps": [{"id": "a", "agent": "chat"}]}, "test")
    with pytest.raises(PlanError, match="steps: List should have at least 1 item"):
        parse_plan({"task": "t", "steps": []}, "test")


def test_plan_files_in_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(
        '{"task": "t", "steps": [{"id": "a", "agent": "chat", "instruction": "x"}]}'
    )
    (tmp_path / "p.yaml").write_text("task: t\nsteps:\n  - {id: a, agent: chat, instruction: x}\n")
    (tmp_path / "bad.yaml").write_text("task: [unclosed\n")
    assert load_plan_file(tmp_path / "p.json") == load_plan_file(tmp_path / "p.yaml")
    with pytest.raises(PlanError, match=r"bad\.yaml: not valid yaml"):
        load_plan_file(tmp_path / "bad.yaml")
    with pytest.raises(PlanError, match=r"missing\.json: cannot be read"):
        load_plan_file(tmp_path / "missing.json")


def test_shipped_templates_are_valid_and_take_the_task() -> None:
    folder = shipped_cards_dir() / "pipelines"
    agents = {"chat", "translator", "summarizer", "proofreader"}
    agents |= {"erp-sales", "erp-inventory", "erp-finance", "erp-purchasing"}
    for path in folder.glob("*.yaml"):
        chosen = load_template(path.stem, folder, "the quarterly report: sales: up")
        validate_plan(chosen, agents, max_steps=12)
        assert "the quarterly report: sales: up" in chosen.task
    with pytest.raises(PlanError, match="no pipeline template named 'nope'"):
        load_template("nope", folder, "x")
