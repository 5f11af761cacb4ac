"""Reads for the operator's dashboard: what Nova did per day and per agent, the
conversations with each routing decision. Nothing here writes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from novabot.store.conversations import StoreBase
from novabot.store.records import parse_time
from novabot.store.usage import stored_time

NO_AGENT = "(none)"
"""The agent of a message no agent answered (a command, a refusal)."""

# Each part yields (day, agent, count) for one kind of event; days are UTC days.
_ACTIVITY = {
    "messages": "SELECT substr(m.created_at, 1, 10), COALESCE(d.agent, ?), COUNT(*)"
    " FROM messages m LEFT JOIN routing_decisions d ON d.message_id = m.id"
    " WHERE m.role = 'user' AND m.created_at >= ? GROUP BY 1, 2",
    "answers": "SELECT substr(created_at, 1, 10), COALESCE(agent, ?), COUNT(*) FROM messages"
    " WHERE role = 'assistant' AND created_at >= ? GROUP BY 1, 2",
    # An error is a message given up on, a post that could not be sent, a failed step.
    "errors": "SELECT day, COALESCE(agent, ?), COUNT(*) FROM ("
    " SELECT substr(updated_at, 1, 10) AS day, agent FROM inbox"
    "  WHERE state = 'failed' AND updated_at >= ?2"
    " UNION ALL SELECT substr(created_at, 1, 10), agent FROM outbox"
    "  WHERE state = 'failed' AND created_at >= ?2"
    " UNION ALL SELECT substr(finished_at, 1, 10), agent FROM pipeline_steps"
    "  WHERE status = 'failed' AND finished_at >= ?2"
    ") GROUP BY 1, 2",
}


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str
    agent: str
    kind: str
    """messages, answers or errors."""
    count: int


@dataclass(frozen=True, slots=True)
class DayTokens:
    day: str
    agent: str
    model: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: int
    platform: str
    channel_id: str
    thread_id: str
    messages: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    agent: str
    rule: str
    reason: str
    score: float
    runner_up: tuple[str, float] | None
    knowledge_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation, with the routing decision it got (user messages)."""

    id: int
    role: str
    content: str
    agent: str | None
    user_name: str | None
    created_at: datetime
    decision: Decision | None


class ActivityMixin(StoreBase):
    async def activity_by_day(self, since: datetime) -> list[DayCount]:
        """Messages (by the agent they were routed to), answers and errors per UTC day."""
        counts: list[DayCount] = []
        for kind, sql in _ACTIVITY.items():
            rows = await self._db.fetchall(sql, (NO_AGENT, stored_time(since)))
            counts += [DayCount(row[0], row[1], kind, int(row[2])) for row in rows if row[0]]
        return counts

    async def tokens_by_day(self, since: datetime) -> list[DayTokens]:
        rows = await self._db.fetchall(
            "SELECT substr(created_at, 1, 10), agent, model, SUM(prompt_tokens),"
            " SUM(completion_tokens) FROM token_usage WHERE created_at >= ?"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (stored_time(since),),
        )
        return [DayTokens(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]

    async def conversation_list(
        self, *, platform: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """Conversations, most recently active first; of one platform when given."""
        where = "WHERE c.platform = ?" if platform else ""
        params: tuple[object, ...] = (platform,) if platform else ()
        rows = await self._db.fetchall(
            "SELECT c.id, c.platform, c.channel_id, c.thread_id, c.updated_at,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
            f" FROM conversations c {where} ORDER BY c.updated_at DESC, c.id DESC"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [
            ConversationSummary(r[0], r[1], r[2], r[3], int(r[5]), parse_time(r[4])) for r in rows
        ]

    async def conversation_platforms(self) -> list[str]:
        rows = await self._db.fetchall("SELECT DISTINCT platform FROM conversations ORDER BY 1")
        return [str(row[0]) for row in rows]

    async def conversation_summary(self, conversation_id: int) -> ConversationSummary | None:
        rows = await self._db.fetchall(
            "SELECT c.id, c.platform, c.channel_id, c.thread_id, c.updated_at,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return ConversationSummary(r[0], r[1], r[2], r[3], int(r[5]), parse_time(r[4]))

    async def conversation_turns(self, conversation_id: int, *, limit: int = 200) -> list[Turn]:
        """The newest `limit` messages, oldest first, each user message with its decision."""
        rows = await self._db.fetchall(
            "SELECT * FROM (SELECT m.id, m.role, m.content, m.agent, m.user_name, m.created_at,"
            " d.agent AS d_agent, d.rule, d.reason, d.score, d.candidates, d.knowledge_ids"
            " FROM messages m LEFT JOIN routing_decisions d ON d.message_id = m.id"
            " WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ?) ORDER BY id",
            (conversation_id, limit),
        )
        return [_turn(row) for row in rows]

    async def knowledge_titles(self, ids: Collection[int]) -> dict[int, str]:
        """The titles of these knowledge items (any project); ids not found are left out."""
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = await self._db.fetchall(
            f"SELECT id, title FROM knowledge WHERE id IN ({marks})", tuple(ids)
        )
        return {int(row[0]): str(row[1]) for row in rows}


def _turn(row: sqlite3.Row) -> Turn:
    decision = None
    if row["d_agent"] is not None:
        decision = Decision(
            row["d_agent"],
            row["rule"],
            row["reason"],
            float(row["score"]),
            _runner_up(row["candidates"], row["d_agent"]),
            tuple(int(i) for i in json.loads(row["knowledge_ids"] or "[]")),
        )
    return Turn(
        int(row["id"]), row["role"], row["content"], row["agent"], row["user_name"],
        parse_time(row["created_at"]), decision,
    )  # fmt: skip


def _runner_up(candidates: str | None, winner: str) -> tuple[str, float] | None:
    """The best-scored candidate other than the agent chosen."""
    for agent, score in json.loads(candidates or "[]"):
        if agent != winner:
            return str(agent), float(score)
    return None
