"""Schedule rows and their runs: a slot is claimed once (UNIQUE schedule + slot) and held
by a lease, so two processes never run it twice and a dead one's slot is finished once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from novabot.store.conversations import StoreBase
from novabot.store.inbox import orphaned
from novabot.store.records import json_list, now_text, time_after

RUN_STATUSES = frozenset({"running", "done", "quiet", "missed", "failed"})


def slot_text(slot: datetime) -> str:
    """A slot as stored: UTC ISO-8601, so one instant is one text whatever its zone."""
    if slot.tzinfo is None:
        raise ValueError("a slot is an instant: give it a time zone")
    return slot.astimezone(UTC).isoformat(timespec="seconds")


class SchedulesMixin(StoreBase):
    async def add_schedule(
        self, *, trigger_kind: str, expression: str, tz: str, platform: str, channel_id: str,
        thread_id: str | None, kind: str, owner: str, agent: str | None = None,
        prompt: str | None = None, project: str | None = None, max_tokens: int | None = None,
    ) -> int:  # fmt: skip
        """Store a schedule (its trigger checked by the caller); its new id."""
        now = now_text()
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO schedules (trigger_kind, expression, tz, platform, channel_id,"
                " thread_id, kind, agent, prompt, project, owner, max_tokens, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (trigger_kind, expression, tz, platform, channel_id, thread_id, kind, agent,
                 prompt, project, owner, max_tokens, now, now),
            )  # fmt: skip
        assert row is not None
        return int(row["id"])

    async def remove_schedule(self, schedule_id: int) -> bool:
        """Never fire again, in any process (every firing checks it); False if unknown."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE schedules SET removed = 1, updated_at = ? WHERE id = ? AND removed = 0"
                " RETURNING id",
                (now_text(), schedule_id),
            )
        return bool(rows)

    async def schedule_live(self, schedule_id: int) -> bool:
        """Whether the schedule exists, is not removed and not paused: asked at each firing."""
        row = await self._db.fetchone(
            "SELECT 1 FROM schedules WHERE id = ? AND removed = 0 AND paused = 0", (schedule_id,)
        )
        return row is not None

    async def claim_slot(
        self, schedule_id: int, slot: datetime, owner: str, lease_s: float,
        *, dead: Collection[str] = (),
    ) -> bool:  # fmt: skip
        """True for the one caller that gets to run this slot: the first to claim it, or
        whoever takes over a running slot whose holder is dead or silent."""
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
        if status not in RUN_STATUSES - {"running"}:
            raise ValueError(f"a finished slot is one of done, quiet, missed, failed: {status!r}")
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "INSERT INTO schedule_runs (schedule_id, slot, status, tokens, post_ref, error,"
                " started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (schedule_id, slot) DO UPDATE SET status = excluded.status,"
                " tokens = excluded.tokens, post_ref = excluded.post_ref, error = excluded.error,"
                " finished_at = excluded.finished_at, lease_owner = NULL, lease_expires_at = NULL",
                (
                    schedule_id,
                    slot_text(slot),
                    status,
                    tokens,
                    post_ref,
                    error,
                    now_text(),
                    now_text(),
                ),
            )

    async def slot_statuses(self, schedule_id: int) -> dict[str, str]:
        rows = await self._db.fetchall(
            "SELECT slot, status FROM schedule_runs WHERE schedule_id = ? ORDER BY slot",
            (schedule_id,),
        )
        return {str(r["slot"]): str(r["status"]) for r in rows}
