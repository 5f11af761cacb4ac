"""A plan: the task and its steps, each an agent's instruction that may depend on others.

Plans come from the planner agent, from a file the user wrote (JSON or YAML), or from a
named template in `prompts/pipelines/`. Every plan is validated the same way before it
runs: known agents, unique step ids, dependencies that exist and form no cycle, and no
more steps than the configured cap.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

StepId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PlanError(Exception):
    """A plan that cannot run; the message says what is wrong with it."""


class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: StepId
    agent: Text
    instruction: Text
    depends_on: list[StepId] = Field(default_factory=list)


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: Text
    steps: Annotated[list[PlanStep], Field(min_length=1)]

    def waves(self) -> list[list[str]]:
        """Step ids in dependency order, grouped: each wave needs only earlier waves."""
        return topological_waves({step.id: step.depends_on for step in self.steps})


def validate_plan(plan: Plan, agents: Collection[str], *, max_steps: int) -> Plan:
    """Check what pydantic cannot: agents, ids, dependencies, size. Returns the plan."""
    if len(plan.steps) > max_steps:
        raise PlanError(f"the plan has {len(plan.steps)} steps; at most {max_steps} are allowed")
    ids = [step.id for step in plan.steps]
    duplicates = sorted({step_id for step_id in ids if ids.count(step_id) > 1})
    if duplicates:
        raise PlanError(f"step ids must be unique: {', '.join(duplicates)}")
    for step in plan.steps:
        if step.agent not in agents:
            known = ", ".join(sorted(agents))
            raise PlanError(f"step '{step.id}': no agent named '{step.agent}' (agents: {known})")
        for needed in step.depends_on:
            if needed not in ids:
                raise PlanError(f"step '{step.id}' depends on unknown step '{needed}'")
    plan.waves()  # raises on a cycle
    return plan


def topological_waves(depends_on: dict[str, list[str]]) -> list[list[str]]:
    waves: list[list[str]] = []
    placed: set[str] = set()
    remaining = dict(depends_on)
    while remaining:
        wave = [node for node, needs in remaining.items() if set(needs) <= placed]
        if not wave:
            cycle = ", ".join(sorted(remaining))
            raise PlanError(f"the steps' dependencies form a cycle among: {cycle}")
        waves.append(wave)
        placed.update(wave)
        for node in wave:
            del remaining[node]
    return waves


def parse_plan(data: object, source: str) -> Plan:
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"]) or "plan"
        raise PlanError(f"{source}: {where}: {error['msg']}") from None


def load_plan_file(path: Path) -> Plan:
    """A plan the user wrote, as JSON (`.json`) or YAML (anything else)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0]
        raise PlanError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {first_line}"
        ) from None
    return parse_plan(data, str(path))


def load_template(name: str, folder: Path, task: str) -> Plan:
    """A named plan from `prompts/pipelines/NAME.yaml`; `{task}` in its texts becomes the task."""
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise PlanError(f"no pipeline template named '{name}' (templates: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PlanError(f"{path}: a template is a mapping with 'steps'")
    data["task"] = str(data.get("task", "{task}")).replace("{task}", task)
    for step in data.get("steps") or []:
        if isinstance(step, dict) and isinstance(step.get("instruction"), str):
            step["instruction"] = step["instruction"].replace("{task}", task)
    return parse_plan(data, str(path))
