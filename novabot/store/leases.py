"""Leases: which `nova run` process holds which open work, and whether it still lives.

Each process registers as a worker and beats a heartbeat; one heartbeat also extends
every lease the process holds (inbox entries, pending posts, pipeline runs). A lease
outlives its owner by at most `lease_s`, and less when the owner is known to be dead
(see delivery/worker.py), so a dead process's work is taken over, and a live one's is not.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from novabot.store.conversations import StoreBase
from novabot.store.inbox import orphaned
from novabot.store.records import json_list, now_text, parse_time, time_after

_LEASED = (
    ("inbox", "owner", "lease_expires_at", "state IN ('received', 'answering')"),
    ("outbox", "owner", "lease_expires_at", "state = 'pending'"),
    ("pipeline_runs", "lease_owner", "lease_expires_at", "status IN ('pending', 'running')"),
    ("schedule_runs", "lease_owner", "lease_expires_at", "status = 'running'"),
)


@dataclass(frozen=True, slots=True)
class WorkerRow:
    owner: str
    host: str
    pid: int
    heartbeat_at: datetime


class LeasesMixin(StoreBase):
    async def register_worker(self, owner: str, host: str, pid: int) -> None:
        now = now_text()
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "INSERT OR REPLACE INTO workers (owner, host, pid, started_at, heartbeat_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (owner, host, pid, now, now),
            )

    async def workers(self) -> list[WorkerRow]:
        rows = await self._db.fetchall("SELECT owner, host, pid, heartbeat_at FROM workers")
        return [
            WorkerRow(r["owner"], r["host"], int(r["pid"]), parse_time(r["heartbeat_at"]))
            for r in rows
        ]

    async def heartbeat(self, owner: str, lease_s: float) -> None:
        """I live: refresh the worker row and every lease `owner` holds, at once."""
        expires = time_after(lease_s)
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "UPDATE workers SET heartbeat_at = ? WHERE owner = ?", (now_text(), owner)
            )
            for table, owner_column, expiry_column, open_rows in _LEASED:
                await tx.fetchall(
                    f"UPDATE {table} SET {expiry_column} = ?"
                    f" WHERE {owner_column} = ? AND {open_rows}",
                    (expires, owner),
                )

    async def retire_worker(self, owner: str) -> None:
        """A clean stop: let every lease go at once, so the next start takes the work over
        without waiting for the leases to run out."""
        async with self._db.transaction() as tx:
            for table, owner_column, expiry_column, open_rows in _LEASED:
                await tx.fetchall(
                    f"UPDATE {table} SET {expiry_column} = NULL"
                    f" WHERE {owner_column} = ? AND {open_rows}",
                    (owner,),
                )
            await tx.fetchall("DELETE FROM workers WHERE owner = ?", (owner,))

    async def forget_workers(self, owners: Collection[str]) -> None:
        """Drop the rows of workers known to be dead (their leases are taken over anyway)."""
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "DELETE FROM workers WHERE owner IN (SELECT value FROM json_each(?))",
                (json_list(owners),),
            )

    async def lease_run(
        self, run_id: int, owner: str, lease_s: float, *, dead: Collection[str] = ()
    ) -> bool:
        """Hold pipeline run `run_id` for `owner` (again, if it already does); False while
        another live process holds it."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE pipeline_runs SET lease_owner = ?, lease_expires_at = ?"
                f" WHERE id = ? AND (lease_owner = ? OR {orphaned('lease_owner')}) RETURNING id",
                (owner, time_after(lease_s), run_id, owner, now_text(), json_list(dead)),
            )
        return row is not None

    async def release_run(self, run_id: int, owner: str) -> None:
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "UPDATE pipeline_runs SET lease_owner = NULL, lease_expires_at = NULL"
                " WHERE id = ? AND lease_owner = ?",
                (run_id, owner),
            )
