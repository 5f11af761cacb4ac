"""What one slot of a schedule posts: a reminder's text, an agent's answer to the job's
prompt, or a digest of the channel's period; written under the schedule's token cap and
posted once through the outbox, under a ref made of the schedule and the slot.

A slot is run only by the process that claimed it (service.py). If that process died
after recording the post, whoever takes the slot over finds the post by its ref and
sends that, rather than writing a second one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from novabot.agents.agent import Agent
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder
from novabot.llm.client import LLM, Answer, LLMError
from novabot.llm.metering import charged_to
from novabot.store.schedule_runs import slot_text
from novabot.store.schedules import ScheduleRow

log = logging.getLogger(__name__)


class Poster(Protocol):
    async def post(
        self, ref: str, responder: Responder, key: ConversationKey, text: str, *,
        agent: str | None = None, anchor: str | None = None, tokens: int | None = None,
        answers: int | None = None,
    ) -> bool: ...  # fmt: skip


class RunStore(Protocol):
    async def post_state(self, ref: str) -> str | None: ...


class Written(NamedTuple):
    text: str
    agent: str | None
    tokens: int


class Digests(Protocol):
    async def write(self, schedule: ScheduleRow, slot: datetime, max_tokens: int) -> Written | None:
        """The digest of the schedule's channel for the period ending at `slot`; None
        when the period was quiet and the schedule does not post quiet periods."""


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    """done (posted), quiet (nothing to say), failed."""
    tokens: int = 0
    post_ref: str | None = None
    error: str | None = None


def post_ref(schedule_id: int, slot: datetime) -> str:
    return f"schedule:{schedule_id}:{slot_text(slot)}"


class SlotRunner:
    def __init__(
        self,
        store: RunStore,
        poster: Poster,
        llm: LLM,
        agents: Mapping[str, Agent],
        digests: Digests,
        *,
        default_max_tokens: int,
    ) -> None:
        self.store = store
        self.poster = poster
        self.llm = llm
        self.agents = agents
        self.digests = digests
        self.default_max_tokens = default_max_tokens

    async def run(self, schedule: ScheduleRow, slot: datetime, responder: Responder) -> Outcome:
        ref = post_ref(schedule.id, slot)
        if await self.store.post_state(ref) is not None:
            # Written before a crash: send that one (the outbox knows if it went out).
            await self.poster.post(ref, responder, schedule.key, "")
            return Outcome("done", post_ref=ref)
        try:
            written = await self._write(schedule, slot)
        except LLMError as exc:
            log.warning("schedule #%d slot %s: %s", schedule.id, slot_text(slot), exc.detail)
            return Outcome("failed", error=exc.public)
        if written is None:
            return Outcome("quiet")
        await self.poster.post(
            ref, responder, schedule.key, written.text, agent=written.agent, tokens=written.tokens
        )
        return Outcome("done", written.tokens, ref)

    async def _write(self, schedule: ScheduleRow, slot: datetime) -> Written | None:
        if schedule.kind == "reminder":
            return Written(reminder_text(schedule), None, 0)
        if schedule.kind == "digest":
            return await self.digests.write(schedule, slot, self._cap(schedule))
        agent = self.agents[schedule.agent or ""]
        answer = await self.perform(schedule, agent, schedule.prompt or "")
        return Written(capped_text(answer, self._cap(schedule)), agent.name, answer.usage.total)

    async def perform(self, schedule: ScheduleRow, agent: Agent, request: str) -> Answer:
        # Charged to the agent in the target channel: the period's usage shows it.
        with charged_to(agent.name, key=schedule.key):
            return await agent.perform(self.llm, request, max_tokens=self._cap(schedule))

    def _cap(self, schedule: ScheduleRow) -> int:
        return schedule.max_tokens or self.default_max_tokens


def reminder_text(schedule: ScheduleRow) -> str:
    """The reminder, addressed to whoever set it when they are on the target's platform
    (Slack and Discord both write a mention as `<@id>`)."""
    platform, _, user = schedule.owner.partition(":")
    mention = f"<@{user}> " if platform == schedule.platform and user else ""
    return f"⏰ {mention}Reminder: {schedule.prompt}"


def capped_text(answer: Answer, cap: int) -> str:
    if not answer.capped:
        return answer.text
    note = f"_(stopped at this schedule's cap of {cap} tokens)_"
    return f"{answer.text.rstrip()}\n\n{note}" if answer.text.strip() else note
