"""Triggers and slots at any date: the clock is passed in, so DST changes, month ends and
downtime are tested directly."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from novabot.schedules.triggers import (
    DueSlots,
    ScheduleError,
    TriggerSpec,
    build,
    due_slots,
    fire_times,
    parse_every,
)

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def daily_0130(now: datetime) -> list[datetime]:
    trigger = build(TriggerSpec("cron", "30 1 * * *", "Europe/London"), now=now)
    return fire_times(trigger, now, count=4)


def test_a_daily_job_fires_once_on_the_day_summer_time_starts() -> None:
    fires = daily_0130(datetime(2026, 3, 27, 12, tzinfo=LONDON))
    assert [f.date().isoformat() for f in fires] == [
        "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"
    ]  # fmt: skip


def test_a_daily_job_fires_once_on_the_day_summer_time_ends() -> None:
    fires = daily_0130(datetime(2026, 10, 23, 12, tzinfo=LONDON))
    days = [f.astimezone(LONDON).date().isoformat() for f in fires]
    assert days == ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]
    assert all(f.astimezone(LONDON).strftime("%H:%M") == "01:30" for f in fires)


def test_month_ends_follow_the_calendar() -> None:
    trigger = build(TriggerSpec("cron", "0 9 31 * *"), now=datetime(2026, 1, 1, tzinfo=UTC))
    fires = fire_times(trigger, datetime(2026, 1, 1, tzinfo=UTC), count=3)
    assert [f.date().isoformat() for f in fires] == ["2026-01-31", "2026-03-31", "2026-05-31"]
    last_day = build(TriggerSpec("cron", "0 9 28-31 2 *"), now=datetime(2028, 1, 1, tzinfo=UTC))
    leap = fire_times(last_day, datetime(2028, 1, 1, tzinfo=UTC), count=2)
    assert [f.date().isoformat() for f in leap] == ["2028-02-28", "2028-02-29"]


def test_every_counts_from_its_start() -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    trigger = build(TriggerSpec("every", "30m"), now=start, start=start)
    fires = fire_times(trigger, start, count=3)
    assert [f.strftime("%H:%M") for f in fires] == ["09:30", "10:00", "10:30"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (TriggerSpec("cron", "61 * * * *"), "is not a cron expression"),
        (TriggerSpec("cron", "0 9 * *"), "is not a cron expression"),
        (TriggerSpec("every", "5s"), "too often: the least is 10s"),
        (TriggerSpec("every", "soon"), "is not an interval"),
        (TriggerSpec("at", "2020-01-01 10:00"), "has already passed"),
        (TriggerSpec("at", "tomorrow"), "is not a date and time"),
        (TriggerSpec("cron", "0 9 * * *", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (TriggerSpec("hourly", "x"), "a trigger is one of cron, every, at"),
    ],
)
def test_bad_triggers_are_one_line(spec: TriggerSpec, message: str) -> None:
    with pytest.raises(ScheduleError, match=message) as raised:
        build(spec, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert "\n" not in str(raised.value)


def test_the_floor_can_be_lowered_for_tests() -> None:
    assert parse_every("2s", min_every_s=1) == timedelta(seconds=2)


def test_a_one_shot_in_its_own_zone() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    trigger = build(TriggerSpec("at", "2026-12-01 15:00", "America/New_York"), now=now)
    [fire] = fire_times(trigger, now)
    assert fire.astimezone(UTC) == datetime(2026, 12, 1, 20, tzinfo=UTC)
    assert fire_times(trigger, fire) == []  # once


def test_after_a_short_outage_the_newest_slot_runs_once_and_the_rest_are_missed() -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    trigger = build(TriggerSpec("every", "10m"), now=start, start=start)
    due = due_slots(trigger, last=start, now=start + timedelta(minutes=35), catchup_s=3600)
    assert due.run == start + timedelta(minutes=30)
    assert due.missed == [start + timedelta(minutes=10), start + timedelta(minutes=20)]


def test_after_a_long_outage_nothing_runs_in_a_burst() -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    trigger = build(TriggerSpec("every", "1h"), now=start, start=start)
    due = due_slots(trigger, last=start, now=start + timedelta(hours=5, minutes=30), catchup_s=60)
    assert due.run is None and len(due.missed) == 5
    assert due_slots(trigger, last=start, now=start + timedelta(minutes=5), catchup_s=60) == (
        due_slots(trigger, last=start, now=start, catchup_s=60)
    )


def test_a_tick_in_the_repeated_hour_does_not_run_the_daily_slot_again() -> None:
    # APScheduler fires 01:30 twice on the autumn change; the second tick finds no slot.
    trigger = build(
        TriggerSpec("cron", "30 1 * * *", "Europe/London"), now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second_tick = datetime(2026, 10, 25, 1, 31, tzinfo=UTC)  # 01:31 GMT
    assert due_slots(trigger, last=first, now=second_tick, catchup_s=3600) == DueSlots(None, [])


def test_an_interval_runs_in_both_of_the_repeated_hours() -> None:
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    trigger = build(TriggerSpec("every", "1h", "Europe/London"), now=start, start=start)
    times = fire_times(trigger, start, count=3)
    assert [t.astimezone(UTC).hour for t in times] == [0, 1, 2]
    assert times[0].strftime("%H:%M") == times[1].strftime("%H:%M") == "01:30"
