"""`schedule add` flags read from one line of text, as typed in chat
(`--cron "0 9 * * MON" --digest`): the same flags as the command line, each mistake
said in one line (ScheduleError), never an exit or a usage dump."""

from __future__ import annotations

import argparse
import re
import shlex
from typing import NoReturn

from novabot.core.message import ConversationKey
from novabot.schedules.plans import Plan, Planner, parse_target
from novabot.schedules.triggers import ScheduleError

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
"""Chat clients turn typed quotes into these (Slack does by default)."""

ADD_USAGE = (
    'schedule add (--cron "0 9 * * MON" | --every 30m | --at "2026-12-01 15:00") [--tz ZONE]'
    " [--target platform:CHANNEL[:THREAD]] (--digest [--project P] [--post-quiet]"
    " | --agent NAME --prompt TEXT | --reminder TEXT) [--max-tokens N]"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ScheduleError(message)


def words_of(text: str) -> list[str]:
    """Split as a shell would; an unclosed quote is a one-line error."""
    try:
        return shlex.split(text.translate(_SMART_QUOTES))
    except ValueError as exc:
        raise ScheduleError(f"cannot read the flags: {str(exc).lower()}") from None


def _add_parser() -> _Parser:
    parser = _Parser(prog="schedule add", add_help=False, exit_on_error=False, allow_abbrev=False)
    # Words up to the next flag belong to it, quoted or not: chat users skip quotes
    # (`--cron 0 9 * * MON`, `--at 2026-12-01 15:00`, `--reminder call the supplier`).
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", nargs="+")
    when.add_argument("--every")
    when.add_argument("--at", nargs="+")
    parser.add_argument("--tz")
    parser.add_argument("--target")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--digest", action="store_true")
    what.add_argument("--agent")
    what.add_argument("--reminder", nargs="+")
    parser.add_argument("--project")
    parser.add_argument("--post-quiet", action="store_true")
    parser.add_argument("--prompt", nargs="+")
    parser.add_argument("--max-tokens", type=int)
    return parser


def parse_add(text: str, planner: Planner, *, here: ConversationKey, owner: str) -> Plan:
    """The plan `schedule add` flags describe; the target defaults to `here`. Unchecked:
    `Planner.check` / `create` say whether it would run."""
    words = words_of(text)
    if not words:
        raise ScheduleError(f"usage: {ADD_USAGE}")
    try:
        flags = _add_parser().parse_args(words)
    except argparse.ArgumentError as exc:
        raise ScheduleError(str(exc)) from None
    kind, expression = next(
        (name, _joined(value))
        for name, value in (("cron", flags.cron), ("every", flags.every), ("at", flags.at))
        if value is not None
    )
    if not flags.digest and (flags.project or flags.post_quiet):
        raise ScheduleError("--project and --post-quiet go with --digest")
    if (flags.agent is None) != (flags.prompt is None):
        raise ScheduleError("--agent NAME and --prompt TEXT go together")
    what = "digest" if flags.digest else "agent" if flags.agent else "reminder"
    return Plan(
        trigger=planner.spec(kind, expression, flags.tz),
        target=parse_target(flags.target) if flags.target else here,
        kind=what, owner=owner, agent=flags.agent,
        prompt=_joined(flags.reminder if what == "reminder" else flags.prompt) or None,
        project=flags.project, max_tokens=flags.max_tokens, post_quiet=flags.post_quiet,
    )  # fmt: skip


def _joined(value: str | list[str] | None) -> str:
    return " ".join(value) if isinstance(value, list) else value or ""


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DIGEST_USAGE = "digest [daily HH:MM | weekly DAY HH:MM | now | off]"


def digest_cron(words: list[str]) -> str:
    """`daily 09:00` → `0 9 * * *`; `weekly monday 9:30` → `30 9 * * mon`."""
    if len(words) == 2 and words[0] == "daily":
        hour, minute = _clock(words[1])
        return f"{minute} {hour} * * *"
    if len(words) == 3 and words[0] == "weekly":
        day = words[1].lower()
        if not any(day in (name, name[:3]) for name in DAYS):
            raise ScheduleError(f"'{words[1][:20]}' is not a day (mon, tue … sun)")
        hour, minute = _clock(words[2])
        return f"{minute} {hour} * * {day[:3]}"
    raise ScheduleError(f"usage: {DIGEST_USAGE}")


def _clock(text: str) -> tuple[int, int]:
    found = _CLOCK.match(text.strip())
    if found is None:
        raise ScheduleError(f"'{text[:20]}' is not a time of day (HH:MM, 24-hour: 09:00)")
    return int(found.group(1)), int(found.group(2))
