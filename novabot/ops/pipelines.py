"""Pipeline runs by status, as an operator reads them: what runs, what is stuck, what failed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from novabot.oneline import one_line
from novabot.store.records import PipelineRunRecord

STATUS_CHOICES = {
    "unfinished": ("pending", "running"),
    "running": ("running",),
    "pending": ("pending",),
    "failed": ("failed",),
    "cancelled": ("cancelled",),
    "done": ("done",),
    "all": ("pending", "running", "done", "failed", "cancelled"),
}
"""What a user may ask for, and the run statuses each means."""
STUCK_AFTER = timedelta(minutes=10)
"""An unfinished run with no step change for this long is flagged: steps time out sooner
(NOVA_PIPELINE_STEP_TIMEOUT_S), so something is holding it."""


def describe_counts(counts: Mapping[str, int]) -> str:
    if not counts:
        return "No pipeline runs recorded."
    order = ("running", "pending", "failed", "cancelled", "done")
    return "Pipeline runs: " + ", ".join(f"{counts[s]} {s}" for s in order if s in counts) + "."


def describe_run(run: PipelineRunRecord, now: datetime | None = None) -> str:
    """One line: id, status, where, the task, step progress, and why it may need a look."""
    now = now or datetime.now(UTC)
    done = sum(step.status == "done" for step in run.steps)
    line = (
        f'#{run.id} {run.status} in {run.key}: "{one_line(run.task, 60)}"'
        f" — {done}/{len(run.steps)} steps done, {run.prompt_tokens + run.completion_tokens:,}"
        " tokens"
    )
    if run.status in ("pending", "running"):
        quiet = now - run.updated_at
        line += f", last change {int(quiet.total_seconds() // 60)} min ago"
        if quiet >= STUCK_AFTER:
            line += " (looks stuck)"
        running = [s.step_id for s in run.steps if s.status == "running"]
        if running:
            line += f"; running: {', '.join(running)}"
    failed = [s for s in run.steps if s.status == "failed"]
    if failed:
        step = failed[0]
        line += f"; step {step.step_id} ({step.agent}) failed: {one_line(step.error or '?', 100)}"
    return line


def describe_runs(
    counts: Mapping[str, int], runs: Sequence[PipelineRunRecord], *, status: str, where: str
) -> str:
    lines = [f"{describe_counts(counts)} ({where})"]
    if not runs:
        lines.append(f"None {status}." if status != "all" else "None.")
    lines += [describe_run(run) for run in runs]
    return "\n".join(lines)
