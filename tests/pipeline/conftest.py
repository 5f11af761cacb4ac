"""Pipelines against a fake OpenAI server whose replies depend on the step asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novabot.core.bot import Bot
from novabot.pipeline.executor import Executor, Limits
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI
from tests.pipeline.steps import StepServer


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
