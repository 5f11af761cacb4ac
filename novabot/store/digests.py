"""What happened in one channel (every thread in it) or one project during a period: the
queries a digest is gathered from. Periods are half-open, [since, until), so consecutive
digests neither repeat nor skip a record."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from novabot.core.message import ConversationKey
from novabot.store.conversations import StoreBase
from novabot.store.knowledge import SELECT_ITEMS, KnowledgeItem, item_from_row
from novabot.store.pipeline_rows import SELECT_RUNS, runs_from_rows
from novabot.store.pipelines import MATCH_CHANNEL
from novabot.store.records import PipelineRunRecord, parse_time
from novabot.store.statuses import FINISHED_RUN_STATUSES
from novabot.store.usage import stored_time

LIMIT = 50
"""Records of one kind a period yields at most (newest kept): a digest is a summary."""


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A message Nova took and did not answer: it failed, or it is still open."""

    id: int
    key: ConversationKey
    text: str
    user_id: str
    user_name: str
    state: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class AgentUsage:
    """One agent's model calls and tokens in a channel during a period."""

    agent: str
    calls: int
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class DigestsMixin(StoreBase):
    async def knowledge_changes(
        self, project: str, since: datetime, until: datetime, *, limit: int = LIMIT
    ) -> list[KnowledgeItem]:
        """A project's items added in the period (dismissed ones aside), and its problems
        resolved in it, oldest first. A status change is not stamped on its own: a problem
        counts as resolved in the period its last change falls in."""
        rows = await self._db.fetchall(
            f"SELECT * FROM ({SELECT_ITEMS} WHERE p.name = ? AND ("
            " (k.created_at >= ? AND k.created_at < ? AND k.status != 'dismissed')"
            " OR (k.kind = 'problem' AND k.status = 'resolved'"
            " AND k.updated_at >= ? AND k.updated_at < ?))"
            " ORDER BY k.updated_at DESC, k.id DESC LIMIT ?) ORDER BY created_at, id",
            (project, *_period(since, until), *_period(since, until), limit),
        )
        return [item_from_row(row) for row in rows]

    async def finished_runs(
        self, platform: str, channel_id: str, since: datetime, until: datetime, *,
        limit: int = LIMIT,
    ) -> list[PipelineRunRecord]:  # fmt: skip
        """Pipeline runs of the channel and its threads that ended (done, failed or
        cancelled) in the period, in the order they ended."""
        finished = sorted(FINISHED_RUN_STATUSES)
        runs = (
            "(SELECT r.* FROM pipeline_runs r JOIN conversations c ON c.id = r.conversation_id"
            f" WHERE {MATCH_CHANNEL} AND r.status IN ({', '.join('?' * len(finished))})"
            " AND r.finished_at >= ? AND r.finished_at < ? ORDER BY r.finished_at DESC LIMIT ?)"
        )
        rows = await self._db.fetchall(
            SELECT_RUNS.format(runs=runs, where=""),
            (platform, channel_id, *finished, *_period(since, until), limit),
        )
        return sorted(runs_from_rows(rows), key=lambda run: (run.finished_at, run.id))

    async def unanswered_questions(
        self,
        platform: str,
        channel_id: str,
        since: datetime,
        until: datetime,
        *,
        open_before: datetime,
        limit: int = LIMIT,
    ) -> list[UnansweredQuestion]:
        """Messages of the channel and its threads received in the period that failed, or
        that are still open although received before `open_before` (long enough ago that
        an answer should have come), oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM (SELECT id, platform, channel_id, thread_id, text, user_id, user_name,"
            " state, received_at FROM inbox WHERE platform = ? AND channel_id = ?"
            " AND received_at >= ? AND received_at < ? AND (state = 'failed'"
            " OR (state IN ('received', 'answering') AND received_at < ?))"
            " ORDER BY received_at DESC, id DESC LIMIT ?) ORDER BY received_at, id",
            (platform, channel_id, *_period(since, until), stored_time(open_before), limit),
        )
        return [_question(row) for row in rows]

    async def channel_usage(
        self, platform: str, channel_id: str, since: datetime, until: datetime
    ) -> list[AgentUsage]:
        """Token use in the channel and its threads during the period, per agent, the
        heaviest first."""
        rows = await self._db.fetchall(
            "SELECT u.agent, COUNT(*) AS calls, SUM(u.prompt_tokens) AS prompt_tokens,"
            " SUM(u.completion_tokens) AS completion_tokens FROM token_usage u"
            f" JOIN conversations c ON c.id = u.conversation_id WHERE {MATCH_CHANNEL}"
            " AND u.created_at >= ? AND u.created_at < ? GROUP BY u.agent"
            " ORDER BY SUM(u.prompt_tokens + u.completion_tokens) DESC, u.agent",
            (platform, channel_id, *_period(since, until)),
        )
        return [
            AgentUsage(
                r["agent"], int(r["calls"]), int(r["prompt_tokens"]), int(r["completion_tokens"])
            )
            for r in rows
        ]


def _period(since: datetime, until: datetime) -> tuple[str, str]:
    """The bounds as stored times (aware datetimes, any zone; text order is time order)."""
    return stored_time(since), stored_time(until)


def _question(row: sqlite3.Row) -> UnansweredQuestion:
    return UnansweredQuestion(
        id=int(row["id"]),
        key=ConversationKey(row["platform"], row["channel_id"], row["thread_id"] or None),
        text=row["text"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        state=row["state"],
        received_at=parse_time(row["received_at"]),
    )
