"""Benchmark of Nova's pipeline executor, with LangGraph on the same graph for comparison.

    .venv/bin/python benchmarks/pipeline_bench.py [--reps 5] [--fast-reps 20] [--no-langgraph]

A 20-step plan (5 waves of 4 parallel steps, each step needing all 4 of the wave before)
plus the final aggregation, run against the fake OpenAI server of `tests/fakes`:
  1. with 200 ms per completion: wall time against the critical path (6 x 0.2 s);
  2. with no latency: the executor's own cost per LLM call;
  3. the same graph in LangGraph (StateGraph + AsyncSqliteSaver), measured the same way.
LangGraph runs in its own venv, `benchmarks/.venv-langgraph` (made on first use from
`requirements-langgraph.txt`), as a subprocess talking to the fake server hosted here.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for `tests.fakes` and `cogs`

import openai  # noqa: E402

from novabot.app import build_app  # noqa: E402
from novabot.config import Settings  # noqa: E402
from novabot.core.message import ConversationKey  # noqa: E402
from novabot.pipeline.executor import Executor, Limits  # noqa: E402
from novabot.pipeline.plan import parse_plan, validate_plan  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, Reply, Slow, Text  # noqa: E402

HERE = Path(__file__).resolve().parent
LG_VENV = HERE / ".venv-langgraph"
LG_REQUIREMENTS = HERE / "requirements-langgraph.txt"
WAVES, WIDTH = 5, 4
STEPS = WAVES * WIDTH
CALLS = STEPS + 1  # every step, then the aggregation
LATENCY_S = 0.2
AGENTS = ("chat", "translator", "summarizer", "proofreader")


class Server:
    """The fake OpenAI server; `latency` is what every completion waits before answering."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.fake = FakeOpenAI(models=("fake-model",), default=self.reply)

    def reply(self, body: dict[str, Any]) -> Reply:
        text = Text("the output of this step")
        return Slow(self.latency, text) if self.latency else text


def bench_plan() -> dict[str, Any]:
    steps = []
    for wave in range(1, WAVES + 1):
        needs = [f"w{wave - 1}s{lane}" for lane in range(WIDTH)] if wave > 1 else []
        for lane in range(WIDTH):
            sid = f"w{wave}s{lane}"
            step = {"id": sid, "agent": AGENTS[lane], "instruction": f"do {sid}"}
            steps.append({**step, "depends_on": needs})
    return {"task": "benchmark the executor", "steps": steps}


async def timed(once: Callable[[], Awaitable[float]]) -> float:
    gc.collect()  # so a collection of earlier garbage does not land inside the timing
    return await once()


async def median_of(reps: int, once: Callable[[], Awaitable[float]]) -> float:
    await once()  # warm-up: imports, first connections, SQLite pages
    return statistics.median([await timed(once) for _ in range(reps)])


async def bare_calls(client: openai.AsyncOpenAI) -> float:
    """CALLS sequential completions with a bare client, asked and read as Nova's LLM does."""
    t0 = time.perf_counter()
    for i in range(CALLS):
        stream = await client.chat.completions.create(
            model="fake-model",
            messages=[
                {"role": "system", "content": "You are a helper."},
                {"role": "user", "content": f"Your step ('b{i}'): do it"},
            ],
            stream=True,
            stream_options={"include_usage": True},
        )
        async for _chunk in stream:
            pass
    return time.perf_counter() - t0


@dataclass
class NovaTimes:
    wall_slow: float
    wall_fast: list[float]
    bare_fast: list[float]


async def bench_nova(server: Server, tmp: Path, reps: int, fast_reps: int) -> NovaTimes:
    settings = Settings(
        db_path=tmp / "nova.db",
        llm_base_url=server.fake.base_url,
        llm_model="fake-model",
        llm_max_retries=0,
        pipeline_max_steps=STEPS,
        pipeline_concurrency=WIDTH,
    )
    app = await build_app(settings)
    # concurrency=WIDTH: the 4 steps of a wave all hold the semaphore at once.
    limits = Limits(max_steps=STEPS, concurrency=WIDTH, step_timeout_s=30, retry_backoff_s=0.01)
    executor = Executor(app.store, app.registry, app.llm, limits)
    plan = validate_plan(parse_plan(bench_plan(), "bench"), app.registry.agents, max_steps=STEPS)
    runs = iter(range(1_000_000))

    async def one_run() -> float:
        run_id = await executor.create(ConversationKey("bench", "b", f"run-{next(runs)}"), plan)
        t0 = time.perf_counter()
        record = await executor.run(run_id)
        wall = time.perf_counter() - t0
        if record.status != "done":
            raise RuntimeError(f"benchmark run {run_id} ended {record.status}")
        server.fake.requests.clear()  # the fake records every request; keep memory flat
        server.fake.served_usage.clear()
        return wall

    client = openai.AsyncOpenAI(base_url=server.fake.base_url, api_key="bench", max_retries=0)
    try:
        server.latency = LATENCY_S
        wall_slow = await median_of(reps, one_run)
        server.latency = 0.0
        await bare_calls(client)  # warm-up
        wall_fast: list[float] = []
        bare_fast: list[float] = []
        for _ in range(fast_reps):  # paired, so a slow moment of the machine hits both
            wall_fast.append(await timed(one_run))
            bare_fast.append(await timed(lambda: bare_calls(client)))
    finally:
        await client.close()
        await app.close()
    return NovaTimes(wall_slow, wall_fast, bare_fast)


def ensure_langgraph_venv() -> tuple[Path | None, str]:
    """The LangGraph venv's python, made or refreshed when needed; else None and why."""
    python = LG_VENV / "bin" / "python"
    stamp = LG_VENV / "requirements.installed"
    wanted = LG_REQUIREMENTS.read_text(encoding="utf-8")
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python, ""
    print(f"setting up {LG_VENV.relative_to(ROOT)} (once) ...", file=sys.stderr, flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(LG_VENV)],
        [str(python), "-m", "pip", "install", "-q", "-r", str(LG_REQUIREMENTS)],
    ]
    for command in steps:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{Path(command[2]).name}: {exc}"
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["failed"]
            return None, f"{command[2]} failed: {lines[-1][:200]}"
    stamp.write_text(wanted, encoding="utf-8")
    return python, ""


async def run_side(python: Path, server: Server, latency: float, reps: int) -> dict[str, Any]:
    """Run langgraph_side.py while this process's event loop keeps serving the fake."""
    server.latency = latency
    args = ["--base-url", server.fake.base_url, "--latency", str(latency), "--reps", str(reps)]
    side = HERE / "langgraph_side.py"
    args += ["--with-bare"] if latency == 0 else []
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(
        str(python), str(side), *args, stdout=pipe, stderr=pipe
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or ["no output"]
        raise RuntimeError(f"langgraph_side.py exited {process.returncode}: {lines[-1][:200]}")
    return json.loads(out.decode().strip().splitlines()[-1])


Row = tuple[str, str, str, str]


def info(metric: str, value: str) -> Row:
    return metric, value, "", ""


def check(metric: str, value: float, shown: str, limit: float, unit: str = "") -> Row:
    return metric, shown, f"<= {limit:g}{unit}", "PASS" if value <= limit else "FAIL"


def skipped(why: str) -> Row:
    print(f"LangGraph not measured: {why}", file=sys.stderr)
    short = why if len(why) <= 40 else why[:39] + "…"
    return "LangGraph: not measured (see stderr)", short, "", "SKIP"


def per_step_ms(walls: list[float], bares: list[float]) -> float:
    """Overhead per LLM call: the median of the paired (wall - bare) differences / CALLS."""
    return statistics.median(w - b for w, b in zip(walls, bares, strict=True)) / CALLS * 1000


async def main(args: argparse.Namespace) -> list[Row]:
    server = Server()
    async with server.fake:
        with tempfile.TemporaryDirectory() as tmp:
            nova = await bench_nova(server, Path(tmp), args.reps, args.fast_reps)
        critical = (WAVES + 1) * LATENCY_S
        ratio = nova.wall_slow / critical
        # Overhead per step: the zero-latency wall time minus what the same 21 completions
        # cost with a bare openai client (sequential, same streamed request, same fake in
        # the same event loop, so client, HTTP and fake-server costs cancel out), per call.
        # What is left is Nova's own work: SQLite checkpoints, plan and prompt building,
        # task scheduling. Sequential bare calls are the fair baseline since on one event
        # loop the client and the fake server share one core anyway. Each run is paired
        # with a bare measurement right after it, and the median difference is taken.
        nova_step = per_step_ms(nova.wall_fast, nova.bare_fast)
        fast_wall, fast_bare = statistics.median(nova.wall_fast), statistics.median(nova.bare_fast)
        rows = [
            info("Nova wall, 200 ms/completion", f"{nova.wall_slow:.3f} s"),
            info("critical path (5 waves + aggregation) x 0.2 s", f"{critical:.3f} s"),
            check("Nova wall / critical path", ratio, f"{ratio:.3f}", 1.10),
            info("Nova wall, zero latency", f"{fast_wall * 1000:.1f} ms"),
            info(f"bare openai client, {CALLS} sequential calls", f"{fast_bare * 1000:.1f} ms"),
            check("Nova overhead per step", nova_step, f"{nova_step:.2f} ms", 2, " ms"),
        ]
        if args.no_langgraph:
            return [*rows, info("LangGraph", "not measured (--no-langgraph)")]
        python, why = await asyncio.to_thread(ensure_langgraph_venv)
        if python is None:
            return [*rows, skipped(why)]
        try:
            slow = await run_side(python, server, LATENCY_S, args.reps)
            fast = await run_side(python, server, 0.0, args.fast_reps)
        except (RuntimeError, ValueError) as exc:
            return [*rows, skipped(str(exc))]
    lg_slow, lg_fast = statistics.median(slow["wall_s"]), statistics.median(fast["wall_s"])
    lg_bare = statistics.median(fast["bare_s"])
    lg_step = per_step_ms(fast["wall_s"], fast["bare_s"])  # measured exactly as nova_step
    versus = nova_step / lg_step if lg_step > 0 else float("inf")
    v = fast["versions"]
    return [
        *rows,
        info(f"LangGraph {v['langgraph']} wall, 200 ms/completion", f"{lg_slow:.3f} s"),
        info("LangGraph wall / critical path", f"{lg_slow / critical:.3f}"),
        info("LangGraph wall, zero latency", f"{lg_fast * 1000:.1f} ms"),
        info(
            f"bare openai {v['openai']} client, {CALLS} calls (LG venv)", f"{lg_bare * 1000:.1f} ms"
        ),
        info("LangGraph overhead per step", f"{lg_step:.2f} ms"),
        check("Nova / LangGraph overhead per step", versus, f"{versus:.2f}", 0.5),
    ]


def print_table(rows: list[Row], title: str) -> None:
    header: Row = ("metric", "value", "target", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(title)
    for row in [header, None, *rows]:
        if row is None:
            print(line)
            continue
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        print("  ".join([*cells, row[2].ljust(widths[2]), row[3].ljust(widths[3])]).rstrip())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed runs at 200 ms latency")
    parser.add_argument("--fast-reps", type=int, default=20, help="timed runs at zero latency")
    parser.add_argument("--no-langgraph", action="store_true", help="skip the LangGraph rows")
    options = parser.parse_args()
    started = time.perf_counter()
    table = asyncio.run(main(options))
    title = (
        f"Nova pipeline executor: {STEPS} steps ({WAVES} waves x {WIDTH}) + aggregation, "
        f"fake OpenAI server.\nMedians of {options.reps} runs at 200 ms and of "
        f"{options.fast_reps} paired (run, bare) runs at zero latency, after 1 warm-up each."
    )
    print_table(table, title)
    print(f"(took {time.perf_counter() - started:.1f} s)")
