"""Benchmark of Nova's OpenAI-compatible API: what `POST /v1/chat/completions` adds.

    .venv/bin/python benchmarks/api_bench.py [--requests 100] [--clients 1,32]
        [--latency 0,0.2] [--no-stream] [--no-router] [--profile DIR]

The official `openai` client (AsyncOpenAI) calls the fake OpenAI server of `tests/fakes`
directly, then calls Nova, which calls the same fake server. Nova is a real `nova run`
process and the fake server another process, as in production (Nova's event loop shares
no CPU time with the clients). Each client sends `--requests` stateless requests, one
after another (no conversation header: each request is a conversation of its own).

Added latency = Nova's p50 − the direct p50 at the same settings. Throughput = requests
completed / wall time, all clients together. One markdown table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for `tests.fakes`

import openai  # noqa: E402

from novabot.api.keys import key_hash, new_key  # noqa: E402
from novabot.store import Store  # noqa: E402
from tests.fakes.openai_server import ANY_MODEL, FakeOpenAI, Reply, Slow, Text  # noqa: E402

REPLY = "Nova answers this in a short sentence of about twenty words, as a chat reply might be."
PROMPT = "hello, what can you do for me today?"
KEY_NAME = "bench"
START_TIMEOUT_S = 120.0  # the first start embeds the agents' cards
EMBEDDINGS = Path(tempfile.gettempdir()) / "nova-api-bench-embeddings"
"""Kept between runs, so only the first run pays for embedding the cards."""


# -- the fake LLM, in a process of its own ------------------------------------------------


def serve_fake(latency_s: float) -> None:
    """Run the fake server until SIGTERM; its base URL is the first line printed."""

    def reply(_body: dict[str, Any]) -> Reply:
        return Slow(latency_s, Text(REPLY)) if latency_s else Text(REPLY)

    async def serve() -> None:
        stopped = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
        async with FakeOpenAI(models=(ANY_MODEL,), default=reply) as fake:
            print(fake.base_url, flush=True)
            while not stopped.is_set():  # the fake records every request: keep memory flat
                fake.requests.clear()
                fake.served_usage.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopped.wait(), 1.0)

    asyncio.run(serve())


# -- processes -----------------------------------------------------------------------------


@dataclass
class Child:
    process: subprocess.Popen[str]
    first_line: str

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> Child:
    """Start a process and wait for its first line on stdout (its address)."""
    with log.open("w") as err:
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err, text=True
        )
    assert process.stdout is not None
    line = process.stdout.readline().strip()  # the children print nothing else until stopped
    if not line:
        process.wait(timeout=10)
        raise RuntimeError(f"{args[:3]} ended ({process.returncode}); see {log}")
    return Child(process, line)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nova_env(folder: Path, llm_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOVA_", "OPENAI_"))}
    env |= {
        "NOVA_DB_PATH": str(folder / "nova.db"),
        "NOVA_LLM_BASE_URL": llm_url,
        "NOVA_LLM_MODEL": "fake-model",
        "NOVA_LLM_MAX_RETRIES": "0",
        "NOVA_HTTP_PORT": str(port),
        "NOVA_ROUTER_CACHE_DIR": str(EMBEDDINGS),
    }
    return env


async def create_key(db: Path) -> str:
    """A key as `nova api-key create` makes one, with a rate the benchmark never reaches."""
    key = new_key()
    async with await Store.open(db) as store:
        await store.add_api_key(
            KEY_NAME, key_hash(key), models=None, rate_limit=10_000_000, rate_period_s=60
        )
    return key


@contextlib.contextmanager
def services(latency_s: float, folder: Path, profile: Path | None) -> Iterator[tuple[str, str]]:
    """The fake server and a `nova run` using it: yields (fake's URL, Nova's API URL)."""
    here = Path(__file__).resolve()
    fake = start(
        [sys.executable, str(here), "--serve-fake", str(latency_s)],
        os.environ.copy(),
        folder / "fake.log",
        ROOT,
    )
    port = free_port()
    nova_cmd = [sys.executable, "-m", "novabot", "run"]
    try:
        nova = start(nova_cmd, nova_env(folder, fake.first_line, port), folder / "nova.log", folder)
    except BaseException:
        fake.stop()
        raise
    spy = None if profile is None else record(nova.process.pid, profile, latency_s)
    try:
        yield fake.first_line, f"http://127.0.0.1:{port}/v1"
    finally:
        nova.stop()
        fake.stop()
        if spy is not None:  # it writes its samples once Nova has exited
            spy.wait(timeout=60)


def record(pid: int, folder: Path, latency_s: float) -> subprocess.Popen[bytes]:
    """py-spy sampling Nova's process until it exits, as collapsed stacks (one per line,
    with its count): `sort -t' ' -k2 -n` or any flame graph tool reads them."""
    spy = Path(sys.executable).with_name("py-spy")
    out = folder / f"nova-{latency_s * 1000:.0f}ms.txt"
    args = [str(spy), "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
    return subprocess.Popen([*args, "--nonblocking", "-o", str(out)], stdout=subprocess.DEVNULL)


# -- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    latencies_s: list[float]
    wall_s: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies_s) / self.wall_s


async def one_request(client: openai.AsyncOpenAI, model: str, stream: bool) -> str:
    messages: Any = [{"role": "user", "content": PROMPT}]
    if not stream:
        completion = await client.chat.completions.create(model=model, messages=messages)
        return completion.choices[0].message.content or ""
    chunks = await client.chat.completions.create(model=model, messages=messages, stream=True)
    return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])


async def one_client(
    url: str,
    key: str,
    job: tuple[str, bool, int],
    ready: asyncio.Barrier,
    out: list[float],
) -> None:
    """One client with its own connection pool, sending its requests one after another."""
    model, stream, requests = job
    async with openai.AsyncOpenAI(base_url=url, api_key=key, max_retries=0) as client:
        await one_request(client, model, stream)  # warm-up: the connection, first imports
        await ready.wait()  # all clients start timing together
        for _ in range(requests):
            t0 = time.perf_counter()
            text = await one_request(client, model, stream)
            out.append(time.perf_counter() - t0)
            if not text:
                raise RuntimeError(f"an empty answer from {url} for {model}")


async def measure(
    url: str, key: str, model: str, stream: bool, clients: int, requests: int
) -> Sample:
    latencies: list[float] = []
    ready = asyncio.Barrier(clients + 1)
    async with asyncio.TaskGroup() as group:
        for _ in range(clients):
            group.create_task(one_client(url, key, (model, stream, requests), ready, latencies))
        await ready.wait()
        t0 = time.perf_counter()
    return Sample(latencies, time.perf_counter() - t0)


@dataclass(frozen=True)
class Row:
    latency_s: float
    clients: int
    model: str
    stream: bool
    direct: Sample
    nova: Sample

    def markdown(self) -> str:
        added = self.nova.pct(0.5) - self.direct.pct(0.5)
        cells = [
            f"{self.latency_s * 1000:.0f} ms",
            str(self.clients),
            self.model,
            "stream" if self.stream else "plain",
            f"{self.direct.pct(0.5):.1f} / {self.direct.pct(0.99):.1f}",
            f"{self.nova.pct(0.5):.1f} / {self.nova.pct(0.99):.1f}",
            f"{added:.1f}",
            rate(self.direct.throughput),
            rate(self.nova.throughput),
        ]
        return "| " + " | ".join(cells) + " |"


def rate(per_s: float) -> str:
    return f"{per_s:.1f}" if per_s < 100 else f"{per_s:.0f}"


HEADER = (
    "| fake latency | clients | model | mode | direct p50 / p99 ms | via Nova p50 / p99 ms "
    "| added p50 ms | req/s direct | req/s via Nova |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


async def bench_latency(latency_s: float, args: argparse.Namespace, folder: Path) -> list[Row]:
    rows: list[Row] = []
    key = await create_key(folder / "nova.db")
    models = ["chat"] if args.no_router else ["chat", "nova"]
    modes = [False] if args.no_stream else [False, True]
    with services(latency_s, folder, args.profile) as (fake_url, nova_url):
        for clients in args.clients:
            for stream in modes:
                direct = await measure(
                    fake_url, "bench", "fake-model", stream, clients, args.requests
                )
                for model in models:
                    nova = await measure(nova_url, key, model, stream, clients, args.requests)
                    rows.append(Row(latency_s, clients, model, stream, direct, nova))
                    print(rows[-1].markdown(), file=sys.stderr, flush=True)
    return rows


async def main(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nova-api-bench-") as tmp:
        for latency_s in args.latency:
            folder = Path(tmp, f"{latency_s * 1000:.0f}ms")
            os.mkdir(folder)
            rows += await bench_latency(latency_s, args, folder)
    print(HEADER)
    for row in rows:
        print(row.markdown())


def numbers(kind: type[float] | type[int]) -> Any:
    return lambda text: [kind(part) for part in text.split(",")]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per client (default 100)")
    parser.add_argument("--clients", type=numbers(int), default=[1, 32], help="e.g. 1,32")
    parser.add_argument("--latency", type=numbers(float), default=[0.0, 0.2], help="seconds")
    parser.add_argument("--no-stream", action="store_true", help="plain requests only")
    parser.add_argument("--no-router", action="store_true", help="model `chat` only")
    parser.add_argument(
        "--profile", type=Path, help="record Nova with py-spy (pip install py-spy) into this folder"
    )
    parser.add_argument("--serve-fake", type=float, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    parsed = parse_args()
    if parsed.serve_fake is not None:
        serve_fake(parsed.serve_fake)
    else:
        asyncio.run(main(parsed))
