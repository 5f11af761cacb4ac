"""A scheduled digest end to end (scheduler, runner, digest agent, outbox): the period's
decision and pipeline are named with their links, the next digest starts where the last
posted one ended, and a quiet period posts nothing unless the schedule asks for it."""

from __future__ import annotations

from datetime import datetime, timedelta

from novabot.app import App
from novabot.config import ScheduleSettings
from novabot.schedules.service import Scheduler
from novabot.store import Store
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder
from tests.store.digest_seed import CHANNEL, DECISION_LINK, SINCE, UNTIL, date, seed


def scheduler_at(app: App, moment: datetime) -> tuple[Scheduler, RecordingResponder]:
    responder = RecordingResponder(CHANNEL)
    scheduler = Scheduler(
        app.store, app.scheduler.runner, app.worker, ScheduleSettings(), clock=lambda: moment
    )
    scheduler.responder_for = lambda key: responder if key == CHANNEL else None
    return scheduler, responder


async def daily_digest(store: Store, **options: bool) -> int:
    schedule_id = await store.add_schedule(
        trigger_kind="cron", expression="0 9 * * *", tz="UTC", platform="slack",
        channel_id="C1", thread_id=None, kind="digest", owner="slack:UADMIN", **options,
    )  # fmt: skip
    date(store.path, "schedules", schedule_id, created_at=SINCE, updated_at=SINCE)
    await store.finish_slot(schedule_id, SINCE, "done")  # yesterday's digest was posted
    return schedule_id


async def test_a_digest_names_the_periods_decision_and_pipeline_with_links(
    app: App, fake_openai: FakeOpenAI
) -> None:
    seeded = await seed(app.store, app.store.path)
    schedule_id = await daily_digest(app.store)
    scheduler, responder = scheduler_at(app, UNTIL + timedelta(seconds=2))
    await scheduler.tick(schedule_id)
    # The fake model echoes what it was given: the material the digest agent wrote from.
    [request] = fake_openai.requests
    assert "digest" in request.body["messages"][0]["content"].lower()
    [post] = responder.texts
    assert "Ship on Fridays" in post and DECISION_LINK in post
    assert "Ship on Mondays" not in post  # decided before the period
    assert f"#{seeded.pipeline}" in post and "Summarise the release notes" in post
    assert "https://slack.com/archives/C1/p1764500000000100" in post  # the run's thread
    run = (await app.store.schedule_history(schedule_id))[-1]
    assert run.status == "done" and run.tokens > 0


async def test_a_quiet_period_posts_nothing_and_spends_nothing(
    app: App, fake_openai: FakeOpenAI
) -> None:
    schedule_id = await daily_digest(app.store)
    scheduler, responder = scheduler_at(app, UNTIL + timedelta(seconds=2))
    await scheduler.tick(schedule_id)
    assert responder.texts == [] and fake_openai.requests == []
    statuses = [run.status for run in await app.store.schedule_history(schedule_id)]
    assert statuses == ["done", "quiet"]


async def test_post_quiet_says_so_in_one_line_without_the_model(
    app: App, fake_openai: FakeOpenAI
) -> None:
    schedule_id = await daily_digest(app.store, post_quiet=True)
    scheduler, responder = scheduler_at(app, UNTIL + timedelta(seconds=2))
    await scheduler.tick(schedule_id)
    [note] = responder.texts
    assert "\n" not in note.strip() and fake_openai.requests == []
    statuses = [run.status for run in await app.store.schedule_history(schedule_id)]
    assert statuses == ["done", "done"]
