"""What every pipeline store agrees on: the shape of a step as `create_run` takes it, and
the checks made before any write (the statuses themselves are in statuses.py).

Shared by the SQLite store and the in-memory one, so both reject the same input with
the same error.
"""

from __future__ import annotations

from collections.abc import Sequence

StepSpec = tuple[str, str, str, Sequence[str]]
"""(step_id, agent, instruction, depends_on), as `create_run` takes them."""


def check_status(status: str, allowed: frozenset[str], what: str) -> None:
    # Fail here with a readable error rather than on a database constraint.
    if status not in allowed:
        names = sorted(str(allowed_status) for allowed_status in allowed)
        raise ValueError(f"{what} status must be one of {names}, not {status!r}")


def check_tokens(prompt_tokens: int, completion_tokens: int) -> None:
    if prompt_tokens < 0 or completion_tokens < 0:
        raise ValueError(
            f"token counts must not be negative, not ({prompt_tokens}, {completion_tokens})"
        )


def check_steps(steps: Sequence[StepSpec]) -> None:
    ids = [step[0] for step in steps]
    duplicates = sorted({step_id for step_id in ids if ids.count(step_id) > 1})
    if duplicates:
        raise ValueError(f"duplicate step ids: {duplicates}")
    known = set(ids)
    for step_id, _agent, _instruction, depends_on in steps:
        # A str is a Sequence[str] too, and would silently become its characters.
        if isinstance(depends_on, str):
            raise TypeError(f"step {step_id!r}: depends_on must be a list of ids, not a str")
        unknown = sorted(set(depends_on) - known)
        if unknown:
            raise ValueError(f"step {step_id!r} depends on unknown steps {unknown}")


def check_step_ids(step_ids: Sequence[str]) -> list[str]:
    """The ids once each, in order; a bare str (a Sequence[str] too) is refused."""
    if isinstance(step_ids, str):
        raise TypeError("step_ids must be a list of ids, not a str")
    return list(dict.fromkeys(step_ids))


def no_run(run_id: int) -> str:
    return f"no pipeline run {run_id}"


def no_step(run_id: int, step_id: str) -> str:
    return f"run {run_id} has no step '{step_id}'"
