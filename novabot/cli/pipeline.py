"""`nova pipeline …`: run, resume, list, show, cancel and retry pipelines in the terminal.

The terminal is the machine owner's: it sees and controls every run, wherever it started.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from novabot.adapters.terminal import cli_key, cli_user
from novabot.agents.cards import shipped_cards_dir
from novabot.cli.runtime import App, UsageError, require_llm, started_app
from novabot.config import Settings
from novabot.llm.metering import charged_to
from novabot.pipeline.command import MAX_RUN_ID
from novabot.pipeline.executor import Executor
from novabot.pipeline.plan import Plan, PlanError, load_plan_file, load_template, validate_plan
from novabot.pipeline.progress import ChangePrinter, render_details
from novabot.store import PipelineRunRecord, RunStatus, StepStatus

EXIT_FAILED = 1


def add_commands(commands: Any) -> None:
    pipeline = commands.add_parser("pipeline", help="decompose a task and run it with agents")
    sub = pipeline.add_subparsers(dest="pipeline_command", required=True, metavar="ACTION")

    run = sub.add_parser("run", help="plan a task (or take a plan) and run it")
    run.add_argument("task", nargs="*", help="the task, for the planner or a template")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--plan", type=Path, help="a plan file (JSON or YAML) instead")
    source.add_argument("--template", help="a plan from prompts/pipelines/NAME.yaml")
    run.add_argument("--thread", help="the terminal thread the run lives in")
    run.set_defaults(run=run_pipeline)

    sub.add_parser("resume", help="finish every interrupted run").set_defaults(run=resume_all)
    listing = sub.add_parser("list", help="recent runs")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(run=list_runs)
    for name, helptext, runner in (
        ("show", "a run's steps, states, durations and outputs", show_run),
        ("cancel", "stop a run", cancel_run),
    ):
        action = sub.add_parser(name, help=helptext)
        action.add_argument("id", type=run_number)
        action.set_defaults(run=runner)
    retry = sub.add_parser("retry", help="run failed steps (or STEP and what follows) again")
    retry.add_argument("id", type=run_number)
    retry.add_argument("step", nargs="?")
    retry.set_defaults(run=retry_run)


def run_number(text: str) -> int:
    """A run id as argparse takes it: a whole number SQLite can store (1 to 2**63-1)."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_RUN_ID:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a pipeline number")
    return int(text)


async def run_pipeline(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    task = " ".join(args.task).strip()
    async with started_app(settings) as app:
        executor = app.pipelines.executor
        thread = args.thread or datetime.now().strftime("pipeline-%Y%m%d-%H%M%S")
        key = cli_key(thread)
        with charged_to("planner", key=key):
            plan = await choose_plan(app, settings, args, task)
        run_id = await executor.create(key, plan, started_by=cli_user())
        print(f"Pipeline #{run_id} in thread {key.thread_id}: {plan.task}", flush=True)
        return await follow(app, run_id)


async def choose_plan(app: App, settings: Settings, args: argparse.Namespace, task: str) -> Plan:
    agents = [card.name for card in app.registry.routable_cards]
    limit = settings.pipeline.max_steps
    if args.plan:
        return validate_plan(load_plan_file(args.plan), agents, max_steps=limit)
    if not task:
        raise UsageError('say what to do: nova pipeline run "TASK" (or --plan FILE)')
    if args.template:
        folder = shipped_cards_dir() / "pipelines"
        return validate_plan(load_template(args.template, folder, task), agents, max_steps=limit)
    print("Planning…", flush=True)
    return await app.pipelines.plan(task)


async def follow(app: App, run_id: int) -> int:
    """Run in the foreground, unless a `nova run` process runs it already: progress lines
    as steps change, then the answer."""
    async with app.worker:  # heartbeats keep this process's hold on the run
        if not await app.pipelines.leases.hold(run_id):
            print(
                f"nova: pipeline #{run_id} is being run by another Nova process; "
                "its progress shows in its thread",
                file=sys.stderr,
            )
            return EXIT_FAILED
        try:
            return await run_in_foreground(app.pipelines.executor, run_id)
        finally:
            await app.pipelines.leases.release(run_id)


async def run_in_foreground(executor: Executor, run_id: int) -> int:
    printer = ChangePrinter()

    async def on_change(run: PipelineRunRecord) -> None:
        for line in printer.changes(run):
            print(line, flush=True)

    async def post(run: PipelineRunRecord) -> None:
        print(f"\n{run.answer}", flush=True)

    record = await executor.run(run_id, on_change=on_change, post=post)
    if record.status == RunStatus.CANCELLED:
        print(f"Pipeline #{run_id} was cancelled.", flush=True)
    return 0 if record.status == RunStatus.DONE else EXIT_FAILED


async def resume_all(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    async with started_app(settings) as app:
        unfinished = await app.store.unfinished_runs()
        if not unfinished:
            print("No unfinished pipeline runs.")
            return 0
        codes = []
        for run_id in unfinished:
            print(f"Resuming pipeline #{run_id}…", flush=True)
            codes.append(await follow(app, run_id))
        return max(codes)


async def list_runs(settings: Settings, args: argparse.Namespace) -> int:
    async with started_app(settings) as app:
        runs = await app.store.list_runs(limit=args.limit)
    if not runs:
        print("No pipeline runs yet.")
    for run in runs:
        done = sum(step.status == StepStatus.DONE for step in run.steps)
        when = run.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"#{run.id}  {run.status:<9}  {done}/{len(run.steps)} steps  {when}  {run.task[:60]}")
    return 0


async def show_run(settings: Settings, args: argparse.Namespace) -> int:
    async with started_app(settings) as app:
        run = await app.store.get_run(args.id)
    if run is None:
        raise PlanError(f"there is no pipeline run {args.id}")
    print(render_details(run))
    return 0


async def cancel_run(settings: Settings, args: argparse.Namespace) -> int:
    async with started_app(settings) as app:
        cancelled = await app.pipelines.executor.cancel(args.id)
    print(
        f"Pipeline #{args.id} cancelled."
        if cancelled
        else f"Pipeline #{args.id} had already ended."
    )
    return 0


async def retry_run(settings: Settings, args: argparse.Namespace) -> int:
    require_llm(settings)
    async with started_app(settings) as app:
        executor = app.pipelines.executor
        again = await executor.retry(args.id, args.step)
        if not again:
            print(f"Pipeline #{args.id} has no failed, skipped or cancelled step to retry.")
            return 0
        print(f"Retrying {', '.join(again)} of pipeline #{args.id}…", flush=True)
        return await follow(app, args.id)
