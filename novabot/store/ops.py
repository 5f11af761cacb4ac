"""Reads for Nova's own operations: token use grouped for reporting, pipeline runs by
status, posts still waiting to be sent, and whether the database takes writes. Nothing
here writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from novabot.store.conversations import StoreBase
from novabot.store.pipeline_rows import SELECT_RUNS, runs_from_rows
from novabot.store.records import PipelineRunRecord, parse_time
from novabot.store.usage import stored_time

USAGE_GROUPS = {
    "agent": "u.agent",
    "model": "u.model",
    "channel": "c.platform || ':' || c.channel_id",
    # A channel's project as bound now (bindings are not kept per call). A terminal
    # thread is bound by its own name, so its binding wins over its channel's.
    "project": "COALESCE(pt.name, pc.name, '')",
    "day": "substr(u.created_at, 1, 10)",
}
"""What usage can be grouped by, and the SQL for each (days are UTC days)."""

_USAGE = (
    "SELECT {group} AS grp, u.model, COUNT(*) AS calls,"
    " SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.completion_tokens) AS completion_tokens"
    " FROM token_usage u JOIN conversations c ON c.id = u.conversation_id"
    " LEFT JOIN project_bindings bt"
    " ON c.platform = 'cli' AND bt.platform = c.platform AND bt.channel_id = c.thread_id"
    " LEFT JOIN projects pt ON pt.id = bt.project_id"
    " LEFT JOIN project_bindings bc ON bc.platform = c.platform AND bc.channel_id = c.channel_id"
    " LEFT JOIN projects pc ON pc.id = bc.project_id"
    " {where} GROUP BY grp, u.model ORDER BY grp, u.model"
)


@dataclass(frozen=True, slots=True)
class UsageGroup:
    """Token totals of one group (an agent, a channel, a day…) for one model: the model
    is always kept apart, since each model has its own price."""

    group: str
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class PostQueue:
    """One platform's outbox: posts waiting to be sent, and posts that failed for good."""

    platform: str
    pending: int
    failed: int
    oldest_pending: datetime | None


Channel = tuple[str, str]
"""(platform, channel id): a channel and every thread in it."""


class OpsMixin(StoreBase):
    async def takes_writes(self) -> bool:
        """Whether a write could start now: the write lock is taken and given back, with
        nothing written (a full disk or a read-only file fails here, not mid-answer)."""
        try:
            async with self._db.transaction():
                return True
        except sqlite3.Error:
            return False

    async def usage_groups(
        self, by: str, *, since: datetime | None = None, channel: Channel | None = None
    ) -> list[UsageGroup]:
        """Token totals grouped by `by` (a key of USAGE_GROUPS) and model, sorted; only
        calls at or after `since`, and only one channel's (with its threads) when given."""
        if by not in USAGE_GROUPS:
            raise ValueError(f"cannot group usage by {by!r} (by: {', '.join(USAGE_GROUPS)})")
        where: list[str] = []
        params: list[str] = []
        if since is not None:
            where.append("u.created_at >= ?")
            params.append(stored_time(since))
        if channel is not None:
            where.append("c.platform = ? AND c.channel_id = ?")
            params.extend(channel)
        sql = _USAGE.format(
            group=USAGE_GROUPS[by], where="WHERE " + " AND ".join(where) if where else ""
        )
        rows = await self._db.fetchall(sql, tuple(params))
        return [
            UsageGroup(
                str(row["grp"]),
                str(row["model"]),
                int(row["calls"]),
                int(row["prompt_tokens"]),
                int(row["completion_tokens"]),
            )
            for row in rows
        ]

    async def runs_with_status(
        self, statuses: Sequence[str], *, channel: Channel | None = None, limit: int = 10
    ) -> list[PipelineRunRecord]:
        """The newest `limit` runs in one of `statuses`, newest first; of one channel (with
        its threads) when given."""
        if limit < 1 or not statuses:
            return []
        where = [f"status IN ({', '.join('?' * len(statuses))})"]
        params: list[object] = list(statuses)
        if channel is not None:
            where.append(
                "conversation_id IN"
                " (SELECT id FROM conversations WHERE platform = ? AND channel_id = ?)"
            )
            params.extend(channel)
        runs = f"(SELECT * FROM pipeline_runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?)"
        rows = await self._db.fetchall(SELECT_RUNS.format(runs=runs, where=""), (*params, limit))
        return runs_from_rows(rows)

    async def run_status_counts(self, *, channel: Channel | None = None) -> dict[str, int]:
        """How many runs are in each status (statuses with none are left out)."""
        sql = "SELECT r.status, COUNT(*) AS n FROM pipeline_runs r"
        params: tuple[str, ...] = ()
        if channel is not None:
            sql += " JOIN conversations c ON c.id = r.conversation_id"
            sql += " WHERE c.platform = ? AND c.channel_id = ?"
            params = channel
        rows = await self._db.fetchall(sql + " GROUP BY r.status", params)
        return {str(row["status"]): int(row["n"]) for row in rows}

    async def post_queues(self) -> list[PostQueue]:
        """Per platform with posts not sent: how many wait, how many failed, the oldest wait."""
        rows = await self._db.fetchall(
            "SELECT platform, SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed,"
            " MIN(CASE WHEN state = 'pending' THEN created_at END) AS oldest FROM outbox"
            " WHERE state IN ('pending', 'failed') GROUP BY platform ORDER BY platform"
        )
        return [
            PostQueue(
                str(r["platform"]),
                int(r["pending"]),
                int(r["failed"]),
                None if r["oldest"] is None else parse_time(r["oldest"]),
            )
            for r in rows
        ]
