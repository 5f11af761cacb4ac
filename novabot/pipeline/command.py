"""`pipeline` as a chat command: start one in a thread, or list, show, cancel, retry.

A run belongs to the conversation it was started in: from there (for a command given at
channel level, from the channel or any of its threads) it can be listed and shown, and
its starter can cancel or retry it. Elsewhere it does not exist: asking for it answers
exactly as for a missing run, so nothing leaks. Admins reach every run with `--all`.
"""

from __future__ import annotations

from dataclasses import dataclass

from novabot.commands.command import Command, CommandContext, CommandError
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder
from novabot.pipeline.plan import PlanError
from novabot.pipeline.progress import render_details
from novabot.store import PipelineRunRecord, StepStatus

USAGE = (
    "usage: pipeline <task> · pipeline run <task> · pipeline list · "
    "pipeline show|cancel <id> · pipeline retry <id> [step] (admins: --all for every conversation)"
)
ALL = "--all"
ACTIONS = {"run", "list", "show", "cancel", "retry"}
"""First words that are never a task: `pipeline show abc` is a mistake, not a task."""
MAX_RUN_ID = 2**63 - 1
"""SQLite's largest integer: a bigger id cannot name a run."""
LIST_LIMIT = 10


@dataclass(frozen=True)
class Request:
    """A parsed `pipeline …` command: the action, its words, and whether `--all` was given;
    for `run`, the task as typed (line breaks and all)."""

    action: str
    words: list[str]
    everywhere: bool = False
    task: str = ""


async def pipeline_command(ctx: CommandContext, args: str) -> str:
    request = parse(args)
    if request.everywhere and not ctx.is_admin:
        raise CommandError(f"only a Nova admin can use {ALL}")
    try:
        if request.action == "run":
            return await start(ctx, request.task)
        if request.action == "list":
            if request.words:
                raise CommandError(f"usage: pipeline list [{ALL}]")
            return await list_runs(ctx, everywhere=request.everywhere)
        return await act_on_run(ctx, request)
    except PlanError as exc:
        raise CommandError(str(exc)) from None


def parse(args: str) -> Request:
    """`show 3 --all` → ("show", ["3"], True); a first word that is no action is a task."""
    words = args.split()
    if not words:
        raise CommandError(USAGE)
    action = words[0].lower()
    if action not in ACTIONS:
        return Request("run", words, task=args.strip())  # the documented `pipeline <task>`
    if action == "run":
        task = args.strip()[len(words[0]) :].strip()
        if not task:
            raise CommandError("usage: pipeline run <task>")
        return Request("run", words[1:], task=task)
    rest = [word for word in words[1:] if word != ALL]
    return Request(action, rest, everywhere=len(rest) < len(words) - 1)


async def start(ctx: CommandContext, task: str) -> str:
    if ctx.responder is None:
        raise CommandError('start pipelines in a chat, or run: nova pipeline run "TASK"')
    service = ctx.services.pipelines
    plan = await service.plan(task)
    run_id = await service.start(ctx.responder, plan, started_by=ctx.user_id)
    return f"Started pipeline #{run_id} ({len(plan.steps)} steps) in a thread of its own."


async def list_runs(ctx: CommandContext, *, everywhere: bool) -> str:
    store = ctx.services.store
    if everywhere:
        runs = await store.list_runs(limit=LIST_LIMIT)
    else:
        runs = await store.list_runs(limit=LIST_LIMIT, key=ctx.key, threads=True)
    if not runs:
        return "No pipelines here yet. Start one with: pipeline <task>"
    return "\n".join(
        f"#{run.id} {run.status}: {_done(run)}/{len(run.steps)} steps — {run.task[:70]}"
        + (f" ({run.key})" if everywhere else "")
        for run in runs
    )


def _done(run: PipelineRunRecord) -> int:
    return sum(step.status == StepStatus.DONE for step in run.steps)


async def act_on_run(ctx: CommandContext, request: Request) -> str:
    action, words = request.action, request.words
    most = 2 if action == "retry" else 1
    syntax = "retry <id> [step]" if action == "retry" else f"{action} <id>"
    if not 1 <= len(words) <= most:
        raise CommandError(f"usage: pipeline {syntax}")
    run = await find_run(ctx, run_number(words[0], syntax), everywhere=request.everywhere)
    if action == "show":
        return render_details(run)
    if not (ctx.is_admin or (run.started_by is not None and run.started_by == ctx.user_id)):
        raise CommandError(f"only whoever started pipeline #{run.id} (or an admin) can {action} it")
    if action == "cancel":
        return await cancel(ctx, run)
    return await retry(ctx, run, words[1] if len(words) > 1 else None)


def run_number(text: str, syntax: str) -> int:
    """A run id as typed: digits only, and within what SQLite can store."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_RUN_ID:
        raise CommandError(f"usage: pipeline {syntax} — '{text[:20]}' is not a pipeline number")
    return int(text)


async def find_run(ctx: CommandContext, run_id: int, *, everywhere: bool) -> PipelineRunRecord:
    """The run, if the caller may see it from here; otherwise as if it did not exist."""
    run = await ctx.services.store.get_run(run_id)
    if everywhere:
        if run is None:
            raise CommandError(f"there is no pipeline run {run_id}")
        return run
    if run is None or not belongs_here(run.key, ctx.key):
        raise CommandError(f"there is no pipeline run {run_id} here")
    return run


def belongs_here(run: ConversationKey, here: ConversationKey) -> bool:
    """Whether a run of conversation `run` is seen from `here`: the same conversation, or,
    from a channel (a command given at channel level), any thread of that channel."""
    if (run.platform, run.channel_id) != (here.platform, here.channel_id):
        return False
    return not here.thread_id or (run.thread_id or None) == here.thread_id


async def cancel(ctx: CommandContext, run: PipelineRunRecord) -> str:
    stopped = await ctx.services.pipelines.executor.cancel(run.id)
    return f"Pipeline #{run.id} cancelled." if stopped else f"Pipeline #{run.id} had already ended."


async def retry(ctx: CommandContext, run: PipelineRunRecord, step: str | None) -> str:
    service = ctx.services.pipelines
    again = await service.executor.retry(run.id, step)
    if not again:
        return f"Pipeline #{run.id} has nothing to retry."
    if ctx.responder is not None:
        here = belongs_here(run.key, ctx.key)
        # An admin's retry of another conversation's run must not show its results to
        # whoever is in this one: progress and answer go to the admin alone.
        shown = ctx.responder if here else Privately(ctx.responder, ctx.user_id)
        service.follow(run.id, shown)
    return f"Retrying {', '.join(again)} of pipeline #{run.id}."


class Privately(Responder):
    """Everything said through it goes to one user only (`whisper` on the origin)."""

    def __init__(self, origin: Responder, user_id: str) -> None:
        self.origin = origin
        self.user_id = user_id
        self.key = origin.key

    async def say(self, text: str, *, agent: str | None = None) -> None:
        await self.origin.whisper(self.user_id, text)

    async def whisper(self, user_id: str, text: str) -> None:
        await self.origin.whisper(user_id, text)


PIPELINE_COMMAND = Command(
    "pipeline", "split a task across agents in a thread (or list/show/cancel/retry)",
    pipeline_command, "<task>",
)  # fmt: skip
