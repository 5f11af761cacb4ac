"""Pipelines against a fake OpenAI server whose replies depend on the step asked for.

The executor and planner fixtures are the parts alone: the in-memory pipeline store, the
agents of the shipped scope cards, and an LLM client on the fake server. No bot, router
or sentence-embedding model: `no_bot_router_or_model` makes building any of them fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.agents.tools import make_tool
from novabot.core.message import ConversationKey
from novabot.core.registry import Registry
from novabot.llm.client import LLM
from novabot.pipeline.executor import Executor, Limits
from novabot.store import MemoryPipelineStore
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI
from tests.pipeline.steps import StepServer


@dataclass(frozen=True)
class Charged:
    key: ConversationKey
    agent: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    run_id: int | None


@dataclass
class UsageLog:
    """A usage sink that keeps every charge the LLM client makes."""

    charges: list[Charged] = field(default_factory=list)

    async def record_usage(
        self,
        key: ConversationKey,
        *,
        agent: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        run_id: int | None = None,
    ) -> None:
        self.charges.append(Charged(key, agent, model, prompt_tokens, completion_tokens, run_id))


@pytest.fixture
def steps() -> StepServer:
    return StepServer()


@pytest.fixture
async def fake_openai(steps: StepServer) -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL,), default=steps.reply) as fake:
        yield fake


@pytest.fixture
def no_bot_router_or_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a bot, a router or the MiniLM model (even a cached one) fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pipelines must run without a bot, a router or a model")

    for target in (
        "novabot.core.bot.Bot.__init__",
        "novabot.routing.router.Router.__init__",
        "novabot.routing.embedding.minilm.MiniLMEmbedder.__init__",
        "novabot.routing.factory.shared_minilm",
        "novabot.routing.factory.build_matcher",
    ):
        monkeypatch.setattr(target, refuse)


@pytest.fixture
def agents() -> Registry:
    """The agents of the shipped cards, their tools stand-ins (no test here calls them)."""
    cards = load_cards([shipped_cards_dir()])
    registry = Registry()
    for name in sorted({tool for card in cards for tool in card.tools}):
        registry.add_tool(make_tool(_stand_in, name=name))
    registry.build_agents(cards)
    return registry


async def _stand_in() -> str:
    """A tool these tests do not offer for real."""
    return "error: not available in this test"


@pytest.fixture
def usage() -> UsageLog:
    return UsageLog()


@pytest.fixture
async def llm(fake_openai: FakeOpenAI, usage: UsageLog) -> AsyncIterator[LLM]:
    client = LLM(
        base_url=fake_openai.base_url,
        api_key="test",
        model=MODEL,
        timeout_s=5,
        max_retries=0,
        usage_sink=usage,
    )
    yield client
    await client.close()


@pytest.fixture
def pipeline_store() -> MemoryPipelineStore:
    return MemoryPipelineStore()


@pytest.fixture
def make_executor(
    pipeline_store: MemoryPipelineStore, agents: Registry, llm: LLM
) -> Callable[[Limits], Executor]:
    return lambda limits: Executor(pipeline_store, agents, llm, limits)


@pytest.fixture
def executor(make_executor: Callable[[Limits], Executor]) -> Executor:
    return make_executor(Limits(step_timeout_s=5, retry_backoff_s=0.01))
