"""Schedules in chat: `/nova schedule …` (the command line's verbs and flags, the target
this channel unless `--target` says otherwise), `/nova digest …` (the short form), and
the `scheduler` agent, whose tools propose a schedule with Confirm / Cancel buttons and
make it only on Confirm. Who may do what is in novabot/schedules/chat.py.

No tool works outside a user's turn: an agent run by a schedule has none, so a scheduled
job never makes or changes schedules (and cannot multiply itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from novabot.agents.agent import Agent
from novabot.agents.cards import ScopeCard
from novabot.agents.tools import Tool, ToolFunc
from novabot.agents.turn import Turn, current_turn
from novabot.commands.command import Command, CommandContext, CommandError
from novabot.core.access import AccessPolicy
from novabot.llm.client import ChatMessage
from novabot.schedules.chat import Caller, Schedules, channel_of
from novabot.schedules.flags import DIGEST_USAGE, parse_add, words_of
from novabot.schedules.plans import SCHEDULER_AGENT, Plan, Planner
from novabot.schedules.triggers import ScheduleError

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup

NO_JOB = "error: scheduled jobs cannot create or change schedules"
VERBS = ("add", "list", "show", "pause", "resume", "remove", "run", "history", "confirm", "cancel")
USAGE = "add … | list [--all] | show|pause|resume|remove|run|history|confirm|cancel ID"
DIGEST_VERBS = ("daily", "weekly", "now", "off")


def parse_id(text: str, usage: str) -> int:
    word = text.strip().lstrip("#")
    if not word.isdigit():
        raise CommandError(f"usage: {usage}")
    return int(word)


def caller_of(ctx: CommandContext) -> Caller:
    return Caller(ctx.key, ctx.user_id, ctx.is_admin)


async def schedule_command(s: Schedules, ctx: CommandContext, args: str) -> str:
    verb, _, rest = args.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb not in VERBS:
        raise CommandError(f"usage: schedule {USAGE}")
    caller = caller_of(ctx)
    if verb == "add":
        try:
            plan = parse_add(rest, s.planner, here=ctx.key, owner=caller.owner)
        except ScheduleError as exc:
            raise CommandError(str(exc)) from None
        return await s.create(caller, plan)
    if verb == "list":
        if rest not in ("", "--all"):
            raise CommandError("usage: schedule list [--all]")
        return await s.listing(caller, every_channel=rest == "--all")
    schedule_id = parse_id(rest, f"schedule {verb} ID")
    if verb == "show":
        return await s.show(caller, schedule_id)
    if verb == "history":
        return await s.history(caller, schedule_id)
    if verb in ("confirm", "cancel"):
        return await s.decide(caller, schedule_id, confirm=verb == "confirm")
    return await s.change(caller, verb, schedule_id)


async def digest_command(s: Schedules, ctx: CommandContext, args: str) -> str:
    try:
        words = words_of(args)
    except ScheduleError as exc:
        raise CommandError(str(exc)) from None
    if words and words[0].lower() not in DIGEST_VERBS:
        raise CommandError(f"usage: {DIGEST_USAGE}")
    return await s.digest(caller_of(ctx), words)


When = Annotated[
    str,
    Field(description="cron: 5 fields (`0 9 * * MON`); every: a number and s, m, h or d "
          "(`30m`); at: a wall time `YYYY-MM-DD HH:MM` in the time zone (resolve 'tomorrow "
          "at 3' with the current date and time given in your instructions)"),
]  # fmt: skip
What = Annotated[
    Literal["digest", "reminder", "agent"],
    Field(description="digest: this channel's digest; reminder: post `text` at the time; "
          "agent: ask `agent` to answer `text` at the time"),
]  # fmt: skip
ScheduleId = Annotated[int, Field(description="The schedule's id, as list_schedules shows it")]


def tools(s: Schedules) -> list[ToolFunc]:
    """The scheduler agent's tools, as closures over the cog (tools are plain functions)."""

    async def propose_schedule(
        trigger: Annotated[Literal["cron", "every", "at"], Field(description="How it fires")],
        when: When,
        what: What,
        text: Annotated[str, Field(description="The reminder's text, or the agent's prompt")] = "",
        agent: Annotated[str, Field(description="For agent jobs: the agent's name")] = "",
        timezone: Annotated[str, Field(description="An IANA zone; empty: Nova's")] = "",
        project: Annotated[str, Field(description="For digests: a project's name")] = "",
    ) -> str:
        """Propose a schedule posting in this conversation: the user sees it in words with
        Confirm / Cancel buttons, and it is made only when confirmed."""
        turn = current_turn.get()
        if turn is None:
            return NO_JOB
        key = turn.message.key
        plan = Plan(
            trigger=s.planner.spec(trigger, when, timezone or None),
            target=channel_of(key) if what == "digest" else key,
            kind=what, owner=s.caller_of(turn).owner, agent=agent or None,
            prompt=text or None, project=project or None,
        )  # fmt: skip
        return await s.propose(turn, plan)

    async def list_schedules() -> str:
        """The schedules that post in this channel: digests, reminders, agent jobs."""
        turn = current_turn.get()
        if turn is None:
            return NO_JOB
        return await s.listing(s.caller_of(turn), every_channel=False)

    async def changed(verb: str, schedule_id: int) -> str:
        turn = current_turn.get()
        if turn is None:
            return NO_JOB
        try:
            return await s.change(s.caller_of(turn), verb, schedule_id)
        except CommandError as exc:
            return f"error: {exc}"

    async def pause_schedule(schedule_id: ScheduleId) -> str:
        """Pause a schedule of this channel (it keeps its settings until resumed)."""
        return await changed("pause", schedule_id)

    async def resume_schedule(schedule_id: ScheduleId) -> str:
        """Resume a paused schedule of this channel."""
        return await changed("resume", schedule_id)

    async def remove_schedule(schedule_id: ScheduleId) -> str:
        """Remove a schedule of this channel for good (stop a digest, drop a reminder)."""
        return await changed("remove", schedule_id)

    return [propose_schedule, list_schedules, pause_schedule, resume_schedule, remove_schedule]


class SchedulerAgent(Agent):
    """The scheduler, told the date and time at each turn, so that "tomorrow at 3"
    becomes an absolute time the tools can check."""

    def __init__(
        self, card: ScopeCard, tools: Sequence[Tool], peers: Sequence[ScopeCard],
        *, schedules: Schedules,
    ) -> None:  # fmt: skip
        super().__init__(card, tools, peers)
        self.schedules = schedules

    async def messages_for(self, turn: Turn) -> list[ChatMessage]:
        messages = await super().messages_for(turn)
        now = f"Now: {self.schedules.now_words()}."
        messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{now}"}
        return messages


async def setup(nova: CogSetup) -> None:
    registry = nova.registry
    planner = Planner(
        nova.store,
        lambda: [card.name for card in registry.routable_cards],  # read at use: cards come later
        timezone=nova.settings.timezone,
        min_every_s=nova.settings.schedule.min_every_s,
    )
    s = Schedules(nova.store, AccessPolicy.from_settings(nova.settings), planner)
    for tool in tools(s):
        nova.add_tool(tool)
    registry.agent_factories[SCHEDULER_AGENT] = partial(SchedulerAgent, schedules=s)
    nova.add_command(
        Command("schedule", "digests, reminders and agent jobs that post in this channel",
                partial(schedule_command, s), USAGE)
    )  # fmt: skip
    nova.add_command(
        Command("digest", "this channel's digest: show it, set it daily or weekly, run it now, off",
                partial(digest_command, s), DIGEST_USAGE.removeprefix("digest "))
    )  # fmt: skip
