"""The scheduler on a real database with a clock the test moves: each slot is run once
whichever process ticks, missed slots are recorded rather than run in a burst, a removed
or paused schedule stays silent, and a dead holder's slot is finished once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from novabot.app import App
from novabot.config import ScheduleSettings
from novabot.core.message import ConversationKey
from novabot.delivery.courier import Courier
from novabot.delivery.worker import Worker
from novabot.schedules.runner import SlotRunner, Written
from novabot.schedules.service import Scheduler
from novabot.store import Store
from novabot.store.schedules import ScheduleRow
from tests.fakes.openai_server import FakeOpenAI, Slow, Text
from tests.helpers import RecordingResponder, eventually
from tests.store.digest_seed import date

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = ConversationKey("slack", "C1")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class QuietDigests:
    async def write(self, schedule: ScheduleRow, slot: datetime, max_tokens: int) -> Written | None:
        return None


class Process:
    """One `nova run`'s scheduler over its own connection to the database."""

    def __init__(self, app: App, store: Store, clock: Clock, **settings: float) -> None:
        self.store = store
        self.worker = Worker(store, app.settings.lease_s)
        self.responder = RecordingResponder(KEY)
        runner = SlotRunner(
            store, Courier(store, self.worker), app.llm, app.registry.agents, QuietDigests(),
            default_max_tokens=1000,
        )  # fmt: skip
        self.scheduler = Scheduler(
            store, runner, self.worker, ScheduleSettings(**settings), clock=clock
        )
        self.scheduler.responder_for = lambda key: self.responder if key == KEY else None

    async def tick(self, schedule_id: int) -> None:
        await self.scheduler.tick(schedule_id)

    async def refresh(self) -> None:
        await self.scheduler.refresh()
        await self.scheduler.settled()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def two(app: App, clock: Clock) -> AsyncIterator[tuple[Process, Process]]:
    other = await Store.open(app.store.path)
    try:
        yield Process(app, app.store, clock), Process(app, other, clock)
    finally:
        await other.close()


async def reminder(store: Store, every: str = "10m", **options: object) -> int:
    schedule_id = await store.add_schedule(
        trigger_kind="every", expression=every, tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="reminder", owner="slack:U1", prompt="stand-up", **options,  # type: ignore[arg-type]
    )  # fmt: skip
    backdate(store, schedule_id, START)
    return schedule_id


def backdate(store: Store, schedule_id: int, moment: datetime) -> None:
    """Make the schedule look created at `moment` (the test's clock, not the wall's)."""
    date(store.path, "schedules", schedule_id, created_at=moment, updated_at=moment)


async def test_each_slot_is_posted_once_whichever_process_ticks(
    two: tuple[Process, Process], clock: Clock
) -> None:
    a, b = two
    schedule_id = await reminder(a.store)
    for minutes in (10, 20, 30):
        clock.now = START + timedelta(minutes=minutes, seconds=1)
        await asyncio.gather(a.tick(schedule_id), b.tick(schedule_id), a.tick(schedule_id))
    history = await a.store.schedule_history(schedule_id)
    assert [run.status for run in history] == ["done"] * 3
    assert [run.slot - START for run in history] == [timedelta(minutes=m) for m in (10, 20, 30)]
    posts = a.responder.texts + b.responder.texts
    assert len(posts) == 3 and all("<@U1> Reminder: stand-up" in text for text in posts)


async def test_after_downtime_one_catch_up_and_the_rest_missed(
    two: tuple[Process, Process], clock: Clock
) -> None:
    a, _ = two
    schedule_id = await reminder(a.store)
    clock.now = START + timedelta(minutes=35)
    await a.tick(schedule_id)
    statuses = [run.status for run in await a.store.schedule_history(schedule_id)]
    assert statuses == ["missed", "missed", "done"] and len(a.responder.texts) == 1


async def test_a_long_outage_runs_nothing_in_a_burst(app: App, clock: Clock) -> None:
    a = Process(app, app.store, clock, catchup_s=60)
    schedule_id = await reminder(a.store, "1h")
    clock.now = START + timedelta(hours=5, minutes=30)
    await a.tick(schedule_id)
    statuses = [run.status for run in await a.store.schedule_history(schedule_id)]
    assert statuses == ["missed"] * 5 and a.responder.texts == []


async def test_removed_and_paused_schedules_stay_silent(
    two: tuple[Process, Process], clock: Clock
) -> None:
    a, b = two
    removed, paused = await reminder(a.store), await reminder(a.store)
    await b.store.remove_schedule(removed)  # by the other process
    await b.store.set_paused(paused, True)
    clock.now = START + timedelta(minutes=10, seconds=1)
    for schedule_id in (removed, paused):
        await a.tick(schedule_id)
    assert a.responder.texts == []
    assert await a.scheduler.sync() == []  # neither gets a job


async def test_resuming_does_not_catch_up_the_paused_time(app: App, clock: Clock) -> None:
    a = Process(app, app.store, clock)
    schedule_id = await reminder(a.store)
    await a.store.set_paused(schedule_id, True)
    await a.store.set_paused(schedule_id, False)
    date(a.store.path, "schedules", schedule_id, updated_at=START + timedelta(minutes=45))
    clock.now = START + timedelta(minutes=50, seconds=1)
    await a.tick(schedule_id)
    history = await a.store.schedule_history(schedule_id)
    assert [(run.slot - START, run.status) for run in history] == [(timedelta(minutes=50), "done")]


async def test_a_dead_holders_slot_is_finished_once_without_writing_it_again(
    two: tuple[Process, Process], clock: Clock
) -> None:
    a, b = two
    schedule_id = await reminder(a.store)
    slot = START + timedelta(minutes=10)
    # A process claimed the slot and recorded its post, then died before sending it.
    await a.store.register_worker("ghost", "elsewhere", 1)
    assert await a.store.claim_slot(schedule_id, slot, "ghost", 0.01)
    await a.store.record_post(
        f"schedule:{schedule_id}:2026-12-01T09:10:00+00:00", KEY, "written before the crash",
        owner="ghost", lease_s=0.01,
    )  # fmt: skip
    await asyncio.sleep(0.02)
    await asyncio.gather(a.refresh(), b.refresh())
    assert a.responder.texts + b.responder.texts == ["written before the crash"]
    assert [run.status for run in await a.store.schedule_history(schedule_id)] == ["done"]


async def test_a_run_asked_for_by_hand_is_a_slot_of_its_own(
    two: tuple[Process, Process], clock: Clock
) -> None:
    a, b = two
    schedule_id = await reminder(a.store)
    clock.now = START + timedelta(minutes=3)
    slot = await a.store.request_run(schedule_id, clock.now)
    await asyncio.gather(a.refresh(), b.refresh())
    [run] = await a.store.schedule_history(schedule_id)
    assert (run.slot, run.status, run.manual) == (slot, "done", True)
    assert len(a.responder.texts + b.responder.texts) == 1
    clock.now = START + timedelta(minutes=10, seconds=1)
    await a.tick(schedule_id)  # the trigger's own slot still runs
    assert len(await a.store.schedule_history(schedule_id)) == 2


async def test_an_agent_job_stops_at_its_token_cap(
    app: App, clock: Clock, fake_openai: FakeOpenAI
) -> None:
    a = Process(app, app.store, clock)
    schedule_id = await app.store.add_schedule(
        trigger_kind="every", expression="10m", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="agent", owner="slack:U1", agent="chat", prompt="say ok",
        max_tokens=4,
    )  # fmt: skip
    backdate(app.store, schedule_id, START)
    fake_openai.script(Text("ok and then a great deal more than anyone asked for"))
    clock.now = START + timedelta(minutes=10, seconds=1)
    await a.tick(schedule_id)
    [text] = a.responder.texts
    assert text.startswith("ok and then a") and "cap of 4 tokens" in text
    [run] = await app.store.schedule_history(schedule_id)
    assert run.status == "done" and run.tokens > 4  # the prompt's tokens count too
    assert fake_openai.requests[0].body["max_tokens"] == 4


async def test_a_failed_job_posts_nothing_and_says_why(
    app: App, clock: Clock, fake_openai: FakeOpenAI
) -> None:
    a = Process(app, app.store, clock)
    await app.llm.close()  # the endpoint cannot be reached
    schedule_id = await app.store.add_schedule(
        trigger_kind="every", expression="10m", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="agent", owner="slack:U1", agent="chat", prompt="say ok",
    )  # fmt: skip
    backdate(app.store, schedule_id, START)
    fake_openai.script()
    await fake_openai.stop()
    clock.now = START + timedelta(minutes=10, seconds=1)
    await a.tick(schedule_id)
    [run] = await app.store.schedule_history(schedule_id)
    assert run.status == "failed" and run.error and a.responder.texts == []


async def test_apscheduler_fires_the_jobs_on_the_real_clock(app: App) -> None:
    a = Process(app, app.store, Clock())
    a.scheduler.clock = lambda: datetime.now(UTC)
    schedule_id = await app.store.add_schedule(
        trigger_kind="every", expression="1s", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="reminder", owner="slack:U1", prompt="tick",
    )  # fmt: skip
    await a.scheduler.start(a.scheduler.responder_for)
    try:
        await eventually(lambda: len(a.responder.texts) >= 2, within=5)
    finally:
        await a.scheduler.stop(1)
    statuses = {run.status for run in await app.store.schedule_history(schedule_id)}
    assert statuses == {"done"}


async def test_two_processes_ticking_at_once_write_the_slot_once(
    two: tuple[Process, Process], clock: Clock, fake_openai: FakeOpenAI
) -> None:
    a, b = two
    schedule_id = await a.store.add_schedule(
        trigger_kind="every", expression="10m", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="agent", owner="slack:U1", agent="chat", prompt="say ok",
    )  # fmt: skip
    backdate(a.store, schedule_id, START)
    fake_openai.script(Text("ok"), Text("ok again"))
    clock.now = START + timedelta(minutes=10, seconds=1)
    await asyncio.gather(a.tick(schedule_id), b.tick(schedule_id))
    assert len(fake_openai.requests) == 1  # the slot was claimed once: one answer written
    assert a.responder.texts + b.responder.texts == ["ok"]


async def test_stopping_lets_a_run_under_way_finish_and_record_itself(
    app: App, fake_openai: FakeOpenAI
) -> None:
    a = Process(app, app.store, Clock())
    a.scheduler.clock = lambda: datetime.now(UTC)
    fake_openai.script(Slow(1.0, Text("ok")))
    schedule_id = await app.store.add_schedule(
        trigger_kind="every", expression="1s", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="agent", owner="slack:U1", agent="chat", prompt="say ok",
    )  # fmt: skip
    await a.scheduler.start(a.scheduler.responder_for)
    try:
        await fake_openai.wait_for_requests(1)
    finally:
        assert await a.scheduler.stop(5) == 0
    runs = await app.store.schedule_history(schedule_id)
    assert "running" not in {run.status for run in runs} and a.responder.texts == ["ok"]
