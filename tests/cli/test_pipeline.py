"""`nova pipeline` as a user runs it, including a SIGKILL in the middle of a run."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cli.test_main import nova
from tests.conftest import MODEL, cli_env
from tests.fakes.openai_server import Fail, FakeOpenAI, Text
from tests.helpers import eventually
from tests.pipeline.steps import StepServer, make_plan, step_of, write_plan


@pytest.fixture
def steps() -> StepServer:
    return StepServer()


@pytest.fixture
async def fake_openai(steps: StepServer) -> AsyncIterator[FakeOpenAI]:
    """Replies by pipeline step, as in tests/pipeline."""
    async with FakeOpenAI(models=(MODEL,), default=steps.reply) as fake:
        yield fake


THREE_WAVES = make_plan(
    ("a", "summarizer", []),
    ("b", "translator", []),
    ("c", "chat", ["a", "b"]),
    ("d", "proofreader", ["c"]),
    task="three waves",
)


def requests_per_step(fake: FakeOpenAI) -> Counter[str | None]:
    return Counter(step_of(request.body) for request in fake.requests)


async def test_run_a_plan_file_prints_progress_and_the_answer(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    plan = write_plan(tmp_path / "plan.json", THREE_WAVES)
    result = await nova(
        tmp_path, "pipeline", "run", "--plan", str(plan), env=cli_env(tmp_path, fake_openai)
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Pipeline #1 in thread pipeline-") and lines[0].endswith(
        ": three waves"
    )
    assert "⏳ a (summarizer) running" in lines and "⏳ d (proofreader) running" in lines
    assert any(line.startswith("✅ d (proofreader) done in ") for line in lines)
    assert lines[-1] == "final answer"
    shown = await nova(tmp_path, "pipeline", "show", "1", env=cli_env(tmp_path, fake_openai))
    assert (
        "--- c (chat) ---\noutput of c" in shown.out and "=== answer ===\nfinal answer" in shown.out
    )
    listed = await nova(tmp_path, "pipeline", "list", env=cli_env(tmp_path, fake_openai))
    assert listed.out.startswith("#1  done       4/4 steps")


async def test_bad_plans_and_unknown_runs_are_one_line(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(tmp_path, fake_openai)
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: t\nsteps:\n  - {id: a, agent: poet, instruction: x}\n")
    result = await nova(tmp_path, "pipeline", "run", "--plan", str(bad), env=env)
    assert result.code == 2 and result.err.startswith("nova: step 'a': no agent named 'poet'")
    missing = await nova(tmp_path, "pipeline", "show", "42", env=env)
    assert (missing.code, missing.err) == (2, "nova: there is no pipeline run 42\n")
    nothing = await nova(tmp_path, "pipeline", "run", env=env)
    assert nothing.code == 2 and "say what to do" in nothing.err


async def test_a_killed_run_resumes_without_repeating_finished_steps(
    tmp_path: Path, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.latency = 0.6
    env = cli_env(tmp_path, fake_openai)
    plan = write_plan(tmp_path / "plan.json", THREE_WAVES)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", "pipeline", "run", "--plan", str(plan),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    # Step c starts only once a and b are committed: kill the process while c runs.
    await eventually(lambda: requests_per_step(fake_openai)["c"], within=20)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    with sqlite3.connect(tmp_path / "nova.db") as db:
        states = dict(db.execute("SELECT step_id, status FROM pipeline_steps"))
    assert states == {"a": "done", "b": "done", "c": "running", "d": "pending"}

    resumed = await nova(tmp_path, "pipeline", "resume", env=env)
    assert resumed.code == 0, resumed.err
    sent = requests_per_step(fake_openai)
    assert (sent["a"], sent["b"]) == (1, 1)  # finished before the kill: never asked again
    assert (sent["c"], sent["d"], sent[None]) == (2, 1, 1)
    assert resumed.out.count("final answer") == 1
    again = await nova(tmp_path, "pipeline", "resume", env=env)
    assert again.out == "No unfinished pipeline runs.\n"
    with sqlite3.connect(tmp_path / "nova.db") as db:
        assert db.execute("SELECT status, answer_posted FROM pipeline_runs").fetchone() == (
            "done",
            1,
        )


async def test_cancel_and_retry_from_the_command_line(
    tmp_path: Path, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    steps.overrides["b"] = lambda n: Fail(400) if n <= 3 else Text("b at last")
    env = cli_env(tmp_path, fake_openai, NOVA_PIPELINE_RETRY_BACKOFF_S="0")
    plan = write_plan(tmp_path / "plan.json", THREE_WAVES)
    failed = await nova(tmp_path, "pipeline", "run", "--plan", str(plan), env=env)
    assert failed.code == 1 and "❌ b (translator) failed" in failed.out
    retried = await nova(tmp_path, "pipeline", "retry", "1", env=env)
    assert retried.code == 0 and retried.out.startswith("Retrying b, c, d of pipeline #1")
    cancelled = await nova(tmp_path, "pipeline", "cancel", "1", env=env)
    assert cancelled.out == "Pipeline #1 had already ended.\n"
