"""Leases on pipeline runs: at most one process runs a run's steps at a time.

A run is held by the process that started or resumed it; its heartbeat keeps the lease
fresh (store/leases.py), and a dead process's run is taken over once its lease runs out
(or at once, when the process is known to be gone).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from novabot.delivery.worker import Worker


class RunLeaseStore(Protocol):
    async def lease_run(
        self, run_id: int, owner: str, lease_s: float, *, dead: Collection[str] = ()
    ) -> bool: ...

    async def release_run(self, run_id: int, owner: str) -> None: ...


class StoreRunLeases:
    """Run leases kept in the database, shared by every process that opens it."""

    def __init__(self, store: RunLeaseStore, worker: Worker) -> None:
        self.store = store
        self.worker = worker

    async def hold(self, run_id: int) -> bool:
        dead = await self.worker.dead_owners()
        return await self.store.lease_run(run_id, self.worker.owner, self.worker.lease_s, dead=dead)

    async def release(self, run_id: int) -> None:
        await self.store.release_run(run_id, self.worker.owner)


class LocalRunLeases:
    """Run leases for a store only this process can see (the in-memory pipeline store)."""

    def __init__(self) -> None:
        self.held: set[int] = set()

    async def hold(self, run_id: int) -> bool:
        self.held.add(run_id)
        return True

    async def release(self, run_id: int) -> None:
        self.held.discard(run_id)
