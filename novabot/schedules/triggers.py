"""When a schedule fires: its trigger (a 5-field cron expression, an `every` interval or a
one-shot `at`) in its IANA time zone, read and checked once, and the slots it yields.

APScheduler's triggers do the calendar arithmetic (so what is listed here is what the
scheduler fires), with one correction: when a wall-clock time happens twice (the hour
repeated as summer time ends), a daily job fires once, not twice. Time is always passed
in, never read here, so every rule is testable at any date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

KINDS = ("cron", "every", "at")
MIN_EVERY_S = 10.0
"""The shortest interval a schedule may have (a setting lowers it for tests)."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


class ScheduleError(ValueError):
    """A trigger that cannot be used, said in one line."""


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    kind: str
    expression: str
    """`0 9 * * MON` (cron), `30m` (every), `2026-12-01 15:00` (at, wall time in `tz`)."""
    tz: str = "UTC"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone '{name[:60]}' (an IANA name: Europe/London)"
        ) from None


def parse_every(text: str, *, min_every_s: float = MIN_EVERY_S) -> timedelta:
    found = _EVERY.match(text)
    if not found:
        raise ScheduleError(f"'{text[:30]}' is not an interval: a number and s, m, h or d (30m)")
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if seconds < min_every_s:
        raise ScheduleError(f"every {text.strip()} is too often: the least is {min_every_s:g}s")
    return timedelta(seconds=seconds)


def parse_at(text: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"'{text[:40]}' is not a date and time (2026-12-01 15:00)") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def build(
    spec: TriggerSpec, *, now: datetime, start: datetime | None = None,
    min_every_s: float = MIN_EVERY_S,
) -> BaseTrigger:  # fmt: skip
    """The APScheduler trigger for `spec`; a one-shot in the past is refused."""
    tz = zone(spec.tz)
    if spec.kind == "cron":
        try:
            return CronTrigger.from_crontab(spec.expression, timezone=tz)
        except ValueError as exc:
            raise ScheduleError(
                f"'{spec.expression[:60]}' is not a cron expression: {exc}"
            ) from None
    if spec.kind == "every":
        interval = parse_every(spec.expression, min_every_s=min_every_s)
        return IntervalTrigger(
            seconds=interval.total_seconds(), start_date=start or now, timezone=tz
        )
    if spec.kind == "at":
        moment = parse_at(spec.expression, tz)
        if moment <= now:
            shown = moment.strftime("%Y-%m-%d %H:%M %Z")
            raise ScheduleError(f"{shown} has already passed: a one-shot must be in the future")
        return DateTrigger(run_date=moment, timezone=tz)
    raise ScheduleError(f"a trigger is one of {', '.join(KINDS)}, not '{spec.kind}'")


def fire_times(
    trigger: BaseTrigger, after: datetime, *, until: datetime | None = None, count: int = 3
) -> list[datetime]:
    """Up to `count` fire times strictly after `after` (and not after `until`), each wall
    time once even where the clock repeats an hour."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = after
    while len(times) < count:
        moment = trigger.get_next_fire_time(previous, now)
        if moment is None or (until is not None and moment > until):
            break
        # Stepped in UTC: wall-clock arithmetic would land back in a repeated hour.
        previous, now = moment, moment.astimezone(UTC) + timedelta(microseconds=1)
        if moment <= after:
            continue
        if _repeats_wall_time(trigger, times[-1] if times else after, moment):
            continue  # the repeated hour of an autumn clock change
        times.append(moment)
    return times


def _repeats_wall_time(trigger: BaseTrigger, before: datetime, moment: datetime) -> bool:
    """A calendar job (cron) at a wall time the clock shows twice fires the first time
    only; an interval is a duration, so it fires in both hours."""
    if not isinstance(trigger, CronTrigger):
        return False
    local = before.astimezone(moment.tzinfo)
    return local.replace(tzinfo=None) == moment.replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class DueSlots:
    run: datetime | None
    """The one slot to run now (the latest due one, if it is recent enough)."""
    missed: list[datetime]
    """Older due slots, recorded as missed rather than run in a burst."""


def due_slots(
    trigger: BaseTrigger, *, last: datetime, now: datetime, catchup_s: float, limit: int = 1000
) -> DueSlots:
    """What is due between the last slot handled and now: at most one run (the newest, if
    younger than `catchup_s`), the rest missed."""
    due = fire_times(trigger, last, until=now, count=limit)
    if not due:
        return DueSlots(None, [])
    newest = due[-1]
    if (now - newest).total_seconds() <= catchup_s:
        return DueSlots(newest, due[:-1])
    return DueSlots(None, due)
