"""How much routing depends on the CPU: the same MiniLM graph on different integer paths.

    .venv/bin/pip install -r benchmarks/requirements-cross-cpu.txt   # onnx, to read graphs
    .venv/bin/python benchmarks/cross_cpu.py [--model PATH ...] [--clinc FILE]

onnxruntime picks its quantised-MatMul kernel by CPU. With AVX-512 VNNI (or AVX-VNNI, AMX,
or on ARM) u8 x s8 products are summed exactly in int32. On AVX2 and AVX-512BW without VNNI
the kernel uses vpmaddubsw, which adds two adjacent u8 x s8 products into an int16 with
signed saturation before widening: a pair above 32767 is clipped. Only one of the two paths
runs on a given machine, so both are emulated here by the same numpy evaluation of the
graph, which differs only in how MatMulInteger sums:

- *exact*: int32 sums (VNNI, AMX, ARM);
- *saturating*: each pair of products along K clipped to int16 first (AVX2 u8s8).

The numpy evaluation also stands in for another CPU's float kernels (its fp32 MatMuls sum
in another order than onnxruntime's). For each model it prints one row: the share of
CLINC150 val messages (150 intent agents, train as their examples) whose top agent
differs between two settings, the share of quantised MatMul outputs that saturate, the
in-scope accuracy / oos recall (`nova eval routing`'s protocol) on this machine and on the
saturating path, the worst `nova agents lint` pair on both, and the running cost.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from int8_paths import NumpyGraph, saturating_graph  # noqa: E402

from novabot.agents.cards import load_cards  # noqa: E402
from novabot.routing.embedding.base import normalize_rows  # noqa: E402
from novabot.routing.embedding.wordpiece import MAX_LENGTH, WordPieceTokenizer  # noqa: E402
from novabot.routing.quality.data import ClincTask, load_clinc  # noqa: E402
from novabot.routing.quality.evaluation import evaluate_clinc  # noqa: E402
from novabot.routing.quality.lint import lint_cards  # noqa: E402
from novabot.routing.semantic.matcher import ScopeModel  # noqa: E402

MODELS = ROOT / "novabot" / "models"
CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "clinc150_dev.json"
Array = np.ndarray


class Memo:
    """Remembers every text's vector, so the routing eval, lint and flips share one pass."""

    dimension = 384

    def __init__(self, embedder: object) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.vectors: dict[str, Array] = {}

    def embed(self, texts: Sequence[str]) -> Array:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384))


# Settings and measurements


def routed_agents(embedder: Memo, splits: dict[str, list[tuple[str, str]]]) -> Array:
    """The top agent (no threshold) of every val and oos_val message."""
    texts, labels = zip(*splits["train"], strict=True)
    model = ScopeModel.train(texts, labels, embedder.embed(list(texts)))
    messages = [text for text, _ in splits["val"] + splits["oos_val"]]
    probabilities = model.probabilities(embedder.embed(messages), messages)
    return np.array(model.labels)[np.argmax(probabilities, axis=1)]


def accuracy(embedder: Memo, clinc: Path) -> str:
    score = evaluate_clinc(clinc, ClincTask(split="val", level="intent"), embedder)
    return f"{100 * score.in_scope_accuracy:.2f} / {100 * score.oos_recall:.0f}"


def worst_lint_pair(embedder: Memo) -> str:
    pairs = lint_cards(load_cards([ROOT / "prompts"]), embedder).overlapping_pairs()
    if not pairs:
        return "0 %"
    agent, other, share = pairs[0]
    return f"{agent} → {other} {100 * share:.0f} %"


class OrtEmbedder:
    """The graph (bytes) in onnxruntime with the given threads and optimisation level."""

    dimension = 384

    def __init__(self, graph: bytes, name: str, *, threads: int = 1, level: str = "ALL") -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.graph_optimization_level = getattr(
            ort.GraphOptimizationLevel, f"ORT_ENABLE_{level}"
        )
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.tokenizer = WordPieceTokenizer.from_file(
            MODELS / "minilm-l6-v2-vocab.txt", max_length=MAX_LENGTH
        )
        self.name = name

    def embed(self, texts: Sequence[str]) -> Array:
        rows = [
            self.session.run(None, {"ids": np.asarray(self.tokenizer.encode(t), dtype=np.int64)})[0]
            for t in texts
        ]
        return normalize_rows(np.stack(rows))


@dataclass
class Row:
    model: str
    flips: str
    saturable: str
    accuracy: str
    lint: str
    cost: str


def measure(model_dir: Path, clinc: Path) -> Row:
    splits = load_clinc(clinc, ClincTask(split="val", level="intent"))
    path = model_dir / "minilm-l6-v2-int8.onnx"
    plain = path.read_bytes()
    settings = {
        "here": Memo(OrtEmbedder(plain, "here")),
        "saturating": Memo(OrtEmbedder(saturating_graph(path), "saturating")),
        "2 threads": Memo(OrtEmbedder(plain, "2 threads", threads=2)),
        "basic": Memo(OrtEmbedder(plain, "basic", level="BASIC")),
    }
    agents = {name: routed_agents(embedder, splits) for name, embedder in settings.items()}
    here, saturating = settings["here"], settings["saturating"]
    return Row(
        model=model_dir.name,
        flips=" / ".join(
            _percent(np.mean(agents["here"] != agents[name])) for name in list(settings)[1:]
        ),
        saturable=_saturable_share(path),
        accuracy=f"{accuracy(here, clinc)} here, {accuracy(saturating, clinc)} saturating",
        lint=f"{worst_lint_pair(here)} here, {worst_lint_pair(saturating)} saturating",
        cost=running_cost(model_dir),
    )


def _saturable_share(path: Path) -> str:
    """The share of int8 weight pairs whose sum can leave int16 (0 with 7-bit weights)."""
    graph = NumpyGraph(path, saturate=True)
    pairs = sum(len(p[0]) for p in graph.pairs.values())
    total = sum(w.size // 2 for w in graph.wide.values())
    return f"{100 * pairs / max(total, 1):.2f} %" if total else "no int8 MatMul"


def _percent(share: float) -> str:
    return f"{100 * share:.2f} %"


def running_cost(model_dir: Path) -> str:
    """Load time, RSS and latency in a fresh process (one thread), so models don't mix."""
    code = (
        "import sys, time, numpy as np\n"
        "start = time.perf_counter()\n"
        "from novabot.routing.embedding import MiniLMEmbedder\n"
        f"e = MiniLMEmbedder(__import__('pathlib').Path({str(model_dir)!r}))\n"
        "load = time.perf_counter() - start\n"
        "texts = [line for line in sys.stdin.read().splitlines() if line]\n"
        "e.embed(texts[:20])\n"
        "times = []\n"
        "for t in texts:\n"
        "    s = time.perf_counter(); e.embed([t])\n"
        "    times.append(1000 * (time.perf_counter() - s))\n"
        # VmRSS, not ru_maxrss: a child's ru_maxrss keeps the parent's size from fork.
        "status = open('/proc/self/status').read().split('VmRSS:')[1].split()[0]\n"
        "rss = int(status) / 1024\n"
        "p50, p99 = np.percentile(times, [50, 99])\n"
        "print(f'p50 {p50:.2f} / p99 {p99:.2f} ms, load {load:.2f} s, RSS {rss:.0f} MB')\n"
    )
    splits = load_clinc(CLINC, ClincTask(split="val", level="intent"))
    texts = "\n".join(text for text, _ in splits["val"][:1000])
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=texts,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    return result.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="model folder (repeatable)")
    parser.add_argument("--clinc", type=Path, default=CLINC)
    args = parser.parse_args(argv)
    rows = [measure(folder, args.clinc) for folder in args.model or [MODELS]]
    print(
        "| model | top agent differs from this machine's: saturating / 2 threads / "
        "ORT_ENABLE_BASIC | weight pairs that can saturate | in-scope / oos recall "
        "| lint worst pair | cost |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.model} | {row.flips} | {row.saturable} | {row.accuracy} "
            f"| {row.lint} | {row.cost} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
