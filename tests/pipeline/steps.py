"""A fake OpenAI server's replies that depend on the pipeline step asked for, and plans."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from novabot.pipeline.plan import Plan, parse_plan
from tests.fakes.openai_server import Reply, Slow, Text

STEP = re.compile(r"Your step \('([^']+)'\)")


def step_of(body: dict) -> str | None:
    """Which step a request is for (None: the final aggregation)."""
    found = STEP.search(str(body["messages"][-1]["content"]))
    return found.group(1) if found else None


class StepServer:
    """Answers each step after `latency` seconds; a test can override any step's reply."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.overrides: dict[str, Callable[[int], Reply]] = {}
        self.calls: dict[str | None, int] = {}

    def reply(self, body: dict) -> Reply:
        step = step_of(body)
        self.calls[step] = self.calls.get(step, 0) + 1
        if step in self.overrides:
            return self.overrides[step](self.calls[step])
        text = f"output of {step}" if step else "final answer"
        return Slow(self.latency, Text(text)) if self.latency else Text(text)


def make_plan(*steps: tuple[str, str, list[str]], task: str = "the task") -> Plan:
    return parse_plan(
        {
            "task": task,
            "steps": [
                {"id": s, "agent": agent, "instruction": f"do {s}", "depends_on": deps}
                for s, agent, deps in steps
            ],
        },
        "test",
    )


def write_plan(path: Path, plan: Plan) -> Path:
    path.write_text(plan.model_dump_json(), encoding="utf-8")
    return path
