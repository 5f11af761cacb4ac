"""The bot core: the one path every message takes, whatever platform it came from.

De-duplicate, route, load the history, persist the message, run the agent, persist the
answer. An agent that fails never takes the bot down: the user hears a short apology
with an error id, and the log holds the traceback under the same id.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path

from novabot.agents import handoff
from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.agents.history import fit_history
from novabot.agents.tools import Tool, ToolFunc, make_tool
from novabot.agents.turn import Turn
from novabot.commands.builtin import (
    BUILTIN_COMMANDS,
    Command,
    CommandContext,
    CommandError,
    CommandReply,
)
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from novabot.core.registry import Registry
from novabot.core.responder import Responder
from novabot.llm.client import LLM, Answer, LLMError
from novabot.pipeline.agent import PipelineAgent
from novabot.pipeline.command import PIPELINE_COMMAND
from novabot.pipeline.executor import Limits
from novabot.pipeline.service import PIPELINE_AGENT, PipelineService
from novabot.routing.factory import build_matcher
from novabot.routing.router import Route, Router, UnknownAgentError
from novabot.routing.tiebreak import LLMTieBreak
from novabot.store import Store

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200


class CogError(Exception):
    """A cog could not be loaded; the message names it."""


class Status(StrEnum):
    ANSWERED = "answered"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    """The message could not be taken (an unknown agent, nothing to answer)."""
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    status: Status
    route: Route | None = None
    answer: Answer | None = None
    error: str | None = None
    error_id: str | None = None


class Bot:
    """Owns the store, the LLM client and the registry; adapters and cogs borrow them."""

    def __init__(self, settings: Settings, store: Store, llm: LLM) -> None:
        self.settings = settings
        self.store = store
        self.llm = llm
        self.registry = Registry()
        self.router: Router | None = None
        self._active: set[asyncio.Task[object]] = set()
        for command in (*BUILTIN_COMMANDS, PIPELINE_COMMAND):
            self.registry.add_command(command)
        self.pipelines = PipelineService(
            store, store, self.registry, llm, Limits.from_settings(settings)
        )
        self.registry.agent_factories[PIPELINE_AGENT] = partial(
            PipelineAgent, service=self.pipelines
        )
        handoff.register(self)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        cogs: Sequence[str] = ("cogs",),
        card_dirs: Iterable[Path] | None = None,
    ) -> Bot:
        """Open the store, load the cogs and the scope cards, and build the router."""
        store = await Store.open(settings.db_path)
        bot = cls(settings, store, LLM.from_settings(settings))
        try:
            for package in cogs:
                await bot.load_cogs(package)
            await bot.load_agents(
                card_dirs if card_dirs is not None else default_card_dirs(settings)
            )
        except BaseException:
            await bot.close()
            raise
        return bot

    async def close(self) -> None:
        await self.pipelines.stop()
        await self.llm.close()
        await self.store.close()

    @property
    def commands(self) -> dict[str, Command]:
        return self.registry.commands

    # -- what cogs call from their setup(bot) -------------------------------------------

    def add_tool(self, func: ToolFunc | Tool, *, name: str | None = None) -> Tool:
        tool = func if isinstance(func, Tool) else make_tool(func, name=name)
        self.registry.add_tool(tool)
        return tool

    def add_command(self, command: Command) -> None:
        self.registry.add_command(command)

    async def load_cogs(self, package: str) -> None:
        """Import every module of the cogs package and await its `setup(bot)`."""
        root = importlib.import_module(package)
        for module_info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
            name = f"{package}.{module_info.name}"
            try:
                module = importlib.import_module(name)
                setup: Callable | None = getattr(module, "setup", None)
                if setup is None:
                    raise CogError(f"cog {name} has no `async def setup(bot)`")
                await setup(self)
            except CogError:
                raise
            except Exception as exc:
                log.exception("cog %s failed to load", name)
                raise CogError(f"cog {name} failed to load: {exc}") from exc

    async def load_agents(self, card_dirs: Iterable[Path]) -> None:
        self.registry.build_agents(load_cards(card_dirs))
        routable = self.registry.routable_cards
        # Embedding the cards is CPU work, or a network call with the openai backend:
        # off the event loop, which may be serving that very endpoint (tests do).
        matcher = await asyncio.to_thread(build_matcher, self.settings, routable)
        tiebreak = None
        if self.settings.router_llm_tiebreak:
            tiebreak = LLMTieBreak(self.llm, {c.name: c for c in routable}, self.store)
        self.router = Router(
            [card.name for card in routable],
            self.store,
            matcher,
            claims=[self.pipelines.claim],
            switch_margin=self.settings.router_switch_margin,
            abstain=self.settings.router_abstain,
            tiebreak=tiebreak,
            tie_margin=self.settings.router_tie_margin,
        )

    # -- the message path ----------------------------------------------------------------

    async def handle(self, message: Message, responder: Responder) -> Outcome:
        """Answer one message; a shutdown lets it finish (see `drain`)."""
        with self.busy():
            return await self._handle(message, responder)

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark the current task as work a shutdown should wait for (an answer, a command)."""
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            yield
        finally:
            self._active.discard(task)  # type: ignore[arg-type]

    async def follows(self, key: ConversationKey) -> bool:
        """Whether Nova takes unaddressed messages here: a thread it has answered in, or a
        channel bound to an agent. (Having answered once in a whole channel is not enough:
        Nova would then answer everyone there.)"""
        if key.thread_id and await self.store.last_agent(key):
            return True
        return await self.store.channel_agent(key.platform, key.channel_id) is not None

    async def drain(self, grace_s: float) -> int:
        """Let answers in progress finish for up to `grace_s`, then cut the rest short.

        Returns how many were cut. A cut answer's stream closes with a note, and its
        store writes roll back whole, so nothing is left half-written.
        """
        pending = {task for task in self._active if not task.done()}
        if not pending:
            return 0
        _, late = await asyncio.wait(pending, timeout=grace_s)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=5)
        return len(late)

    async def _handle(self, message: Message, responder: Responder) -> Outcome:
        if message.event_id and not await self.store.claim_event(
            message.key.platform, message.event_id
        ):
            log.info("event %s on %s already answered", message.event_id, message.key)
            return Outcome(Status.DUPLICATE)
        if not message.text.strip():
            return await self._reject(responder, "There is nothing to answer in that message.")
        assert self.router is not None, "Bot.load_agents must run before messages arrive"
        try:
            route = await self.router.route(message)
        except UnknownAgentError as exc:
            return await self._reject(responder, f"Sorry, {exc}.")
        history = await self.store.history(message.key, limit=HISTORY_LIMIT)
        message_id = await self.store.add_message(
            message.key, "user", message.text, user_id=message.user_id, user_name=message.user_name
        )
        await self.store.record_decision(
            message.key,
            agent=route.agent,
            rule=route.rule,
            reason=route.reason,
            score=route.score,
            message_id=message_id,
            candidates=[(c.agent, c.score) for c in route.candidates],
        )
        if route.rule == "declined":
            return await self._decline(message.key, route, responder)
        turn = Turn(
            message=message,
            route=route,
            llm=self.llm,
            responder=responder,
            history=fit_history(history, self.settings.history_token_budget),
        )
        return await self._run_agent(turn)

    async def _run_agent(self, turn: Turn) -> Outcome:
        route = turn.route
        try:
            answer = await self.registry.agents[route.agent].handle(turn)
        except LLMError as exc:
            log.warning("agent %s in %s: %s", route.agent, turn.message.key, exc)
            await self._tell(turn.responder, f"⚠️ {exc}")
            return Outcome(Status.FAILED, route, error=str(exc))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "agent %s failed in %s [error %s]", route.agent, turn.message.key, error_id
            )
            apology = f"Sorry, something went wrong on my side (error id {error_id})."
            await self._tell(turn.responder, apology)
            return Outcome(Status.FAILED, route, error=apology, error_id=error_id)
        await self._remember(turn.message.key, route.agent, answer)
        return Outcome(Status.ANSWERED, route, answer)

    async def _remember(self, key: ConversationKey, agent: str, answer: Answer) -> None:
        await self.store.add_message(
            key, "assistant", answer.text, agent=agent, tokens=answer.usage.completion_tokens
        )
        await self.store.record_usage(
            key,
            agent=agent,
            model=answer.model,
            prompt_tokens=answer.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens,
        )

    async def _decline(self, key: ConversationKey, route: Route, responder: Responder) -> Outcome:
        """The router abstained and the configuration says Nova should say so itself."""
        closest = ", ".join(f"@{c.agent}" for c in route.candidates[:3])
        text = "No Nova agent handles this."
        if closest:
            text += f" The closest are {closest}; address one by name if it fits."
        await self._tell(responder, text)
        await self.store.add_message(key, "assistant", text, agent=route.agent)
        return Outcome(Status.ANSWERED, route, Answer(text=text, model=""))

    async def _reject(self, responder: Responder, text: str) -> Outcome:
        await self._tell(responder, text)
        return Outcome(Status.REJECTED, error=text)

    async def _tell(self, responder: Responder, text: str) -> None:
        """Say something to the user; a platform failure here is logged, never raised."""
        try:
            await responder.say(text)
        except Exception:
            log.exception("could not tell the user: %s", text)

    # -- commands ------------------------------------------------------------------------

    async def run_command(
        self,
        key: ConversationKey,
        user_id: str,
        name: str,
        args: str,
        responder: Responder | None = None,
    ) -> CommandReply:
        """Run a command by name; usage errors come back as a reply that is not ok."""
        command = self.commands.get(name.lower())
        if command is None:
            known = ", ".join(self.commands)
            return CommandReply(f"Unknown command '{name}'. Try: {known}", ok=False)
        context = CommandContext(self, key, user_id, responder)
        try:
            return CommandReply(await command.handler(context, args))
        except CommandError as exc:
            return CommandReply(str(exc), ok=False)


def default_card_dirs(settings: Settings) -> list[Path]:
    dirs = [shipped_cards_dir()]
    if settings.prompts_dir:
        dirs.append(settings.prompts_dir)
    return dirs
