"""This process as a holder of leases: its owner id, its heartbeat, and who else is dead.

A lease names its owner; the owner's heartbeat keeps it fresh. Another process may take
the work over once the lease runs out, or at once when the owner is known to be dead: a
worker on this host whose process id no longer exists (a SIGKILL, a crash), or any worker
whose heartbeat is older than a lease. Restarting after a crash therefore picks the work
up immediately instead of waiting a lease out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta
from typing import Protocol

from novabot.store.leases import WorkerRow

log = logging.getLogger(__name__)


class WorkerStore(Protocol):
    async def register_worker(self, owner: str, host: str, pid: int) -> None: ...
    async def workers(self) -> list[WorkerRow]: ...
    async def heartbeat(self, owner: str, lease_s: float) -> None: ...
    async def retire_worker(self, owner: str) -> None: ...
    async def forget_workers(self, owners: set[str]) -> None: ...


class Worker:
    """One process's identity in the database, kept alive by a heartbeat task."""

    def __init__(self, store: WorkerStore, lease_s: float) -> None:
        self.store = store
        self.lease_s = lease_s
        self.host = socket.gethostname()
        self.pid = os.getpid()
        # The random part tells two runs apart even if the OS reuses a process id.
        self.owner = f"{self.host}:{self.pid}:{secrets.token_hex(3)}"
        self._beat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._beat is not None:
            return
        await self.store.register_worker(self.owner, self.host, self.pid)
        self._beat = asyncio.create_task(self._beat_forever())

    async def __aenter__(self) -> Worker:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop beating and let every lease go, so the next start takes over at once."""
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None
        await self.store.retire_worker(self.owner)

    async def dead_owners(self) -> set[str]:
        """Workers known to be gone. Their rows stay while their leases may (another
        process starting later must be able to tell too); `forget_old_workers` drops them
        once nothing they held can still be open."""
        return {
            row.owner
            for row in await self.store.workers()
            if row.owner != self.owner and not still_beating(row, self.lease_s, self.host)
        }

    async def forget_old_workers(self, older_than: timedelta) -> None:
        """Drop the rows of workers silent for longer than `older_than`."""
        cutoff = datetime.now(UTC) - older_than
        old = {row.owner for row in await self.store.workers() if row.heartbeat_at < cutoff}
        if old:
            await self.store.forget_workers(old)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.store.heartbeat(self.owner, self.lease_s)
            except Exception:  # a busy or briefly unreadable database: beat again soon
                log.exception("heartbeat failed; leases may lapse if this persists")


def still_beating(row: WorkerRow, lease_s: float, host: str) -> bool:
    """Whether a worker may still hold its leases: its heartbeat is younger than `lease_s`
    and, when it ran on `host` (this machine), its process still exists."""
    fresh = row.heartbeat_at >= datetime.now(UTC) - timedelta(seconds=lease_s)
    return fresh and not (row.host == host and not process_exists(row.pid))


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True
