"""A schedule before it is stored: what it fires on, where it posts, what it posts; checked
once (trigger, zone, agent, project) so that what is stored always runs, and described in
words the same way by the command line, `/nova schedule` and the scheduler agent."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.triggers.base import BaseTrigger

from novabot.core.access import OWNER_PLATFORM
from novabot.core.message import ConversationKey
from novabot.schedules.triggers import MIN_EVERY_S, ScheduleError, TriggerSpec, build, fire_times
from novabot.store.projects import Project
from novabot.store.schedules import ScheduleRow

SCHEDULE_KINDS = ("digest", "agent", "reminder")
SCHEDULER_AGENT = "scheduler"
"""The agent that makes schedules: a scheduled job may not run it (no schedule makes
schedules, so a job can never multiply itself)."""
PLATFORMS = ("slack", "discord")
"""Where `nova run` can post (the terminal is only there while someone types in it)."""
PROMPT_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Plan:
    trigger: TriggerSpec
    target: ConversationKey
    kind: str
    owner: str
    """Who asks for it: `slack:U123`, `cli:alice`."""
    agent: str | None = None
    prompt: str | None = None
    """The agent job's prompt, or the reminder's text."""
    project: str | None = None
    max_tokens: int | None = None
    post_quiet: bool = False


def parse_target(text: str) -> ConversationKey:
    """`slack:C123` or `slack:C123:1700000000.0001` (a thread) → a conversation key."""
    platform, _, rest = text.strip().partition(":")
    channel, _, thread = rest.partition(":")
    if platform not in PLATFORMS or not channel.strip():
        raise ScheduleError(
            f"'{text[:60]}' is not a target: platform:CHANNEL[:THREAD] (slack:C123, discord:42)"
        )
    return ConversationKey(platform, channel.strip(), thread.strip() or None)


def target_text(key: ConversationKey) -> str:
    thread = f":{key.thread_id}" if key.thread_id else ""
    return f"{key.platform}:{key.channel_id}{thread}"


class ProjectLookup(Protocol):
    async def require_project(self, name: str) -> Project: ...


class ScheduleWriter(ProjectLookup, Protocol):
    async def add_schedule(
        self, *, trigger_kind: str, expression: str, tz: str, platform: str, channel_id: str,
        thread_id: str | None, kind: str, owner: str, agent: str | None = None,
        prompt: str | None = None, project: str | None = None, max_tokens: int | None = None,
        post_quiet: bool = False, proposed: bool = False,
    ) -> int: ...  # fmt: skip


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Planner:
    """Checks plans against the agents Nova has (`agents()`: the names a job may run, read
    at use, since cogs are built before the cards) and the projects it knows; stores them."""

    def __init__(
        self,
        store: ScheduleWriter,
        agents: Callable[[], Collection[str]],
        *,
        timezone: str = "UTC",
        min_every_s: float = MIN_EVERY_S,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.agents = agents
        self.timezone = timezone
        self.min_every_s = min_every_s
        self.clock = clock

    def spec(self, kind: str, expression: str, tz: str | None = None) -> TriggerSpec:
        """A trigger in `tz`, else Nova's time zone (NOVA_TIMEZONE)."""
        return TriggerSpec(kind, expression.strip(), (tz or self.timezone).strip())

    async def check(self, plan: Plan) -> list[datetime]:
        """Raise ScheduleError (one line) for anything that would not run; else the next
        three fire times."""
        now = self.clock()
        trigger = build(plan.trigger, now=now, min_every_s=self.min_every_s)
        self._check_what(plan)
        if plan.project is not None:
            try:
                await self.store.require_project(plan.project)
            except Exception as exc:  # the store's own one-line error
                raise ScheduleError(str(exc)) from None
        return fire_times(trigger, now)

    async def create(self, plan: Plan, *, proposed: bool = False) -> tuple[int, list[datetime]]:
        """Check and store `plan`; its id and next fire times. A proposal is stored but
        does not fire until confirmed."""
        times = await self.check(plan)
        schedule_id = await self.store.add_schedule(
            trigger_kind=plan.trigger.kind, expression=plan.trigger.expression,
            tz=plan.trigger.tz, platform=plan.target.platform, channel_id=plan.target.channel_id,
            thread_id=plan.target.thread_id, kind=plan.kind, owner=plan.owner, agent=plan.agent,
            prompt=plan.prompt, project=plan.project, max_tokens=plan.max_tokens,
            post_quiet=plan.post_quiet, proposed=proposed,
        )  # fmt: skip
        return schedule_id, times

    def _check_what(self, plan: Plan) -> None:
        if plan.target.platform == OWNER_PLATFORM:
            raise ScheduleError(
                "a schedule posts in Slack or Discord: give --target slack:CHANNEL or "
                "discord:CHANNEL"
            )
        if plan.kind not in SCHEDULE_KINDS:
            raise ScheduleError(f"a schedule posts one of {', '.join(SCHEDULE_KINDS)}")
        if plan.max_tokens is not None and plan.max_tokens < 1:
            raise ScheduleError("the token cap must be a positive number")
        if plan.kind in ("agent", "reminder") and not (plan.prompt or "").strip():
            what = "a prompt" if plan.kind == "agent" else "the reminder's text"
            raise ScheduleError(f"a{'n' if plan.kind == 'agent' else ''} {plan.kind} needs {what}")
        if len(plan.prompt or "") > PROMPT_LIMIT:
            raise ScheduleError(f"the text is too long: at most {PROMPT_LIMIT} characters")
        if plan.kind != "agent":
            return
        if plan.agent == SCHEDULER_AGENT:
            raise ScheduleError("a scheduled job cannot run the scheduler: no job makes schedules")
        agents = self.agents()
        if plan.agent not in agents:
            known = ", ".join(sorted(agents))
            raise ScheduleError(f"there is no agent named '{(plan.agent or '')[:40]}' ({known})")


def trigger_of(row: ScheduleRow) -> BaseTrigger:
    """The trigger of a stored schedule, as every process builds it: an interval counts
    from the schedule's creation, so two processes agree on its slots."""
    spec = TriggerSpec(row.trigger_kind, row.expression, row.tz)
    # Checked when stored: a one-shot already past simply fires no more.
    return build(spec, now=datetime.min.replace(tzinfo=UTC), start=row.created_at, min_every_s=0)


def as_plan(row: ScheduleRow) -> Plan:
    return Plan(
        trigger=TriggerSpec(row.trigger_kind, row.expression, row.tz),
        target=row.key, kind=row.kind, owner=row.owner, agent=row.agent, prompt=row.prompt,
        project=row.project, max_tokens=row.max_tokens, post_quiet=row.post_quiet,
    )  # fmt: skip


def with_target(plan: Plan, target: ConversationKey) -> Plan:
    return replace(plan, target=target)


def trigger_words(spec: TriggerSpec) -> str:
    if spec.kind == "every":
        return f"every {spec.expression}"
    if spec.kind == "at":
        return f"once at {spec.expression} ({spec.tz})"
    return f"cron `{spec.expression}` ({spec.tz})"


def what_words(plan: Plan) -> str:
    if plan.kind == "digest":
        scope = f" of project {plan.project}" if plan.project else ""
        return f"a digest{scope}" + (" (posted even when quiet)" if plan.post_quiet else "")
    if plan.kind == "reminder":
        return f'the reminder "{_short(plan.prompt)}"'
    return f'@{plan.agent} answering "{_short(plan.prompt)}"'


def describe(plan: Plan) -> str:
    """One line: what, when, where (`a digest, every 30m, in slack:C1`)."""
    cap = f", at most {plan.max_tokens} tokens" if plan.max_tokens else ""
    where = target_text(plan.target)
    return f"{what_words(plan)}, {trigger_words(plan.trigger)}, in {where}{cap}"


def times_words(times: Collection[datetime]) -> str:
    if not times:
        return "it will not fire again"
    return ", ".join(moment.strftime("%a %Y-%m-%d %H:%M:%S %Z") for moment in times)


def _short(text: str | None, limit: int = 60) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
