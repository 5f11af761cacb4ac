"""The LangGraph half of `pipeline_bench.py`; runs in `benchmarks/.venv-langgraph`.

The same 20-step graph as Nova's plan (5 waves of 4; every step of a wave needs all 4
steps of the wave before; then one aggregation), as a StateGraph whose 4 nodes of a wave
run together in one superstep, checkpointed by AsyncSqliteSaver in a temp file. Every node
makes the same streamed chat completion Nova makes, against the fake server the main
benchmark process hosts. Prints one JSON object with the timings in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import operator
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, TypedDict

import openai
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph

WAVES, WIDTH = 5, 4
CALLS = WAVES * WIDTH + 1


class State(TypedDict):
    outputs: Annotated[dict[str, str], operator.or_]


def step_id(wave: int, lane: int) -> str:
    return f"w{wave}s{lane}"


async def complete(client: openai.AsyncOpenAI, system: str, user: str) -> str:
    """One completion, asked and read exactly as Nova's LLM does (streamed, with usage)."""
    stream = await client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts = [c.delta.content or "" async for chunk in stream for c in chunk.choices]
    return "".join(parts)


def build(client: openai.AsyncOpenAI) -> StateGraph[Any]:
    graph: StateGraph[Any] = StateGraph(State)

    def node(wave: int, lane: int) -> Any:
        sid = step_id(wave, lane)
        needs = [step_id(wave - 1, i) for i in range(WIDTH)] if wave > 1 else []

        async def run(state: State) -> dict[str, dict[str, str]]:
            parts = [f"Result of step '{n}':\n{state['outputs'][n]}" for n in needs]
            request = "\n\n".join(["The task: bench", *parts, f"Your step ('{sid}'): do {sid}"])
            return {"outputs": {sid: await complete(client, "You are a helper.", request)}}

        return run

    async def aggregate(state: State) -> dict[str, dict[str, str]]:
        results = "\n\n".join(f"## {k}\n{v}" for k, v in sorted(state["outputs"].items()))
        return {"outputs": {"answer": await complete(client, "You aggregate.", results)}}

    for wave in range(1, WAVES + 1):
        for lane in range(WIDTH):
            graph.add_node(step_id(wave, lane), node(wave, lane))
    graph.add_node("aggregate", aggregate)
    previous: list[str] = []
    for wave in range(1, WAVES + 1):
        current = [step_id(wave, lane) for lane in range(WIDTH)]
        for sid in current:
            graph.add_edge(previous or START, sid)  # a join: waits for all of `previous`
        previous = current
    graph.add_edge(previous, "aggregate")
    graph.add_edge("aggregate", END)
    return graph


async def bare(client: openai.AsyncOpenAI) -> float:
    """CALLS sequential completions with the bare client: the cost of the calls alone."""
    t0 = time.perf_counter()
    for i in range(CALLS):
        await complete(client, "You are a helper.", f"Your step ('b{i}'): do it")
    return time.perf_counter() - t0


async def main(args: argparse.Namespace) -> dict[str, Any]:
    client = openai.AsyncOpenAI(base_url=args.base_url, api_key="bench", max_retries=0)
    walls: list[float] = []
    bares: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with AsyncSqliteSaver.from_conn_string(str(Path(tmp) / "lg.db")) as saver:
            app = build(client).compile(checkpointer=saver)
            for rep in range(-1, args.reps):  # rep -1 warms up (imports, first connections)
                config = {"configurable": {"thread_id": f"run-{args.latency}-{rep}"}}
                gc.collect()  # as the main script does before every timing
                t0 = time.perf_counter()
                state = await app.ainvoke({"outputs": {}}, config, durability=args.durability)
                wall = time.perf_counter() - t0
                assert len(state["outputs"]) == CALLS, state
                if args.with_bare:  # paired with the run just before it
                    gc.collect()
                    took = await bare(client)
                if rep >= 0:
                    walls.append(wall)
                    if args.with_bare:
                        bares.append(took)
    await client.close()
    versions = {p: version(p) for p in ("langgraph", "langgraph-checkpoint-sqlite", "openai")}
    return {"latency": args.latency, "wall_s": walls, "bare_s": bares, "versions": versions}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--latency", type=float, required=True, help="what the server adds")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--with-bare", action="store_true", help="also time bare calls")
    parser.add_argument("--durability", choices=("sync", "async", "exit"), default="sync")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
