"""The pipeline service made of its parts alone: a store, a message log, the agents and
the LLM client; no bot, router or model."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import novabot.pipeline
from novabot.core.message import ConversationKey, Message
from novabot.core.registry import Registry
from novabot.delivery.memory import LoggedPoster
from novabot.delivery.runs import LocalRunLeases
from novabot.llm.client import LLM
from novabot.pipeline.executor import Limits
from novabot.pipeline.service import PipelineService
from novabot.store import MemoryPipelineStore
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder, eventually
from tests.pipeline.steps import StepServer, make_plan

pytestmark = pytest.mark.usefixtures("no_bot_router_or_model")

CHANNEL = ConversationKey("test", "C1")


@dataclass
class MessageList:
    """A `MessageLog` that keeps (key, role, content, agent) in order."""

    messages: list[tuple[ConversationKey, str, str, str | None]] = field(default_factory=list)

    async def add_message(
        self, key: ConversationKey, role: str, content: str, *, agent: str | None = None
    ) -> int:
        self.messages.append((key, role, content, agent))
        return len(self.messages)


@pytest.fixture
def history() -> MessageList:
    return MessageList()


@pytest.fixture
async def service(
    pipeline_store: MemoryPipelineStore, history: MessageList, agents: Registry, llm: LLM
) -> AsyncIterator[PipelineService]:
    limits = Limits(step_timeout_s=5, retry_backoff_s=0.01)
    poster, leases = LoggedPoster(history), LocalRunLeases()
    service = PipelineService(pipeline_store, poster, leases, agents, llm, limits)
    yield service
    await service.stop()


async def test_a_run_posts_its_answer_into_its_thread_and_history(
    service: PipelineService, history: MessageList, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    channel = RecordingResponder(CHANNEL)
    run_id = await service.start(channel, make_plan(("a", "summarizer", [])))
    [thread] = channel.threads
    await eventually(lambda: history.messages)
    assert thread.said == [("pipeline", "final answer")]
    assert history.messages == [(thread.key, "assistant", "final answer", "pipeline")]
    route = await service.claim(Message(thread.key, "what did it say?", user_id="U1"))
    assert route is not None and (route.agent, route.reason) == (
        "pipeline",
        f"this thread is pipeline #{run_id}",
    )
    assert await service.claim(Message(CHANNEL, "hello", user_id="U1")) is None


async def test_resume_all_picks_up_unfinished_runs_it_can_answer_in(
    service: PipelineService, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    here = ConversationKey("test", "C1", "here")
    mine = await service.executor.create(here, make_plan(("a", "chat", [])))
    await service.executor.create(ConversationKey("gone", "C9"), make_plan(("a", "chat", [])))
    responder = RecordingResponder(here)
    resumed = await service.resume_all(lambda key: responder if key == here else None)
    assert resumed == [mine]
    await eventually(lambda: responder.said)
    assert await service.store.unfinished_runs() == [mine + 1]


def test_no_pipeline_module_imports_the_bot() -> None:
    folder = Path(novabot.pipeline.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert "novabot.core.bot" not in imported, path.name
