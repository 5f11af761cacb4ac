"""A digest for one slot: the channel's material since the last digest posted (digest.py
gathers it), written by the internal `digest` agent under the schedule's token cap. A
quiet period writes nothing, so no tokens are spent on saying that nothing happened."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from novabot.agents.agent import Agent
from novabot.llm.client import LLM
from novabot.llm.metering import charged_to
from novabot.schedules.digest import (
    DIGEST_AGENT,
    FIRST_PERIOD,
    DigestStore,
    gather,
    quiet_note,
    render,
)
from novabot.schedules.runner import Written, capped_text
from novabot.store.schedules import ScheduleRow


class PeriodStore(DigestStore, Protocol):
    async def last_posted_slot(self, schedule_id: int, before: datetime) -> datetime | None: ...


class DigestWriter:
    def __init__(self, store: PeriodStore, llm: LLM, agents: Mapping[str, Agent]) -> None:
        self.store = store
        self.llm = llm
        self.agents = agents

    async def write(self, schedule: ScheduleRow, slot: datetime, max_tokens: int) -> Written | None:
        since = await self.store.last_posted_slot(schedule.id, slot) or slot - FIRST_PERIOD
        material = await gather(self.store, schedule.key, schedule.project, since, slot)
        if material.quiet:
            if not schedule.post_quiet:
                return None
            return Written(quiet_note(schedule.key, since, slot), DIGEST_AGENT, 0)
        agent = self.agents[DIGEST_AGENT]
        with charged_to(DIGEST_AGENT, key=schedule.key):
            answer = await agent.perform(self.llm, render(material), max_tokens=max_tokens)
        return Written(capped_text(answer, max_tokens), DIGEST_AGENT, answer.usage.total)
