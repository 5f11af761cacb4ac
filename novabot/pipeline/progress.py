"""How a run's progress reads: one line per step with its agent and state."""

from __future__ import annotations

from novabot.store import PipelineRunRecord, PipelineStepRecord, StepStatus

ICONS: dict[str, str] = {
    StepStatus.PENDING: "·",
    StepStatus.RUNNING: "⏳",
    StepStatus.DONE: "✅",
    StepStatus.FAILED: "❌",
    StepStatus.SKIPPED: "⏭",
    StepStatus.CANCELLED: "🚫",
}


def step_line(step: PipelineStepRecord) -> str:
    line = f"{ICONS.get(step.status, '?')} {step.step_id} ({step.agent}) {step.status}"
    if step.started_at and step.finished_at:
        line += f" in {(step.finished_at - step.started_at).total_seconds():.1f}s"
    if step.attempt > 1:
        line += f", attempt {step.attempt}"
    if step.status == StepStatus.FAILED and step.error:
        line += f": {step.error}"
    return line


def render_progress(run: PipelineRunRecord) -> str:
    """The live progress message: the task, then every step's state."""
    lines = [f"Pipeline #{run.id} ({run.status}): {run.task}"]
    lines += [step_line(step) for step in run.steps]
    return "\n".join(lines)


def render_details(run: PipelineRunRecord) -> str:
    """Everything about a run, outputs included (`nova pipeline show`)."""
    lines = [
        render_progress(run),
        f"tokens: {run.prompt_tokens} prompt + {run.completion_tokens} completion",
    ]
    for step in run.steps:
        if step.output or step.error:
            lines.append(f"\n--- {step.step_id} ({step.agent}) ---\n{step.output or step.error}")
    if run.answer:
        lines.append(f"\n=== answer ===\n{run.answer}")
    return "\n".join(lines)


class ChangePrinter:
    """Prints each step's new state once, as a terminal progress log."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def changes(self, run: PipelineRunRecord) -> list[str]:
        lines = []
        for step in run.steps:
            if self._seen.get(step.step_id) != step.status:
                self._seen[step.step_id] = step.status
                lines.append(step_line(step))
        return lines
