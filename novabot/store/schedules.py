"""Schedules as Nova stores them: the source of truth every process's scheduler is built
from. A proposal (shown with Confirm / Cancel) is stored but not live until confirmed; a
removed schedule keeps its row, so its history stays readable, and never fires again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from novabot.core.message import ConversationKey
from novabot.store.conversations import StoreBase
from novabot.store.records import now_text, parse_time

_COLUMNS = (
    "id, trigger_kind, expression, tz, platform, channel_id, thread_id, kind, agent, prompt,"
    " project, owner, paused, proposed, post_quiet, max_tokens, removed, created_at, updated_at"
)
_LIVE = "removed = 0 AND paused = 0 AND proposed = 0"


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    id: int
    trigger_kind: str
    expression: str
    tz: str
    platform: str
    channel_id: str
    thread_id: str | None
    kind: str
    """digest, agent (a prompt to an agent) or reminder (a text)."""
    agent: str | None
    prompt: str | None
    project: str | None
    owner: str
    """Who made it, as `platform:user` (or `cli:user`)."""
    paused: bool
    proposed: bool
    post_quiet: bool
    max_tokens: int | None
    removed: bool
    created_at: datetime
    updated_at: datetime
    """Changed by pause, resume and confirmation: slots before it are not caught up."""

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.platform, self.channel_id, self.thread_id)

    @property
    def live(self) -> bool:
        return not (self.removed or self.paused or self.proposed)


def _schedule(row: sqlite3.Row) -> ScheduleRow:
    get = row.__getitem__
    return ScheduleRow(
        id=int(get("id")), trigger_kind=get("trigger_kind"), expression=get("expression"),
        tz=get("tz"), platform=get("platform"), channel_id=get("channel_id"),
        thread_id=get("thread_id"), kind=get("kind"), agent=get("agent"), prompt=get("prompt"),
        project=get("project"), owner=get("owner"), paused=bool(get("paused")),
        proposed=bool(get("proposed")), post_quiet=bool(get("post_quiet")),
        max_tokens=get("max_tokens"), removed=bool(get("removed")),
        created_at=parse_time(get("created_at")), updated_at=parse_time(get("updated_at")),
    )  # fmt: skip


class SchedulesMixin(StoreBase):
    async def add_schedule(
        self, *, trigger_kind: str, expression: str, tz: str, platform: str, channel_id: str,
        thread_id: str | None, kind: str, owner: str, agent: str | None = None,
        prompt: str | None = None, project: str | None = None, max_tokens: int | None = None,
        post_quiet: bool = False, proposed: bool = False,
    ) -> int:  # fmt: skip
        """Store a schedule (its trigger checked by the caller); its new id."""
        now = now_text()
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO schedules (trigger_kind, expression, tz, platform, channel_id,"
                " thread_id, kind, agent, prompt, project, owner, max_tokens, post_quiet,"
                " proposed, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (trigger_kind, expression, tz, platform, channel_id, thread_id, kind, agent,
                 prompt, project, owner, max_tokens, int(post_quiet), int(proposed), now, now),
            )  # fmt: skip
        assert row is not None
        return int(row["id"])

    async def schedule(self, schedule_id: int) -> ScheduleRow | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM schedules WHERE id = ?", (schedule_id,)
        )
        return None if row is None else _schedule(row)

    async def schedules(
        self, *, live_only: bool = False, key: ConversationKey | None = None
    ) -> list[ScheduleRow]:
        """Schedules not removed (and not proposals), oldest first; only live ones, or
        only those posting in `key`'s channel, when asked."""
        where = [_LIVE if live_only else "removed = 0 AND proposed = 0"]
        params: tuple[str, ...] = ()
        if key is not None:
            where.append("platform = ? AND channel_id = ?")
            params = (key.platform, key.channel_id)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM schedules WHERE {' AND '.join(where)} ORDER BY id", params
        )
        return [_schedule(row) for row in rows]

    async def proposals(self, key: ConversationKey) -> list[ScheduleRow]:
        """Proposals still waiting for Confirm in `key`'s channel, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM schedules WHERE proposed = 1 AND removed = 0"
            " AND platform = ? AND channel_id = ? ORDER BY id",
            (key.platform, key.channel_id),
        )
        return [_schedule(row) for row in rows]

    async def all_proposals(self) -> list[ScheduleRow]:
        """Proposals still waiting for Confirm in every channel, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM schedules WHERE proposed = 1 AND removed = 0 ORDER BY id"
        )
        return [_schedule(row) for row in rows]

    async def remove_schedule(self, schedule_id: int) -> bool:
        """Never fire again, in any process (every firing checks it); False if unknown."""
        return await self._set(schedule_id, "removed = 1", "removed = 0")

    async def set_paused(self, schedule_id: int, paused: bool) -> bool:
        """Pause or resume; False when it is unknown, removed, or already so."""
        return await self._set(
            schedule_id, f"paused = {int(paused)}", f"removed = 0 AND paused = {int(not paused)}"
        )

    async def confirm_schedule(self, schedule_id: int) -> bool:
        """Make a proposal live, once: a second click finds nothing to confirm."""
        return await self._set(schedule_id, "proposed = 0", "proposed = 1 AND removed = 0")

    async def cancel_proposal(self, schedule_id: int) -> bool:
        return await self._set(schedule_id, "removed = 1", "proposed = 1 AND removed = 0")

    async def schedule_live(self, schedule_id: int) -> bool:
        """Whether it exists, is confirmed, and is neither removed nor paused: asked at
        each firing, so a change made by any process counts at once."""
        row = await self._db.fetchone(
            f"SELECT 1 FROM schedules WHERE id = ? AND {_LIVE}", (schedule_id,)
        )
        return row is not None

    async def _set(self, schedule_id: int, change: str, only_when: str) -> bool:
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"UPDATE schedules SET {change}, updated_at = ? WHERE id = ? AND {only_when}"
                " RETURNING id",
                (now_text(), schedule_id),
            )
        return bool(rows)
