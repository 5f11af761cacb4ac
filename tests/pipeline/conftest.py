"""Pipelines against a fake OpenAI server whose replies depend on the step asked for."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from novabot.bot import Bot
from novabot.config import Settings
from novabot.pipeline.executor import Executor, Limits
from novabot.pipeline.plan import Plan, parse_plan
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI, Reply, Slow, Text

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


@pytest.fixture
def steps() -> StepServer:
    return StepServer()


@pytest.fixture
async def fake_openai(steps: StepServer) -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL,), default=steps.reply) as fake:
        yield fake


@pytest.fixture
async def executor(bot: Bot) -> Executor:
    return Executor(bot, Limits(step_timeout_s=5, retry_backoff_s=0.01))


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


__all__ = ["Settings", "StepServer", "make_plan", "step_of", "write_plan"]
