"""Schedules: what fires next, what each run did, and proposals to confirm or cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.dashboard.views.params import path_id
from novabot.schedules.plans import as_plan, describe, trigger_of
from novabot.schedules.triggers import fire_times
from novabot.store.schedule_runs import ScheduleRun
from novabot.store.schedules import ScheduleRow

HISTORY = 10


@dataclass(frozen=True)
class ScheduleLine:
    row: ScheduleRow
    described: str
    next_times: list[datetime]
    history: list[ScheduleRun]


async def schedules(request: web.Request) -> web.Response:
    sources = sources_of(request)
    store, now = sources.store, sources.clock()
    lines = [
        ScheduleLine(row, describe(as_plan(row)), _next(row, now),
                     await store.schedule_history(row.id, limit=HISTORY))
        for row in await store.schedules()
    ]  # fmt: skip
    proposals = [
        ScheduleLine(row, describe(as_plan(row)), fire_times(trigger_of(row), now), [])
        for row in await store.all_proposals()
    ]
    notice = request.query.get("done", "")
    return render(request, "schedules.html", lines=lines, proposals=proposals, notice=notice)


async def decide(request: web.Request) -> web.Response:
    """Confirm or cancel a proposal, once: a second click (or another process) is told."""
    sources = sources_of(request)
    schedule_id = path_id(request, "schedule")
    confirm = (await request.post()).get("decision") == "confirm"
    row = await sources.store.schedule(schedule_id)
    if row is None or not row.proposed or row.removed:
        notice = f"#{schedule_id} is no longer waiting for a decision."
    elif not confirm:
        cancelled = await sources.store.cancel_proposal(schedule_id)
        notice = f"Cancelled #{schedule_id}." if cancelled else f"#{schedule_id} was decided."
    elif not fire_times(trigger_of(row), sources.clock(), count=1):
        notice = f"#{schedule_id} cannot start: its time has passed."
    elif await sources.store.confirm_schedule(schedule_id):
        await sources.schedules_changed()
        notice = f"Confirmed #{schedule_id}: {describe(as_plan(row))}."
    else:
        notice = f"#{schedule_id} was already decided."
    target = request.app.router["schedules"].url_for().with_query(done=notice)
    raise web.HTTPSeeOther(target)


def _next(row: ScheduleRow, now: datetime) -> list[datetime]:
    return [] if row.paused else fire_times(trigger_of(row), now)
