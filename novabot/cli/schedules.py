"""`nova schedule`: add, list, show, pause, resume, remove, run and look back at schedules.

Every bad input is one line and stores nothing: a schedule is checked whole (trigger,
zone, agent, project, target) before it is added. Only `add` starts Nova's parts (it
needs the agents' names); the rest need the database alone.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, NoReturn

from novabot.adapters.terminal import cli_user
from novabot.cli.runtime import UsageError, started_app
from novabot.cli.schedule_targets import PostLinks, check_target
from novabot.config import Settings
from novabot.core.message import ConversationKey
from novabot.schedules.plans import (
    Plan,
    Planner,
    as_plan,
    describe,
    parse_target,
    target_text,
    trigger_of,
    utc_now,
)
from novabot.schedules.triggers import ScheduleError, fire_times, zone
from novabot.store import Store
from novabot.store.schedule_runs import ScheduleRun
from novabot.store.schedules import ScheduleRow

EXIT_USAGE = 2
TIME_FORMAT = "%a %Y-%m-%d %H:%M:%S %Z"
SHOWN_RUNS = 5

Runner = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


class OneLineParser(argparse.ArgumentParser):
    """A mistake in a `nova schedule` command is one line, like every other bad input."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("nova ")
        self.exit(EXIT_USAGE, f"nova: {where}: {message} (see nova {where} --help)\n")


def one_line(run: Runner) -> Runner:
    """A schedule refused by the planner is a usage error: one line, exit 2."""

    @functools.wraps(run)
    async def wrapped(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return await run(settings, args)
        except ScheduleError as exc:
            raise UsageError(str(exc)) from None

    return wrapped


def schedule_id(text: str) -> int:
    if not text.strip().lstrip("#").isdigit():
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a schedule number")
    return int(text.strip().lstrip("#"))


def add_commands(commands: Any) -> None:
    schedule = commands.add_parser("schedule", help="digests, reminders and recurring agent jobs")
    sub = schedule.add_subparsers(
        dest="schedule_command", required=True, metavar="ACTION", parser_class=OneLineParser
    )
    add_add_command(sub)
    sub.add_parser("list", help="every schedule: what, when, where, next").set_defaults(
        run=one_line(run_list)
    )
    for name, run, what in (
        ("show", run_show, "a schedule: every field, next fire times, last runs"),
        ("pause", run_pause, "stop firing until resumed"),
        ("resume", run_resume, "fire again"),
        ("remove", run_remove, "never fire again (its history stays)"),
        ("run", run_now, "run now, as a slot of its own (a running `nova run` takes it)"),
    ):
        command = sub.add_parser(name, help=what)
        command.add_argument("id", type=schedule_id)
        command.set_defaults(run=one_line(run))
    history = sub.add_parser("history", help="slots: status, tokens, link to the post")
    history.add_argument("id", type=schedule_id)
    history.add_argument("--limit", type=int, default=20, help="the newest N runs (20)")
    history.set_defaults(run=one_line(run_history))


def add_add_command(sub: Any) -> None:
    add = sub.add_parser("add", help="add a schedule; prints its id and next fire times")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help='a 5-field cron expression: "0 9 * * MON"')
    when.add_argument("--every", help="an interval: 30s, 15m, 2h, 1d")
    when.add_argument("--at", help='once, at a wall time in the zone: "2026-12-01 15:00"')
    add.add_argument("--tz", help="an IANA time zone (default NOVA_TIMEZONE)")
    add.add_argument("--target", required=True, help="platform:CHANNEL[:THREAD] (slack:C123)")
    what = add.add_mutually_exclusive_group(required=True)
    what.add_argument("--digest", action="store_true", help="a digest of the target channel")
    what.add_argument("--agent", help="an agent job: this agent answers --prompt")
    what.add_argument("--reminder", help="a reminder: this text")
    add.add_argument("--prompt", help="what the agent job asks (with --agent)")
    add.add_argument("--project", help="the project the digest covers")
    add.add_argument("--post-quiet", action="store_true", help="post a digest even if quiet")
    add.add_argument("--max-tokens", type=int, help="a run's token cap")
    add.set_defaults(run=one_line(run_add))


def plan_of(args: argparse.Namespace, planner: Planner, target: ConversationKey) -> Plan:
    if args.prompt is not None and args.agent is None:
        raise UsageError("--prompt goes with --agent (a reminder's text follows --reminder)")
    if args.post_quiet and not args.digest:
        raise UsageError("--post-quiet is for digests (--digest)")
    kind = next(k for k in ("cron", "every", "at") if getattr(args, k) is not None)
    what = "digest" if args.digest else "agent" if args.agent is not None else "reminder"
    return Plan(
        trigger=planner.spec(kind, getattr(args, kind), args.tz),
        target=target,
        kind=what,
        owner=f"cli:{cli_user()}",
        agent=args.agent,
        prompt=args.prompt if what == "agent" else args.reminder,
        project=args.project,
        max_tokens=args.max_tokens,
        post_quiet=args.post_quiet,
    )


async def run_add(settings: Settings, args: argparse.Namespace) -> int:
    target = parse_target(args.target)
    async with started_app(settings) as app:
        planner = Planner(
            app.store,
            lambda: [card.name for card in app.registry.routable_cards],
            timezone=settings.timezone,
            min_every_s=settings.schedule.min_every_s,
        )
        plan = plan_of(args, planner, target)
        await planner.check(plan)  # everything Nova knows, before asking the platform
        unchecked = await check_target(settings, target)
        new_id, _ = await planner.create(plan)
        row = await app.store.schedule(new_id)
    assert row is not None
    if unchecked is not None:
        print(f"nova: warning: {unchecked.warning(target)}", file=sys.stderr)
    print(f"added schedule #{row.id}: {describe(as_plan(row))}")
    print("\n".join(next_lines(row)))
    return 0


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        rows = await store.schedules()
    if not rows:
        print('no schedules yet: nova schedule add --every 1d --target slack:C123 --reminder "…"')
        return 0
    for row in rows:
        print(f"#{row.id} {describe(as_plan(row))}; {next_words(row)}")
    return 0


async def run_show(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        row = await require_schedule(store, args.id, removed_too=True)
        runs = await store.schedule_history(row.id, limit=SHOWN_RUNS)
        links = await run_lines(store, PostLinks(settings), row, runs)
    quiet = ("yes" if row.post_quiet else "no") if row.kind == "digest" else None
    cap = row.max_tokens or f"NOVA_SCHEDULE_MAX_TOKENS ({settings.schedule.max_tokens})"
    fields = [
        ("kind", row.kind),
        ("trigger", f"{row.trigger_kind} {row.expression}"),
        ("time zone", row.tz),
        ("target", target_text(row.key)),
        ("agent", row.agent),
        ("prompt" if row.kind == "agent" else "text", row.prompt),
        ("project", row.project),
        ("posted when quiet", quiet),
        ("token cap", cap),
        ("owner", row.owner),
        ("state", state_of(row)),
        ("created", stamp(row.created_at, row.tz)),
        ("updated", stamp(row.updated_at, row.tz)),
    ]
    lines = [f"schedule #{row.id}: {describe(as_plan(row))}"]
    lines += [f"  {name}: {value}" for name, value in fields if value is not None]
    lines += next_lines(row) if row.live else [f"next: none ({state_of(row)})"]
    lines += ["last runs:", *(f"  {line}" for line in links)] if links else ["no runs yet"]
    print("\n".join(lines))
    return 0


async def run_pause(settings: Settings, args: argparse.Namespace) -> int:
    return await _set_paused(settings, args.id, paused=True)


async def run_resume(settings: Settings, args: argparse.Namespace) -> int:
    return await _set_paused(settings, args.id, paused=False)


async def _set_paused(settings: Settings, wanted: int, *, paused: bool) -> int:
    async with await Store.open(settings.db_path) as store:
        row = await require_schedule(store, wanted)
        changed = await store.set_paused(row.id, paused)
    verb = "paused" if paused else "resumed"
    if not changed:
        print(f"schedule #{row.id} was {'already paused' if paused else 'not paused'}")
        return 0
    print(f"{verb} schedule #{row.id}: {describe(as_plan(row))}")
    return 0


async def run_remove(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        row = await require_schedule(store, args.id)
        if not await store.remove_schedule(row.id):
            raise UsageError(f"schedule #{row.id} is already removed")
    print(f"removed schedule #{row.id}: {describe(as_plan(row))} (it will not fire again)")
    return 0


async def run_now(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        row = await require_schedule(store, args.id)
        if row.paused:
            raise UsageError(f"schedule #{row.id} is paused: nova schedule resume {row.id} first")
        if not row.live:
            raise UsageError(f"schedule #{row.id} is {state_of(row)}")
        slot = await store.request_run(row.id, utc_now())
    print(
        f"schedule #{row.id} will run as the slot {stamp(slot, row.tz)}: a running `nova run` "
        f"takes it within {settings.schedule.sync_s:g} s (NOVA_SCHEDULE_SYNC_S)"
    )
    return 0


async def run_history(settings: Settings, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be a positive number")
    async with await Store.open(settings.db_path) as store:
        row = await require_schedule(store, args.id, removed_too=True)
        runs = await store.schedule_history(row.id, limit=args.limit)
        lines = await run_lines(store, PostLinks(settings), row, runs)
    print("\n".join(lines) if lines else f"schedule #{row.id} has not run yet")
    return 0


async def require_schedule(store: Store, wanted: int, *, removed_too: bool = False) -> ScheduleRow:
    row = await store.schedule(wanted)
    if row is None:
        raise UsageError(f"there is no schedule #{wanted} (see nova schedule list)")
    if row.removed and not removed_too:
        raise UsageError(f"schedule #{wanted} is already removed")
    return row


async def run_lines(
    store: Store, links: PostLinks, row: ScheduleRow, runs: list[ScheduleRun]
) -> list[str]:
    """One line a run: its slot in the schedule's zone, status, tokens, and the post."""
    lines = []
    for run in runs:
        parts = [stamp(run.slot, row.tz), run.status + (" (by hand)" if run.manual else "")]
        parts.append(f"{run.tokens} tokens")
        if run.post_ref is not None:
            posted = await store.posted_message(run.post_ref)
            parts.append(await links.link(*posted) if posted else "post not sent yet")
        if run.error:
            parts.append(run.error)
        lines.append("  ".join(parts))
    return lines


def next_lines(row: ScheduleRow) -> list[str]:
    times = fire_times(trigger_of(row), utc_now())
    if not times:
        return ["it will not fire again"]
    return [f"next fire times ({row.tz}):", *(f"  {stamp(t, row.tz)}" for t in times)]


def next_words(row: ScheduleRow) -> str:
    if not row.live:
        return state_of(row)
    times = fire_times(trigger_of(row), utc_now(), count=1)
    return f"next {stamp(times[0], row.tz)}" if times else "will not fire again"


def state_of(row: ScheduleRow) -> str:
    if row.removed:
        return "removed"
    if row.proposed:
        return "awaiting confirmation"
    return "paused" if row.paused else "live"


def stamp(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).strftime(TIME_FORMAT)
