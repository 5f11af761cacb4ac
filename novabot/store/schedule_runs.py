"""A schedule's runs, one per slot: claimed once (UNIQUE schedule + slot) and held by a
lease before anything is generated, so two processes never run a slot twice and a dead
one's slot is finished once, by whoever takes the lease over."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from novabot.store.conversations import StoreBase
from novabot.store.inbox import orphaned
from novabot.store.records import json_list, now_text, parse_optional_time, parse_time, time_after

RUN_STATUSES = frozenset({"running", "done", "quiet", "missed", "failed"})
FINISHED = RUN_STATUSES - {"running"}


def slot_text(slot: datetime) -> str:
    """A slot as stored: UTC ISO-8601, so one instant is one text whatever its zone."""
    if slot.tzinfo is None:
        raise ValueError("a slot is an instant: give it a time zone")
    return slot.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    schedule_id: int
    slot: datetime
    status: str
    manual: bool
    tokens: int
    post_ref: str | None
    error: str | None
    finished_at: datetime | None


def _run(row: sqlite3.Row) -> ScheduleRun:
    return ScheduleRun(
        int(row["schedule_id"]), parse_time(row["slot"]), row["status"], bool(row["manual"]),
        int(row["tokens"]), row["post_ref"], row["error"], parse_optional_time(row["finished_at"]),
    )  # fmt: skip


class ScheduleRunsMixin(StoreBase):
    async def claim_slot(
        self, schedule_id: int, slot: datetime, owner: str, lease_s: float,
        *, dead: Collection[str] = (),
    ) -> bool:  # fmt: skip
        """True for the one caller that gets to run this slot: the first to claim it, or
        whoever takes over a running slot whose holder is dead, silent, or absent (a run
        asked for by hand waits unheld for a `nova run` to take it)."""
        now = now_text()
        async with self._db.transaction() as tx:
            inserted = await tx.fetchone(
                "INSERT INTO schedule_runs (schedule_id, slot, status, lease_owner,"
                " lease_expires_at, started_at) VALUES (?, ?, 'running', ?, ?, ?)"
                " ON CONFLICT (schedule_id, slot) DO NOTHING RETURNING id",
                (schedule_id, slot_text(slot), owner, time_after(lease_s), now),
            )
            if inserted is not None:
                return True
            taken = await tx.fetchone(
                "UPDATE schedule_runs SET lease_owner = ?, lease_expires_at = ?"
                " WHERE schedule_id = ? AND slot = ? AND status = 'running'"
                f" AND ({orphaned('lease_owner')}) RETURNING id",
                (owner, time_after(lease_s), schedule_id, slot_text(slot), now, json_list(dead)),
            )
        return taken is not None

    async def finish_slot(
        self, schedule_id: int, slot: datetime, status: str, *, tokens: int = 0,
        post_ref: str | None = None, error: str | None = None,
    ) -> None:  # fmt: skip
        if status not in FINISHED:
            raise ValueError(f"a finished slot is one of done, quiet, missed, failed: {status!r}")
        now = now_text()
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "INSERT INTO schedule_runs (schedule_id, slot, status, tokens, post_ref, error,"
                " started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (schedule_id, slot) DO UPDATE SET status = excluded.status,"
                " tokens = excluded.tokens, post_ref = excluded.post_ref, error = excluded.error,"
                " finished_at = excluded.finished_at, lease_owner = NULL, lease_expires_at = NULL",
                (schedule_id, slot_text(slot), status, tokens, post_ref, error, now, now),
            )

    async def mark_missed(self, schedule_id: int, slots: Iterable[datetime]) -> int:
        """Record slots as missed unless some process already has them (running or
        finished): a slow process must never overwrite another's run. How many were new."""
        now = now_text()
        added = 0
        async with self._db.transaction() as tx:
            for slot in slots:
                row = await tx.fetchone(
                    "INSERT INTO schedule_runs (schedule_id, slot, status, started_at,"
                    " finished_at) VALUES (?, ?, 'missed', ?, ?)"
                    " ON CONFLICT (schedule_id, slot) DO NOTHING RETURNING id",
                    (schedule_id, slot_text(slot), now, now),
                )
                added += row is not None
        return added

    async def request_run(self, schedule_id: int, at: datetime) -> datetime:
        """A run now, as a slot of its own that nobody holds yet: the next `nova run` to
        look takes it. Its slot (a later second if `at`'s is taken)."""
        async with self._db.transaction() as tx:
            for step in range(60):
                slot = at + timedelta(seconds=step)
                row = await tx.fetchone(
                    "INSERT INTO schedule_runs (schedule_id, slot, status, manual, started_at)"
                    " VALUES (?, ?, 'running', 1, ?)"
                    " ON CONFLICT (schedule_id, slot) DO NOTHING RETURNING id",
                    (schedule_id, slot_text(slot), now_text()),
                )
                if row is not None:
                    return slot
        raise ValueError(f"schedule #{schedule_id} has a run in each of the next 60 seconds")

    async def last_slot(self, schedule_id: int) -> datetime | None:
        """The newest slot of the trigger handled in any way (run, running, missed)."""
        row = await self._db.fetchone(
            "SELECT MAX(slot) AS slot FROM schedule_runs WHERE schedule_id = ? AND manual = 0",
            (schedule_id,),
        )
        return None if row is None or row["slot"] is None else parse_time(row["slot"])

    async def last_posted_slot(self, schedule_id: int, before: datetime) -> datetime | None:
        """The newest slot before `before` that posted (done): where a digest's period starts."""
        row = await self._db.fetchone(
            "SELECT MAX(slot) AS slot FROM schedule_runs"
            " WHERE schedule_id = ? AND status = 'done' AND slot < ?",
            (schedule_id, slot_text(before)),
        )
        return None if row is None or row["slot"] is None else parse_time(row["slot"])

    async def orphaned_slots(
        self, *, dead: Collection[str] = (), limit: int = 20
    ) -> list[tuple[int, datetime]]:
        """Running slots nobody holds (a dead or silent holder, or none yet): to take over."""
        rows = await self._db.fetchall(
            "SELECT schedule_id, slot FROM schedule_runs WHERE status = 'running'"
            f" AND ({orphaned('lease_owner')}) ORDER BY slot LIMIT ?",
            (now_text(), json_list(dead), limit),
        )
        return [(int(r["schedule_id"]), parse_time(r["slot"])) for r in rows]

    async def schedule_history(self, schedule_id: int, *, limit: int = 50) -> list[ScheduleRun]:
        """The newest `limit` runs, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM (SELECT schedule_id, slot, status, manual, tokens, post_ref, error,"
            " finished_at FROM schedule_runs WHERE schedule_id = ? ORDER BY slot DESC LIMIT ?)"
            " ORDER BY slot",
            (schedule_id, limit),
        )
        return [_run(row) for row in rows]

    async def slot_statuses(self, schedule_id: int) -> dict[str, str]:
        rows = await self._db.fetchall(
            "SELECT slot, status FROM schedule_runs WHERE schedule_id = ? ORDER BY slot",
            (schedule_id,),
        )
        return {str(r["slot"]): str(r["status"]) for r in rows}
