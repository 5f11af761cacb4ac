"""Pipeline runs, and each run's steps drawn on a time axis."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.dashboard.timeline import StepSpan, timeline_svg, waves
from novabot.dashboard.views.params import path_id
from novabot.pipeline.plan import PlanError
from novabot.store.records import PipelineRunRecord, PipelineStepRecord

LISTED = 100


@dataclass(frozen=True)
class RunLine:
    run: PipelineRunRecord
    done: int
    retries: int
    seconds: float | None


async def pipelines(request: web.Request) -> web.Response:
    runs = await sources_of(request).store.list_runs(limit=LISTED)
    return render(request, "pipelines.html", runs=[_line(run) for run in runs], listed=LISTED)


async def pipeline(request: web.Request) -> web.Response:
    sources = sources_of(request)
    run_id = path_id(request, "pipeline run")
    run = await sources.store.get_run(run_id)
    if run is None:
        raise web.HTTPNotFound(text=f"There is no pipeline run #{run_id}.")
    picture = timeline_svg(spans(run.steps), now=sources.clock())
    return render(request, "pipeline.html", line=_line(run), timeline=picture)


def spans(steps: tuple[PipelineStepRecord, ...]) -> list[StepSpan]:
    wave_of = step_waves(steps)
    return [_span(step, wave_of[step.step_id]) for step in steps]


def _span(step: PipelineStepRecord, wave: int) -> StepSpan:
    tokens = step.prompt_tokens + step.completion_tokens
    return StepSpan(
        step.step_id, step.agent, wave, step.status, step.started_at, step.finished_at,
        step.attempt, tokens,
    )  # fmt: skip


def step_waves(steps: tuple[PipelineStepRecord, ...]) -> dict[str, int]:
    try:
        return waves({step.step_id: step.depends_on for step in steps})
    except PlanError:  # a stored plan was validated; if not, show it flat rather than fail
        return {step.step_id: 0 for step in steps}


def _line(run: PipelineRunRecord) -> RunLine:
    done = sum(step.status == "done" for step in run.steps)
    retries = sum(max(step.attempt - 1, 0) for step in run.steps)
    seconds = None
    if run.finished_at is not None:
        seconds = (run.finished_at - run.created_at).total_seconds()
    return RunLine(run, done, retries, seconds)
