"""Schedules as people change them in chat (`/nova schedule`, `/nova digest`, the scheduler
agent's tools): who may do what, and the one-line replies.

Anyone sees the schedules that post in their channel; admins make, pause and remove
digests and agent jobs, and may list every channel's; anyone makes, pauses and removes
their own reminders. A schedule of another channel is "not found here", in the same words
as a missing one. A proposal's pending state is its row in SQLite, so Confirm works after
a restart and a second click finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from novabot.agents.turn import Turn
from novabot.commands.command import CommandError
from novabot.core.access import AccessPolicy
from novabot.core.message import ConversationKey
from novabot.core.responder import Choice
from novabot.schedules.flags import digest_cron
from novabot.schedules.plans import Plan, Planner, as_plan, describe, times_words, trigger_of
from novabot.schedules.triggers import ScheduleError, fire_times
from novabot.store.schedules import ScheduleRow

if TYPE_CHECKING:
    from novabot.store import Store

DIGEST_HINT = "`/nova digest daily 09:00`"
LIST_LIMIT = 30
KIND_WORDS = {"digest": "a digest", "agent": "an agent job", "reminder": "a reminder"}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts, and where: from a command's context or the turn a tool runs in."""

    key: ConversationKey
    user_id: str
    admin: bool

    @property
    def owner(self) -> str:
        return f"{self.key.platform}:{self.user_id}"

    def owns(self, row: ScheduleRow) -> bool:
        return row.owner == self.owner

    def reaches(self, row: ScheduleRow) -> bool:
        """Admins reach every channel's schedules; others only this channel's."""
        return self.admin or channel_of(row.key) == channel_of(self.key)


def channel_of(key: ConversationKey) -> ConversationKey:
    """The channel of a conversation (a digest is a channel's, never a thread's)."""
    return ConversationKey(key.platform, key.channel_id)


def not_here(schedule_id: int) -> CommandError:
    return CommandError(f"There is no schedule #{schedule_id} here.")


def decision_choices(schedule_id: int) -> list[Choice]:
    return [
        Choice("Confirm", "schedule", f"confirm {schedule_id}"),
        Choice("Cancel", "schedule", f"cancel {schedule_id}"),
    ]


class Schedules:
    """What the commands and tools do, over the store, the planner and the admin list."""

    def __init__(self, store: Store, access: AccessPolicy, planner: Planner) -> None:
        self.store = store
        self.access = access
        self.planner = planner

    def now_words(self) -> str:
        now = self.planner.clock().astimezone(ZoneInfo(self.planner.timezone))
        return f"{now:%A %Y-%m-%d %H:%M} in {self.planner.timezone} (Nova's time zone)"

    async def row_here(
        self, caller: Caller, schedule_id: int, *, proposals: bool = False
    ) -> ScheduleRow:
        row = await self.store.schedule(schedule_id)
        if row is None or row.removed or not caller.reaches(row):
            raise not_here(schedule_id)
        if row.proposed and not proposals:
            raise not_here(schedule_id)
        return row

    def admins_only(self, caller: Caller, what: str) -> None:
        """Refuse a non-admin `what` (`pause a digest`), naming how to set an admin if none is."""
        if caller.admin:
            return
        unset = "" if self.access.admins else (
            f", and none is set: whoever runs Nova can add NOVA_ADMINS={caller.owner} to its"
            " settings and restart it"
        )  # fmt: skip
        raise CommandError(f"Only a Nova admin can {what}{unset}.")

    def may_change(self, caller: Caller, row: ScheduleRow, verb: str) -> None:
        """Admins change any schedule; others only their own reminders."""
        if caller.admin:
            return
        if row.kind != "reminder":
            self.admins_only(caller, f"{verb} {KIND_WORDS[row.kind]} (#{row.id})")
        if not caller.owns(row):
            raise CommandError(f"#{row.id} is someone else's reminder: only they or an admin "
                               f"can {verb} it.")  # fmt: skip

    def next_times(self, row: ScheduleRow) -> list[datetime]:
        return fire_times(trigger_of(row), self.planner.clock())

    def line(self, row: ScheduleRow, caller: Caller | None = None) -> str:
        state = " — paused" if row.paused else " — proposed" if row.proposed else ""
        mine = " (yours)" if caller is not None and caller.owns(row) else ""
        return f"#{row.id} {describe(as_plan(row))}{state}{mine}"

    async def create(self, caller: Caller, plan: Plan) -> str:
        if plan.kind != "reminder":
            self.admins_only(caller, f"schedule {KIND_WORDS[plan.kind]}")
        if not caller.admin and channel_of(plan.target) != channel_of(caller.key):
            raise CommandError("Reminders go to this channel (an admin can --target another).")
        try:
            schedule_id, times = await self.planner.create(plan)
        except ScheduleError as exc:
            raise CommandError(str(exc)) from None
        return f"Added #{schedule_id}: {describe(plan)}. Next: {times_words(times)}."

    async def change(self, caller: Caller, verb: str, schedule_id: int) -> str:
        """pause, resume, remove or run a schedule this caller may change."""
        row = await self.row_here(caller, schedule_id)
        self.may_change(caller, row, verb)
        if verb == "remove":
            await self.store.remove_schedule(row.id)
            return f"Removed {self.line(row)}: it will not fire again."
        if verb == "run":
            if row.paused:
                raise CommandError(f"#{row.id} is paused: `/nova schedule resume {row.id}` first.")
            slot = await self.store.request_run(row.id, self.planner.clock())
            return f"#{row.id} runs now (slot {slot:%H:%M:%S %Z}): {describe(as_plan(row))}."
        if not await self.store.set_paused(row.id, verb == "pause"):
            return f"#{row.id} is already {'paused' if verb == 'pause' else 'running'}."
        if verb == "pause":
            return f"Paused {self.line(row)}."
        return f"Resumed #{row.id}. Next: {times_words(self.next_times(row))}."

    async def decide(self, caller: Caller, schedule_id: int, confirm: bool) -> str:
        """Confirm (make live) or cancel a proposal, once; a repeat says it was done."""
        row = await self.store.schedule(schedule_id)
        if row is None or not caller.reaches(row):
            raise not_here(schedule_id)
        if row.removed or not row.proposed:
            raise await self.already(row.id)
        verb = "confirm" if confirm else "cancel"
        if not caller.owns(row):
            self.admins_only(caller, f"{verb} someone else's proposal (#{row.id})")
        if confirm and row.kind != "reminder":
            self.admins_only(caller, f"confirm {KIND_WORDS[row.kind]} (#{row.id})")
        if not confirm:
            if not await self.store.cancel_proposal(row.id):
                raise await self.already(row.id)
            return f"Cancelled #{row.id}: nothing was scheduled."
        try:  # checked again: a one-shot may have passed while the buttons waited
            times = await self.planner.check(as_plan(row))
        except ScheduleError as exc:
            raise CommandError(f"#{row.id} cannot start: {exc}") from None
        if not await self.store.confirm_schedule(row.id):
            raise await self.already(row.id)
        return f"Confirmed #{row.id}: {describe(as_plan(row))}. Next: {times_words(times)}."

    async def already(self, schedule_id: int) -> CommandError:
        """A decision someone else made first (another click, another process)."""
        row = await self.store.schedule(schedule_id)
        done = "confirmed" if row is not None and not row.proposed else "cancelled"
        return CommandError(f"#{schedule_id} was already {done}.")

    async def listing(self, caller: Caller, every_channel: bool) -> str:
        if every_channel:
            self.admins_only(caller, "list every channel's schedules")
        rows = await self.store.schedules(key=None if every_channel else channel_of(caller.key))
        if not rows:
            where = "anywhere" if every_channel else "in this channel"
            return f"No schedules post {where}. Add one: `/nova schedule add …` or {DIGEST_HINT}."
        lines = [self.line(row, caller) for row in rows[:LIST_LIMIT]]
        more = len(rows) - LIST_LIMIT
        return "\n".join(lines + ([f"… and {more} more"] if more > 0 else []))

    async def show(self, caller: Caller, schedule_id: int) -> str:
        row = await self.row_here(caller, schedule_id, proposals=True)
        lines = [self.line(row, caller), f"Owner: {row.owner}."]
        if row.live:
            lines.append(f"Next: {times_words(self.next_times(row))}.")
        return "\n".join(lines + await self.runs(row, limit=5))

    async def history(self, caller: Caller, schedule_id: int) -> str:
        row = await self.row_here(caller, schedule_id)
        return "\n".join(await self.runs(row, limit=LIST_LIMIT)) or f"#{row.id} has not run yet."

    async def runs(self, row: ScheduleRow, *, limit: int) -> list[str]:
        """Its newest runs: slot, status, tokens, and where the post went."""
        lines = []
        for run in await self.store.schedule_history(row.id, limit=limit):
            by_hand = " (asked by hand)" if run.manual else ""
            post = f", {run.post_ref}" if run.post_ref else ""
            lines.append(f"{run.slot:%Y-%m-%d %H:%M:%S %Z}{by_hand}: {run.status}, "
                         f"{run.tokens} tokens{post}")  # fmt: skip
        return lines

    # -- digest short forms -----------------------------------------------------------

    async def digests_here(self, key: ConversationKey) -> list[ScheduleRow]:
        rows = await self.store.schedules(key=channel_of(key))
        return [row for row in rows if row.kind == "digest"]

    async def digest(self, caller: Caller, words: list[str]) -> str:
        old = await self.digests_here(caller.key)
        verb = words[0].lower() if words else ""
        if not verb:
            if not old:
                return f"This channel has no digest. An admin can add one: {DIGEST_HINT}."
            return "\n".join(
                f"{self.line(row)}" + ("" if row.paused else f". Next: "
                                       f"{times_words(self.next_times(row)[:1])}")
                for row in old
            )  # fmt: skip
        self.admins_only(caller, f"use `digest {verb}`")
        if verb == "off":
            for row in old:
                await self.store.remove_schedule(row.id)
            gone = ", ".join(f"#{row.id}" for row in old)
            return f"Removed this channel's digest ({gone})." if old else "There was no digest."
        if verb == "now":
            return await self.digest_now(caller, old)
        try:
            cron = digest_cron([verb, *words[1:]])
        except ScheduleError as exc:
            raise CommandError(str(exc)) from None
        return await self.replace_digest(caller, cron, old)

    async def replace_digest(self, caller: Caller, cron: str, old: list[ScheduleRow]) -> str:
        """The new digest first, then the old ones go: a refused one leaves them be. What
        the old one posted (project, quiet periods, token cap) carries over."""
        base = old[0] if old else None
        plan = Plan(
            trigger=self.planner.spec("cron", cron), target=channel_of(caller.key),
            kind="digest", owner=caller.owner, project=base.project if base else None,
            max_tokens=base.max_tokens if base else None,
            post_quiet=base.post_quiet if base else False,
        )  # fmt: skip
        added = await self.create(caller, plan)
        for row in old:
            await self.store.remove_schedule(row.id)
        replaced = ", ".join(f"#{row.id}" for row in old)
        return added + (f" It replaces {replaced}." if old else "")

    async def digest_now(self, caller: Caller, old: list[ScheduleRow]) -> str:
        # No one-shot is made for a channel without a digest: a digest covers the time since
        # its schedule last posted, so a schedule of its own is what makes `now` meaningful.
        live = [row for row in old if row.live]
        if not live:
            paused = (
                f" (#{old[0].id} is paused: `/nova schedule resume {old[0].id}`)" if old else ""
            )
            raise CommandError(f"This channel has no digest to run{paused}; add one first: "
                               f"{DIGEST_HINT}, then `/nova digest now`.")  # fmt: skip
        return await self.change(caller, "run", live[0].id)

    # -- tools ------------------------------------------------------------------------

    def caller_of(self, turn: Turn) -> Caller:
        key, user = turn.message.key, turn.message.user_id
        return Caller(key, user, self.access.is_admin(key.platform, user))

    async def propose(self, turn: Turn, plan: Plan) -> str:
        """Store `plan` as a proposal and offer it with Confirm / Cancel. The same plan
        still waiting (a message answered again after a crash) is offered again, not
        doubled, so however many of its buttons are clicked it becomes one schedule."""
        waiting = [
            row.id for row in await self.store.proposals(plan.target) if as_plan(row) == plan
        ]
        try:
            if waiting:
                schedule_id, times = waiting[0], await self.planner.check(plan)
            else:
                schedule_id, times = await self.planner.create(plan, proposed=True)
        except ScheduleError as exc:
            return f"error: {exc} (now: {self.now_words()})"
        admin = plan.kind != "reminder" and not self.caller_of(turn).admin
        waits = " An admin confirms it." if admin else ""
        text = (f"Schedule {describe(plan)}?\nNext: {times_words(times)}.{waits}"
                f" Nothing is scheduled until it is confirmed.")  # fmt: skip
        await turn.responder.offer(text, decision_choices(schedule_id))
        return (f"proposed #{schedule_id}: {describe(plan)}; next: {times_words(times)}. "
                "The user was offered Confirm / Cancel buttons: nothing is scheduled until "
                f"someone confirms.{waits}")  # fmt: skip
