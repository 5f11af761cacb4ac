"""The scheduler inside `nova run`: APScheduler fires, Nova's tables decide.

APScheduler (an AsyncIOScheduler on Nova's loop, jobs kept in memory) is rebuilt from the
`schedules` table at start and re-read every `sync_s`, so a schedule added, paused or
removed by any process (the command line, chat, another `nova run`) counts within seconds.
A firing is only a wake-up: it works out which slots are due from the table (so the
result is the same in every process), claims the one to run in `schedule_runs` under this
process's lease, and records older ones as missed. Whoever claims a slot runs it; nobody
else can. A slot whose holder died is taken over, once, by whoever sees it first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Coroutine, Iterator
from datetime import datetime
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from novabot.config import ScheduleSettings
from novabot.core.responder import Responder, ResponderFor
from novabot.schedules.plans import Clock, trigger_of, utc_now
from novabot.schedules.runner import Outcome
from novabot.schedules.triggers import due_slots
from novabot.store.schedule_runs import slot_text
from novabot.store.schedules import ScheduleRow

log = logging.getLogger(__name__)

JOB_PREFIX = "schedule:"


class SchedulerStore(Protocol):
    async def schedules(self, *, live_only: bool = False) -> list[ScheduleRow]: ...

    async def schedule(self, schedule_id: int) -> ScheduleRow | None: ...

    async def schedule_live(self, schedule_id: int) -> bool: ...

    async def claim_slot(
        self, schedule_id: int, slot: datetime, owner: str, lease_s: float,
        *, dead: Collection[str] = (),
    ) -> bool: ...  # fmt: skip

    async def finish_slot(
        self, schedule_id: int, slot: datetime, status: str, *, tokens: int = 0,
        post_ref: str | None = None, error: str | None = None,
    ) -> None: ...  # fmt: skip

    async def mark_missed(self, schedule_id: int, slots: Collection[datetime]) -> int: ...

    async def last_slot(self, schedule_id: int) -> datetime | None: ...

    async def orphaned_slots(
        self, *, dead: Collection[str] = (), limit: int = 20
    ) -> list[tuple[int, datetime]]: ...


class Lessee(Protocol):
    """This process as a holder of leases (delivery/worker.py)."""

    owner: str
    lease_s: float

    async def dead_owners(self) -> set[str]: ...


class Runner(Protocol):
    async def run(self, schedule: ScheduleRow, slot: datetime, responder: Responder) -> Outcome: ...


class Scheduler:
    def __init__(
        self,
        store: SchedulerStore,
        runner: Runner,
        worker: Lessee,
        settings: ScheduleSettings,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.runner = runner
        self.worker = worker
        self.settings = settings
        self.clock = clock
        self.responder_for: ResponderFor = lambda key: None
        self._aps = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._versions: dict[int, datetime] = {}
        self._running: set[asyncio.Task[object]] = set()
        self._spawned: set[asyncio.Task[object]] = set()
        self._loop: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, responder_for: ResponderFor) -> None:
        """Build the jobs from the table, catch up on what fell due while no process ran,
        take over runs left unfinished, and keep in step with the table from now on."""
        self.responder_for = responder_for
        self._aps.start()
        await self.refresh()
        self._loop = asyncio.create_task(self._keep_in_step())

    async def stop(self, grace_s: float) -> int:
        """Fire no more; let runs under way finish for up to `grace_s`. How many were cut
        short: their slots stay claimed, and the next start takes them over."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._aps.running:
            # Paused, not shut down, while runs finish: shutting down cancels the runs
            # APScheduler started, and a run cut between its post and its record would
            # leave a posted slot looking unfinished until the next start.
            self._aps.pause()
        running = self._running | self._spawned
        cut: set[asyncio.Task[object]] = set()
        if running:
            _, cut = await asyncio.wait(running, timeout=grace_s)
            for task in cut:
                task.cancel()
            await asyncio.wait(running)
        if self._aps.running:
            self._aps.shutdown(wait=False)
        return len(cut)

    async def refresh(self) -> None:
        """Re-read the table, then start whatever it says is due and nobody holds (in
        tasks of their own: an answer being written must not hold up the next look)."""
        for schedule_id in await self.sync():
            self._spawn(self.tick(schedule_id))
        dead = await self.worker.dead_owners()
        for schedule_id, slot in await self.store.orphaned_slots(dead=dead):
            schedule = await self.store.schedule(schedule_id)
            if schedule is not None:
                self._spawn(self.run_slot(schedule, slot, dead=dead))

    async def settled(self) -> None:
        """Wait for what `refresh` started (tests, and a clean stop)."""
        while self._spawned:
            await asyncio.wait(set(self._spawned))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    async def _keep_in_step(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sync_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("could not re-read the schedules; trying again")

    # -- the table and the jobs -----------------------------------------------------------

    async def sync(self) -> list[int]:
        """Make the jobs match the live schedules; the ids added or changed."""
        rows = {row.id: row for row in await self.store.schedules(live_only=True)}
        for schedule_id in set(self._versions) - set(rows):
            self._unschedule(schedule_id)
        changed = [row for row in rows.values() if self._versions.get(row.id) != row.updated_at]
        for row in changed:
            self._aps.add_job(
                self.tick, trigger_of(row), args=[row.id], id=f"{JOB_PREFIX}{row.id}",
                name=f"schedule #{row.id}", replace_existing=True,
            )  # fmt: skip
            self._versions[row.id] = row.updated_at
        return [row.id for row in changed]

    def _unschedule(self, schedule_id: int) -> None:
        self._versions.pop(schedule_id, None)
        job = self._aps.get_job(f"{JOB_PREFIX}{schedule_id}")
        if job is not None:
            job.remove()

    # -- firing ---------------------------------------------------------------------------

    async def tick(self, schedule_id: int) -> None:
        """What a firing does: the newest due slot is run (if recent enough), older ones
        are recorded as missed, never run in a burst."""
        schedule = await self.store.schedule(schedule_id)
        if schedule is None or not schedule.live:
            self._unschedule(schedule_id)
            return
        if self.responder_for(schedule.key) is None:
            return  # a platform this process does not serve: another one posts it
        last = await self.store.last_slot(schedule_id)
        # Slots before the schedule was made (or resumed) were never its to run.
        since = max(last, schedule.updated_at) if last else schedule.updated_at
        due = due_slots(
            trigger_of(schedule), last=since, now=self.clock(), catchup_s=self.settings.catchup_s
        )
        if due.missed:
            await self.store.mark_missed(schedule_id, due.missed)
            log.info("schedule #%d: %d slots missed while down", schedule_id, len(due.missed))
        if due.run is not None:
            await self.run_slot(schedule, due.run)

    async def run_slot(
        self, schedule: ScheduleRow, slot: datetime, *, dead: Collection[str] = ()
    ) -> bool:
        """Claim the slot and run it; False when another process has it (or it cannot
        be posted from here)."""
        responder = self.responder_for(schedule.key)
        if responder is None or not await self.store.schedule_live(schedule.id):
            return False
        claimed = await self.store.claim_slot(
            schedule.id, slot, self.worker.owner, self.worker.lease_s, dead=dead
        )
        if not claimed:
            return False
        with self._tracked():
            outcome = await self._run_claimed(schedule, slot, responder)
        await self.store.finish_slot(
            schedule.id, slot, outcome.status, tokens=outcome.tokens,
            post_ref=outcome.post_ref, error=outcome.error,
        )  # fmt: skip
        log.info("schedule #%d slot %s: %s", schedule.id, slot_text(slot), outcome.status)
        return True

    async def _run_claimed(
        self, schedule: ScheduleRow, slot: datetime, responder: Responder
    ) -> Outcome:
        try:
            return await self.runner.run(schedule, slot, responder)
        except Exception as exc:
            log.exception("schedule #%d slot %s failed", schedule.id, slot_text(slot))
            return Outcome("failed", error=f"{type(exc).__name__}: {exc}"[:300])

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Count the current task as a run under way, for `stop` to wait for."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)
