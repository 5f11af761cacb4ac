"""The bot core: the one path every message takes, whatever platform it came from.

Take the message from the inbox (once, whatever the platform redelivers), route, load
the history, persist the message, run the agent, and post the answer through the outbox.
An agent that fails never takes the bot down: the user hears a short apology with an
error id, and the log holds the traceback under the same id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from novabot.agents.history import DropOldest, HistoryFitter
from novabot.agents.turn import Turn
from novabot.commands.command import (
    Command,
    CommandContext,
    CommandError,
    CommandReply,
    Services,
)
from novabot.core.access import AccessPolicy, whisper
from novabot.core.message import ConversationKey, Message
from novabot.core.registry import Registry
from novabot.core.responder import Responder
from novabot.delivery.courier import Courier
from novabot.delivery.inbox import HeldResponder, Inbox
from novabot.llm.client import LLM, Answer, LLMError
from novabot.llm.metering import charged_to
from novabot.projects.context import KnowledgeSource
from novabot.routing.router import Route, Router, UnknownAgentError
from novabot.routing.rules import RouteRule
from novabot.store import Store
from novabot.store.inbox import InboxEntry

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200


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
    """The message path and the command entry point, over parts built elsewhere (app.py)."""

    def __init__(
        self,
        *,
        store: Store,
        llm: LLM,
        registry: Registry,
        router: Router,
        services: Services,
        inbox: Inbox,
        courier: Courier,
        history_token_budget: int,
        access: AccessPolicy | None = None,
        compactor: HistoryFitter | None = None,
        knowledge: KnowledgeSource | None = None,
    ) -> None:
        self.store = store
        self.inbox = inbox
        self.courier = courier
        self.llm = llm
        self.registry = registry
        self.router = router
        self.services = services
        self.access = access or AccessPolicy()
        self.compactor = compactor or DropOldest(history_token_budget)
        self.knowledge = knowledge
        self._active: set[asyncio.Task[object]] = set()

    @property
    def commands(self) -> Mapping[str, Command]:
        return self.registry.commands

    @property
    def agent_names(self) -> list[str]:
        """The agents a user can address by name (internal ones left out)."""
        return [card.name for card in self.registry.routable_cards]

    # -- the message path ----------------------------------------------------------------

    async def handle(self, message: Message, responder: Responder) -> Outcome:
        """Answer one message; a shutdown lets it finish (see `drain`)."""
        refusal = self.access.refusal(message.key, message.user_id)
        if refusal is not None:  # before anything is stored or sent to the LLM
            await whisper(responder, message.user_id, refusal)
            return Outcome(Status.REJECTED, error=refusal)
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
            self._active.discard(task)

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
        if not message.event_id:  # the terminal: nothing to redeliver, nobody to lose it
            return await self._answer(message, responder, None)
        entry = await self.inbox.take(message)
        if entry is None:
            log.info("event %s on %s is answered or being answered", message.event_id, message.key)
            return Outcome(Status.DUPLICATE)
        return await self._answer(message, responder, entry)

    async def answer_again(self, entry: InboxEntry, responder: Responder) -> Outcome:
        """Answer a message a stopped or dead process left open (taken from the inbox)."""
        with self.busy():
            return await self._answer(entry.message, responder, entry)

    async def _answer(
        self, message: Message, responder: Responder, entry: InboxEntry | None
    ) -> Outcome:
        if not message.text.strip():
            return await self._reject(
                responder, "There is nothing to answer in that message.", entry
            )
        try:
            with charged_to("router", key=message.key):  # an LLM tie-break, if any
                route = await self.router.route(message)
        except UnknownAgentError as exc:
            return await self._reject(responder, f"Sorry, {exc}.", entry)
        history = await self.store.history(message.key, limit=HISTORY_LIMIT)
        if entry is None:
            message_id = await self.store.add_message(
                message.key,
                "user",
                message.text,
                user_id=message.user_id,
                user_name=message.user_name,
            )
        else:  # stored once, however many attempts; the history is what came before it
            history = [m for m in history if m.id != entry.message_id]
            message_id = await self.inbox.stored(entry)
        knowledge = None  # chosen before the decision is recorded, so `why` can list it
        if self.knowledge is not None and route.rule != RouteRule.DECLINED:
            knowledge = await self.knowledge.for_message(message.key, route.text)
        await self.store.record_decision(
            message.key,
            agent=route.agent,
            rule=route.rule,
            reason=route.reason,
            score=route.score,
            message_id=message_id,
            candidates=[(c.agent, c.score) for c in route.candidates],
            knowledge_ids=knowledge.ids if knowledge else (),
        )
        if route.rule == RouteRule.DECLINED:
            return await self._decline(message.key, route, responder, entry)
        held = None if entry is None else self.inbox.responder(entry, responder)
        turn = Turn(
            message=message,
            route=route,
            llm=self.llm,
            responder=held or responder,
            history=await self.compactor.fit(message.key, history),
            knowledge=knowledge,
        )
        return await self._run_agent(turn, held)

    async def _run_agent(self, turn: Turn, held: HeldResponder | None) -> Outcome:
        """Run the routed agent; `held` (an inbox message's) sends its answer via the outbox."""
        route = turn.route
        entry = None if held is None else held.entry
        try:
            with charged_to(route.agent, key=turn.message.key):
                answer = await self.registry.agents[route.agent].handle(turn)
        except LLMError as exc:
            # The channel may be shared: it hears what went wrong, not the endpoint's
            # address or what it sent; those go to the log (and, as the outcome's error,
            # to the terminal).
            log.warning("agent %s in %s: %s", route.agent, turn.message.key, exc.detail)
            await self._tell(turn.responder, f"⚠️ {exc.public}")
            await self._settle(entry, "failed")
            return Outcome(Status.FAILED, route, error=exc.detail)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "agent %s failed in %s [error %s]", route.agent, turn.message.key, error_id
            )
            apology = f"Sorry, something went wrong on my side (error id {error_id})."
            await self._tell(turn.responder, apology)
            await self._settle(entry, "failed")
            return Outcome(Status.FAILED, route, error=apology, error_id=error_id)
        # Its tokens were charged call by call as the answer was made (llm/metering.py).
        if held is None:
            await self.store.add_message(
                turn.message.key,
                "assistant",
                answer.text,
                agent=route.agent,
                tokens=answer.usage.completion_tokens,
            )
        else:
            await self.courier.post(
                f"answer:{held.entry.id}",
                held.inner,
                turn.message.key,
                answer.text,
                agent=route.agent,
                anchor=held.placeholder,
                tokens=answer.usage.completion_tokens,
                answers=held.entry.id,
            )
        return Outcome(Status.ANSWERED, route, answer)

    async def _decline(
        self, key: ConversationKey, route: Route, responder: Responder, entry: InboxEntry | None
    ) -> Outcome:
        """The router abstained and the configuration says Nova should say so itself."""
        closest = ", ".join(f"@{c.agent}" for c in route.candidates[:3])
        text = "No Nova agent handles this."
        if closest:
            text += f" The closest are {closest}; address one by name if it fits."
        if entry is None:
            await self._tell(responder, text)
            await self.store.add_message(key, "assistant", text, agent=route.agent)
        else:
            await self.courier.post(
                f"answer:{entry.id}", responder, key, text, agent=route.agent, answers=entry.id
            )
        return Outcome(Status.ANSWERED, route, Answer(text=text, model=""))

    async def _reject(self, responder: Responder, text: str, entry: InboxEntry | None) -> Outcome:
        await self._tell(responder, text)
        await self._settle(entry, "answered")
        return Outcome(Status.REJECTED, error=text)

    async def _settle(self, entry: InboxEntry | None, state: str) -> None:
        if entry is not None:
            await self.inbox.settle(entry, state)

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
        """Run a command by name; usage errors and refusals come back as replies that are
        not ok (adapters show those to the caller alone)."""
        refusal = self.access.refusal(key, user_id)
        if refusal is not None:
            return CommandReply(refusal, ok=False)
        command = self.commands.get(name.lower())
        if command is None:
            known = ", ".join(self.commands)
            return CommandReply(f"Unknown command '{name}'. Try: {known}", ok=False)
        admin = self.access.is_admin(key.platform, user_id)
        if command.admin_only and not admin:
            return CommandReply(self.access.admin_refusal(command.name, key, user_id), ok=False)
        context = CommandContext(self.services, key, user_id, responder, is_admin=admin)
        try:
            # A command that asks the LLM (planning a pipeline) spends this conversation's
            # tokens; the part that calls names itself (the planner charges `planner`).
            with charged_to(f"/{command.name}", key=key):
                return CommandReply(await command.handler(context, args))
        except CommandError as exc:
            return CommandReply(str(exc), ok=False)
