"""The composition root: the one place that builds Nova's parts and wires them together.

Order matters and is written once here: the store and the LLM client first; then the
registry, which cogs fill with tools and commands; the pipeline service and the hand-off
tools, which need only the registry (read at use), the LLM and the store; the agents from
the scope cards; the router over them; and last the bot, which receives all of it built.
Every part gets only what it uses; nothing reaches back through the bot.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.agents.handoff import handoff_tools
from novabot.commands.builtin import BUILTIN_COMMANDS
from novabot.commands.command import Services
from novabot.config import Settings
from novabot.core.access import AccessPolicy
from novabot.core.bot import Bot
from novabot.core.cogs import CogSetup, load_cogs
from novabot.core.registry import Registry
from novabot.delivery.courier import Courier
from novabot.delivery.inbox import Inbox
from novabot.delivery.runs import StoreRunLeases
from novabot.delivery.worker import Worker
from novabot.llm.client import LLM
from novabot.metrics import Metrics
from novabot.ops.prices import current_prices
from novabot.pipeline.agent import PipelineAgent
from novabot.pipeline.command import PIPELINE_COMMAND
from novabot.pipeline.executor import Limits
from novabot.pipeline.service import PIPELINE_AGENT, PipelineService
from novabot.projects.compaction import Compactor
from novabot.projects.retrieval import Retriever
from novabot.routing.embedding import Embedder, MiniLMEmbedder
from novabot.routing.factory import build_router, shared_minilm
from novabot.routing.router import Router
from novabot.schedules.digests import DigestWriter
from novabot.schedules.runner import SlotRunner
from novabot.schedules.service import Scheduler
from novabot.store import Store


@dataclass(frozen=True)
class App:
    """Nova's parts, built and wired; `close()` releases them in reverse order."""

    settings: Settings
    store: Store
    llm: LLM
    registry: Registry
    router: Router
    pipelines: PipelineService
    bot: Bot
    worker: Worker
    inbox: Inbox
    courier: Courier
    scheduler: Scheduler
    metrics: Metrics

    async def close(self) -> None:
        self.metrics.stop_counting_errors_of(logging.getLogger())
        await self.scheduler.stop(0)
        await self.pipelines.stop()
        await self.llm.close()
        await self.store.close()


async def build_app(
    settings: Settings,
    *,
    cogs: Sequence[str] = ("cogs",),
    card_dirs: Iterable[Path] | None = None,
) -> App:
    """Open the store, load the cogs and the scope cards, build the router and the bot."""
    store = await Store.open(settings.db_path)
    llm = LLM.from_settings(settings, usage_sink=store)
    try:
        return await _wire(settings, store, llm, cogs, card_dirs)
    except BaseException:
        await llm.close()
        await store.close()
        raise


async def _wire(
    settings: Settings,
    store: Store,
    llm: LLM,
    cogs: Sequence[str],
    card_dirs: Iterable[Path] | None,
) -> App:
    registry = Registry()
    for command in (*BUILTIN_COMMANDS, PIPELINE_COMMAND):
        registry.add_command(command)
    # This process as a holder of leases; `nova run` starts its heartbeat (adapters/serve.py).
    worker = Worker(store, settings.lease_s)
    inbox, courier = Inbox(store, worker), Courier(store, worker)
    limits = Limits.from_settings(settings)
    leases = StoreRunLeases(store, worker)
    pipelines = PipelineService(store, courier, leases, registry, llm, limits)
    registry.agent_factories[PIPELINE_AGENT] = partial(PipelineAgent, service=pipelines)
    for tool in handoff_tools(registry, llm, pipelines):
        registry.add_tool(tool)
    nova = CogSetup(registry, settings, store, llm)
    for package in cogs:
        await load_cogs(package, nova)
    dirs = default_card_dirs(settings) if card_dirs is None else card_dirs
    registry.build_agents(load_cards(dirs))
    router = await build_router(
        settings, registry.routable_cards, store, llm, claims=[pipelines.claim]
    )
    prices = partial(current_prices, settings.prices_file)
    # Set here, not at construction: the LLM client is built before everything else.
    llm.observer = metrics = Metrics(settings.db_path, prices)
    metrics.count_errors_of(logging.getLogger())  # the root: cogs' and libraries' too
    services = Services(store, registry, router, pipelines, registry.commands, prices)
    budget = settings.knowledge_token_budget
    knowledge = Retriever(store, knowledge_embedder(router), token_budget=budget)
    # Set here, not at construction: the router needs the pipeline service (its claim),
    # and the retriever shares the router's sentence encoder.
    pipelines.executor.knowledge = knowledge
    bot = Bot(
        store=store,
        llm=llm,
        registry=registry,
        router=router,
        services=services,
        inbox=inbox,
        courier=courier,
        history_token_budget=settings.history_token_budget,
        access=AccessPolicy.from_settings(settings),
        compactor=Compactor(store, llm, registry, settings.history_token_budget),
        knowledge=knowledge,
    )
    digests = DigestWriter(store, llm, registry.agents)
    runner = SlotRunner(
        store, courier, llm, registry.agents, digests,
        default_max_tokens=settings.schedule.max_tokens,
    )  # fmt: skip
    scheduler = Scheduler(store, runner, worker, settings.schedule)
    return App(
        settings, store, llm, registry, router, pipelines, bot, worker, inbox, courier,
        scheduler, metrics,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def started_app(
    settings: Settings,
    *,
    cogs: Sequence[str] = ("cogs",),
    card_dirs: Iterable[Path] | None = None,
) -> AsyncIterator[App]:
    app = await build_app(settings, cogs=cogs, card_dirs=card_dirs)
    try:
        yield app
    finally:
        await app.close()


def knowledge_embedder(router: Router) -> Callable[[], Embedder]:
    """The shipped MiniLM for project knowledge: the router's own when it uses it, else
    loaded at the first retrieval (a lexical router never loads a model otherwise)."""
    embedder = getattr(router.matcher, "embedder", None)
    if isinstance(embedder, MiniLMEmbedder):
        return lambda: embedder
    return shared_minilm


def default_card_dirs(settings: Settings) -> list[Path]:
    dirs = [shipped_cards_dir()]
    if settings.prompts_dir:
        dirs.append(settings.prompts_dir)
    return dirs
