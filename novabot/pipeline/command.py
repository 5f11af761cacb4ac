"""`pipeline` as a chat command: start one in a thread, or list, show, cancel, retry."""

from __future__ import annotations

from novabot.commands.command import Command, CommandContext, CommandError
from novabot.pipeline.plan import PlanError
from novabot.pipeline.progress import render_details
from novabot.store import PipelineRunRecord, StepStatus

USAGE = (
    "usage: pipeline <task> · pipeline list · pipeline show|cancel <id> · "
    "pipeline retry <id> [step]"
)


async def pipeline_command(ctx: CommandContext, args: str) -> str:
    action, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if not action:
        raise CommandError(USAGE)
    try:
        if action == "list" and not rest:
            return await list_runs(ctx)
        if action in {"show", "cancel", "retry"} and rest[:1].isdigit():
            return await act_on_run(ctx, action, rest)
        return await start(ctx, args.strip())
    except PlanError as exc:
        raise CommandError(str(exc)) from None


async def start(ctx: CommandContext, task: str) -> str:
    if ctx.responder is None:
        raise CommandError('start pipelines in a chat, or run: nova pipeline run "TASK"')
    service = ctx.services.pipelines
    plan = await service.plan(task)
    run_id = await service.start(ctx.responder, plan)
    return f"Started pipeline #{run_id} ({len(plan.steps)} steps) in a thread of its own."


async def list_runs(ctx: CommandContext) -> str:
    runs = await ctx.services.store.list_runs(limit=10)
    if not runs:
        return "No pipelines yet. Start one with: pipeline <task>"
    return "\n".join(
        f"#{run.id} {run.status}: {_done(run)}/{len(run.steps)} steps — {run.task[:70]}"
        for run in runs
    )


def _done(run: PipelineRunRecord) -> int:
    return sum(step.status == StepStatus.DONE for step in run.steps)


async def act_on_run(ctx: CommandContext, action: str, rest: str) -> str:
    run_text, _, step = rest.partition(" ")
    run_id = int(run_text)
    executor = ctx.services.pipelines.executor
    if action == "show":
        return render_details(await executor.load(run_id))
    if action == "cancel":
        stopped = await executor.cancel(run_id)
        return (
            f"Pipeline #{run_id} cancelled."
            if stopped
            else f"Pipeline #{run_id} had already ended."
        )
    again = await executor.retry(run_id, step.strip() or None)
    if not again:
        return f"Pipeline #{run_id} has nothing to retry."
    record = await executor.load(run_id)
    if ctx.responder is not None:
        ctx.services.pipelines.follow(run_id, ctx.responder)
    return f"Retrying {', '.join(again)} of pipeline #{record.id}."


PIPELINE_COMMAND = Command(
    "pipeline", "split a task across agents in a thread (or list/show/cancel/retry)",
    pipeline_command, "<task>",
)  # fmt: skip
