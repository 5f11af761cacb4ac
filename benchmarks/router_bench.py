"""The semantic router's running cost: start-up, latency per message, and memory.

    .venv/bin/python benchmarks/router_bench.py [--messages 500]
    NOVA_ROUTER_BACKEND=mpnet .venv/bin/python benchmarks/router_bench.py   # another backend

Measures, on one CPU core (one ONNX and one BLAS thread):
- loading the shipped model and building the router over the shipped cards, cold
  (embedding every card) and warm (card vectors from the disk cache);
- `rank()` per message over CLINC150 `val` texts, as a stream of user messages, and over
  the messages of `tests/data/pasted-*.jsonl` (a request and a pasted text), ranked whole
  and on their request (`routing/request.py`);
- the same for a catalogue of 150 agents with 100 examples each (CLINC150's intents,
  with oos_train as the requests nobody takes): cold start (embedding and training),
  warm start (both from the cache) and `rank()` against its 15,000 examples;
- the resident memory of a real `nova run` process (Slack Events API against the fake
  Slack and OpenAI servers of the test suite) after it has answered 50 mentions.
Accuracy is `nova eval routing`'s job; this prints one table of costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for `tests.fakes`

import aiohttp  # noqa: E402
import numpy as np  # noqa: E402

from novabot.agents.cards import ScopeCard, load_cards, shipped_cards_dir  # noqa: E402
from novabot.config.settings import load_settings  # noqa: E402
from novabot.routing.embedding import Embedder, EmbeddingCache  # noqa: E402
from novabot.routing.factory import build_embedder  # noqa: E402
from novabot.routing.request import RequestMatcher  # noqa: E402
from novabot.routing.semantic.matcher import SemanticMatcher  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers  # noqa: E402

CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "clinc150_dev.json"
PASTED = [ROOT / "tests" / "data" / f"pasted-{name}.jsonl" for name in ("cases", "holdout")]
SECRET = "bench-secret"
MENTIONS = 50
FOREIGN = [
    "peux-tu me résumer la discussion d'hier ?",
    "wie viele offene Bestellungen haben wir bei Bosch?",
    "¿me traduces este correo al inglés?",
    "ile faktur jest jeszcze niezapłaconych?",
    "mi scrivi una mail più cortese per il fornitore?",
]
"""Messages in other languages: the first one loads the multilingual matcher."""
RSS_BUDGET_MB = 300


def router_costs(messages: list[str]) -> list[tuple[str, str, str]]:
    cards = [card for card in load_cards([shipped_cards_dir()]) if card.routable]
    started = time.perf_counter()
    embedder = _embedder()
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        cache = EmbeddingCache(Path(folder))
        cold = _timed(lambda: SemanticMatcher.from_cards(cards, embedder, cache))
        matcher = SemanticMatcher.from_cards(cards, embedder, cache)
        warm = _timed(lambda: SemanticMatcher.from_cards(cards, embedder, cache))
    for text in messages[:20]:
        matcher.rank(text)  # warm-up: first runs allocate ONNX buffers
    times = [_timed(lambda t=text: matcher.rank(t)) * 1000 for text in messages]
    p50, p99 = np.percentile(times, 50), np.percentile(times, 99)
    pasted = [json.loads(line)["text"] for path in PASTED for line in path.open(encoding="utf-8")]
    whole = np.percentile([_timed(lambda t=t: matcher.rank(t)) * 1000 for t in pasted], 99)
    request = RequestMatcher(matcher)
    asked = np.percentile([_timed(lambda t=t: request.rank(t)) * 1000 for t in pasted], 99)
    return [
        (f"model load ({embedder.name.split(':')[0]})", f"{loaded * 1000:.0f} ms", ""),
        (f"router build, {len(cards)} cards, cold cache", f"{cold * 1000:.0f} ms", ""),
        (f"router build, {len(cards)} cards, warm cache", f"{warm * 1000:.0f} ms", ""),
        (f"rank() p50, {len(messages)} messages", f"{p50:.2f} ms", _verdict(p50 <= 5, "<= 5")),
        (f"rank() p99, {len(messages)} messages", f"{p99:.2f} ms", _verdict(p99 <= 20, "<= 20")),
        ("rank() mean", f"{statistics.fmean(times):.2f} ms", ""),
        (f"rank() p99, {len(pasted)} pasting messages, whole", f"{whole:.2f} ms", ""),
        (
            "rank() p99, the same on their request",
            f"{asked:.2f} ms",
            _verdict(asked <= 20, "<= 20"),
        ),
    ]


async def nova_run_rss(messages: list[str]) -> list[tuple[str, str, str]]:
    async with FakeOpenAI(models=("bench-model",)) as openai, FakeSlack() as slack:
        port = _free_port()
        with tempfile.TemporaryDirectory() as folder:
            process = await _start_nova(folder, port, openai, slack)
            try:
                idle = _rss_mb(process.pid)
                url = f"http://127.0.0.1:{port}/slack/events"
                async with aiohttp.ClientSession() as session:
                    for index, text in enumerate(messages[:MENTIONS]):
                        await _mention(session, url, text, index)
                await _until(lambda: len(openai.requests) >= MENTIONS)
                busy = _rss_mb(process.pid)
                async with aiohttp.ClientSession() as session:
                    for index, text in enumerate(FOREIGN, start=MENTIONS):
                        await _mention(session, url, text, index)
                await _until(lambda: len(openai.requests) >= MENTIONS + len(FOREIGN))
                foreign, peak = _rss_mb(process.pid), _peak_mb(process.pid)
            finally:
                process.send_signal(signal.SIGTERM)
                await process.communicate()
    return [
        ("nova run RSS, router loaded, idle", f"{idle:.0f} MB", ""),
        (f"nova run RSS after {MENTIONS} answers", f"{busy:.0f} MB", _under_budget(busy)),
        (f"... and {len(FOREIGN)} in other languages", f"{foreign:.0f} MB", _under_budget(foreign)),
        ("nova run peak RSS (VmHWM)", f"{peak:.0f} MB", _under_budget(peak)),
    ]


def _under_budget(megabytes: float) -> str:
    return _verdict(megabytes < RSS_BUDGET_MB, f"< {RSS_BUDGET_MB}")


async def _start_nova(
    folder: str, port: int, openai: FakeOpenAI, slack: FakeSlack
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOVA_", "OPENAI_"))}
    env |= _chosen_backend()
    env |= {
        "NOVA_DB_PATH": f"{folder}/nova.db",
        "NOVA_LLM_BASE_URL": openai.base_url,
        "NOVA_LLM_MODEL": "bench-model",
        "NOVA_SLACK_BOT_TOKEN": slack.token,
        "NOVA_SLACK_SIGNING_SECRET": SECRET,
        "NOVA_SLACK_API_URL": slack.api_url,
        "NOVA_HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", "run",
        cwd=folder, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    await asyncio.wait_for(process.stdout.readline(), timeout=60)  # "listening on Slack"
    return process


async def _mention(session: aiohttp.ClientSession, url: str, text: str, index: int) -> None:
    ts = f"{200 + index}.000001"
    event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts}
    raw = json.dumps(event_body(event | {"channel": "C1", "event_ts": ts}))
    async with session.post(url, data=raw, headers=signed_headers(raw, SECRET)) as response:
        response.raise_for_status()


async def _until(condition: Callable[[], bool], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("nova run did not answer every mention")
        await asyncio.sleep(0.1)


def _rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def _peak_mb(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def catalogue_costs(data: dict, messages: list[str]) -> list[tuple[str, str, str]]:
    """Start-up and latency of a 150 x 100 catalogue built from CLINC150's train split."""
    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        by_intent.setdefault(intent, []).append(text)
    cards = [_intent_card(intent, texts) for intent, texts in sorted(by_intent.items())]
    outside = [text for text, _ in data["oos_train"]]
    embedder = _embedder()
    with tempfile.TemporaryDirectory() as folder:
        cache = EmbeddingCache(Path(folder))
        build = lambda: SemanticMatcher.from_cards(cards, embedder, cache, outside=outside)  # noqa: E731
        cold = _timed(build)
        warm = min(_timed(build) for _ in range(3))
        matcher = build()
    times = [_timed(lambda t=text: matcher.rank(t)) * 1000 for text in messages]
    p50, p99 = np.percentile(times, 50), np.percentile(times, 99)
    size = f"{len(cards)} x {len(cards[0].examples)}"
    return [
        (f"router build, {size} catalogue, cold cache", f"{cold:.1f} s", ""),
        (f"router build, {size} catalogue, warm cache", f"{warm * 1000:.0f} ms",
         _verdict(warm <= 1, "<= 1 s")),
        (f"rank() p50 / p99, {size} catalogue", f"{p50:.1f} / {p99:.1f} ms",
         _verdict(p99 <= 20, "p99 <= 20")),
    ]  # fmt: skip


def _chosen_backend() -> dict[str, str]:
    """The backend settings `nova run` inherits, the models folder made absolute (it
    runs in a temporary folder)."""
    chosen = {}
    if "NOVA_ROUTER_BACKEND" in os.environ:
        chosen["NOVA_ROUTER_BACKEND"] = os.environ["NOVA_ROUTER_BACKEND"]
    if "NOVA_ROUTER_MODELS_DIR" in os.environ:
        chosen["NOVA_ROUTER_MODELS_DIR"] = os.path.abspath(os.environ["NOVA_ROUTER_MODELS_DIR"])
    return chosen


def _embedder() -> Embedder:
    """The backend NOVA_ROUTER_BACKEND names (the shipped MiniLM by default)."""
    return build_embedder(load_settings())


def _intent_card(intent: str, examples: list[str]) -> ScopeCard:
    words = intent.replace("_", " ")
    return ScopeCard(
        name=intent.replace("_", "-"),
        description=f"Requests about {words}.",
        does=[f"Handles {words}"],
        does_not=["Requests about anything else"],
        examples=examples,
    )


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _verdict(passed: bool, target: str) -> str:
    return f"{target}  {'PASS' if passed else 'FAIL'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="CLINC val texts to rank")
    parser.add_argument("--clinc", type=Path, default=CLINC)
    args = parser.parse_args()
    data = json.loads(args.clinc.read_text(encoding="utf-8"))
    messages = [text for text, _ in data["val"][: args.messages]]
    rows = router_costs(messages) + catalogue_costs(data, messages)
    rows += asyncio.run(nova_run_rss(messages))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'metric':<{width}}  {'value':>9}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>9}  {target}")


if __name__ == "__main__":
    main()
