"""The states a pipeline run and its steps go through, defined once for every store, the
executor and what shows them."""

from enum import StrEnum


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    """A step it depends on did not finish."""
    CANCELLED = "cancelled"


RUN_STATUSES = frozenset(RunStatus)
STEP_STATUSES = frozenset(StepStatus)
FINISHED_RUN_STATUSES = frozenset({RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED})
ANSWER_STATUSES = frozenset({RunStatus.DONE, RunStatus.FAILED})
"""What a run with an answer ended as."""
FINISHED_STEP_STATUSES = frozenset(StepStatus) - {StepStatus.PENDING, StepStatus.RUNNING}
RETRYABLE_STEP_STATUSES = frozenset({StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED})
