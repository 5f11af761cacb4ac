"""A pipeline run's steps on one time axis, as inline SVG: which ran in parallel, which
waited, which failed or were retried, and where the run's time went.

One row per step, grouped by wave (the steps that could run together), each bar from the
step's start to its end (a running step's to `now`), coloured by status. A step that
never started is a hollow marker at the end of the axis. Pure: the same steps and `now`
give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from novabot.dashboard.charts import CHAR_W, shorten
from novabot.dashboard.svg import (
    GRID,
    MUTED,
    element,
    nice_ticks,
    no_data,
    num,
    svg_document,
    text,
    tooltip,
)
from novabot.pipeline.plan import topological_waves
from novabot.store.statuses import StepStatus

GREY = "#9e9e9e"
STATUS_COLOURS: dict[str, str] = {
    StepStatus.DONE: "#2e7d32",
    StepStatus.RUNNING: "#1565c0",
    StepStatus.FAILED: "#c62828",
}
"""Every other status (pending, skipped, cancelled) is grey."""
LEGEND: tuple[tuple[str, str | None], ...] = (
    ("done", STATUS_COLOURS[StepStatus.DONE]),
    ("running", STATUS_COLOURS[StepStatus.RUNNING]),
    ("failed", STATUS_COLOURS[StepStatus.FAILED]),
    ("pending / skipped / cancelled", GREY),
    ("not started", None),
)
"""(what, colour); a colour of None is the hollow marker of a step that never started."""
ROW = 24.0
BAR = 14.0
PLOT_W = 520.0
TITLE = "Pipeline timeline"


@dataclass(frozen=True)
class StepSpan:
    """What the timeline needs of one step of a run (from the store's step records)."""

    step_id: str
    agent: str
    wave: int
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    attempt: int
    tokens: int


def waves(depends_on: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each step's wave: 0 without dependencies, else 1 + the latest wave it depends on.

    The same waves the plan runs in (`Plan.waves`); a cycle or an unknown dependency
    raises `PlanError`.
    """
    layers = topological_waves({step: list(needs) for step, needs in depends_on.items()})
    return {step: index for index, layer in enumerate(layers) for step in layer}


def colour(status: str) -> str:
    return STATUS_COLOURS.get(status, GREY)


@dataclass(frozen=True)
class _Axis:
    """Seconds since the run's first start, mapped onto the plot's width."""

    origin: datetime | None
    seconds: float
    left: float

    def x(self, moment: datetime) -> float:
        if self.origin is None:
            return self.left
        return self.left + PLOT_W * (moment - self.origin).total_seconds() / self.seconds

    @property
    def right(self) -> float:
        return self.left + PLOT_W


def _end(step: StepSpan, now: datetime) -> datetime | None:
    """Where a started step's bar ends: its finish, `now` while it runs, else its start."""
    if step.started_at is None:
        return None
    if step.finished_at is not None:
        return step.finished_at
    return now if step.status == StepStatus.RUNNING else step.started_at


def _axis(steps: Sequence[StepSpan], now: datetime, left: float) -> tuple[_Axis, list[float]]:
    starts = [s.started_at for s in steps if s.started_at is not None]
    if not starts:
        return _Axis(None, 1.0, left), [0.0, 1.0]
    origin = min(starts)
    ends = [end for s in steps if (end := _end(s, now)) is not None]
    ticks = nice_ticks((max(ends) - origin).total_seconds())
    return _Axis(origin, ticks[-1], left), ticks


def timeline_svg(steps: Sequence[StepSpan], *, now: datetime) -> str:
    """The run's steps, one row each by wave then step id, on a shared time axis."""
    if not steps:
        return no_data(TITLE, "no steps yet")
    ordered = sorted(steps, key=lambda s: (s.wave, s.step_id))
    # The wave's name, then "step · agent", right-aligned against the axis.
    left = 64 + CHAR_W * max(len(shorten(s.step_id)) + len(shorten(s.agent)) + 3 for s in ordered)
    axis, ticks = _axis(ordered, now, left)
    top = 56.0
    wave_groups = [(wave, list(group)) for wave, group in groupby(ordered, key=lambda s: s.wave)]
    height = top + ROW * len(ordered) + 8
    body = [
        text(8, 22, TITLE, font_size="14", font_weight="600", class_="chart-title"),
        _time_axis(axis, ticks, top, height),
    ]
    row = 0
    for wave, group in wave_groups:
        body.append(_wave(wave, group, axis, top + ROW * row, now))
        row += len(group)
    if any(s.status == StepStatus.RUNNING for s in ordered) and axis.origin is not None:
        body.append(_now_line(axis.x(now), top, height))
    body.append(_legend(8, height + 20))
    waves_seen = len(wave_groups)
    label = f"{TITLE}: {len(ordered)} steps in {waves_seen} wave{'s' * (waves_seen != 1)}"
    width = max(axis.right + 48, _legend_width())
    return svg_document(width, height + 40, label, "".join(body))


def _time_axis(axis: _Axis, ticks: list[float], top: float, bottom: float) -> str:
    parts = []
    for second in ticks:
        x = axis.left + PLOT_W * second / axis.seconds
        parts.append(
            element("line", {"x1": x, "x2": x, "y1": top - 6, "y2": bottom, "stroke": GRID})
        )
        parts.append(text(x, top - 10, f"{num(second)} s", text_anchor="middle", fill=MUTED))
    return element("g", {"class": "time-axis"}, "".join(parts))


def _wave(wave: int, steps: list[StepSpan], axis: _Axis, y: float, now: datetime) -> str:
    """A band behind the wave's rows, its number, and one row per step."""
    band = {
        "x": 0.0,
        "y": y,
        "width": axis.right + 48,
        "height": ROW * len(steps),
        "fill": "#f4f6f8" if wave % 2 == 0 else "#ffffff",
        "class": "wave-band",
    }
    parts = [element("rect", band), text(4, y + 12, f"wave {wave + 1}", font_size="9", fill=MUTED)]
    for index, step in enumerate(steps):
        parts.append(_row(step, axis, y + ROW * index, now))
    return element("g", {"class": "wave", "data-wave": wave}, "".join(parts))


def _row(step: StepSpan, axis: _Axis, y: float, now: datetime) -> str:
    """The step's name, its bar (or hollow marker), and its retry mark."""
    name = f"{shorten(step.step_id)} · {shorten(step.agent)}"
    label = text(axis.left - 8, y + 16, name, text_anchor="end", class_="step")
    bar, after = _bar(step, axis, y + (ROW - BAR) / 2, _end(step, now))
    retry = f"×{step.attempt}" if step.attempt > 1 else ""
    marks = text(after, y + 16, retry, class_="retry", font_weight="600") if retry else ""
    return label + bar + marks


def _bar(step: StepSpan, axis: _Axis, y: float, end: datetime | None) -> tuple[str, float]:
    """The step's `<rect>` (found by its data- attributes), and the x just after it."""
    tags = {"data-step": step.step_id, "data-status": step.status, "data-wave": step.wave}
    if step.started_at is None or end is None:
        box = {"x": axis.right - BAR, "y": y, "width": BAR, "height": BAR, "fill": "none"}
        box |= {"stroke": colour(step.status), "stroke-width": "2", "stroke-dasharray": "3 2"}
        hint = tooltip(_describe(step, 0.0))
        return element("rect", box | tags | {"class": "bar not-started"}, hint), axis.right + 4
    x0 = axis.x(step.started_at)
    width = max(2.0, axis.x(end) - x0)  # a step of no length still shows
    box = {"x": x0, "y": y, "width": width, "height": BAR, "rx": "2", "class": "bar"}
    hint = tooltip(_describe(step, (end - step.started_at).total_seconds()))
    return element("rect", box | tags | {"fill": colour(step.status)}, hint), x0 + width + 4


def _describe(step: StepSpan, seconds: float) -> str:
    words = (
        f"{step.step_id} · {step.agent} · {step.status} · {seconds:.1f} s · {step.tokens} tokens"
    )
    return words + (f" · attempt {step.attempt}" if step.attempt > 1 else "")


def _now_line(x: float, top: float, bottom: float) -> str:
    line = {
        "x1": x,
        "x2": x,
        "y1": top - 6,
        "y2": bottom,
        "stroke": STATUS_COLOURS[StepStatus.RUNNING],
    }
    return element("line", line | {"stroke-dasharray": "4 3", "class": "now"}) + text(
        x, top - 24, "now", text_anchor="middle", fill=MUTED, font_size="10"
    )


def _legend(x: float, y: float) -> str:
    parts = []
    for name, fill in LEGEND:
        hollow = fill is None
        swatch = {
            "x": x,
            "y": y - 10,
            "width": 12.0,
            "height": 12.0,
            "fill": "none" if hollow else fill,
        }
        if hollow:
            swatch |= {"stroke": GREY, "stroke-width": "2", "stroke-dasharray": "3 2"}
        parts.append(element("rect", swatch))
        parts.append(text(x + 18, y, name))
        x += 34 + CHAR_W * len(name)
    return element("g", {"class": "legend"}, "".join(parts))


def _legend_width() -> float:
    return sum(34 + CHAR_W * len(name) for name, _ in LEGEND) + 16
