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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from scipy.special import erf  # noqa: E402

from novabot.cards import load_cards  # noqa: E402
from novabot.embedding.base import normalize_rows  # noqa: E402
from novabot.embedding.wordpiece import MAX_LENGTH, WordPieceTokenizer  # noqa: E402
from novabot.lint import lint_cards  # noqa: E402
from novabot.routing_eval import ClincTask, evaluate_clinc, load_clinc  # noqa: E402
from novabot.semantic import ScopeModel  # noqa: E402

MODELS = ROOT / "novabot" / "models"
CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "clinc150_dev.json"
INT16 = (-32768, 32767)
Array = np.ndarray


# The graph in numpy


class NumpyGraph:
    """Evaluates the MiniLM ONNX graph node by node, MatMulInteger exact or saturating."""

    def __init__(self, path: Path, *, saturate: bool) -> None:
        model = onnx.load(str(path))
        self.nodes = list(model.graph.node)
        self.constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        self.saturate = saturate
        weights = self._int8_weights()
        self.pairs = {name: _saturable_pairs(w) for name, w in weights.items()}
        # Converted once: float64 products of small integers are exact, and BLAS is fast.
        self.wide = {name: w.astype(np.float64) for name, w in weights.items()}
        self.column_sums = {name: w.sum(axis=0) for name, w in self.wide.items()}
        self.outputs = 0
        self.saturated = 0

    def _int8_weights(self) -> dict[str, Array]:
        names = {n.input[1] for n in self.nodes if n.op_type == "MatMulInteger"}
        return {name: self.constants[name] for name in names}

    def run(self, ids: Array) -> Array:
        values: dict[str, Array] = dict(self.constants, ids=ids)
        for node in self.nodes:
            inputs = [values[name] if name else None for name in node.input]
            attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            results = self._op(node, inputs, attributes)
            values.update(zip(node.output, results, strict=True))
        return values["pooled"]

    def _op(self, node: onnx.NodeProto, inputs: list, attributes: dict) -> Sequence[Array]:
        if node.op_type == "MatMulInteger":
            return [self._matmul_integer(*inputs, weight_name=node.input[1])]
        if node.op_type == "Split":
            return np.split(inputs[0], len(node.output), axis=attributes["axis"])
        if node.op_type == "DynamicQuantizeLinear":
            return _dynamic_quantize(inputs[0])
        return [OPS[node.op_type](*inputs, **attributes)]

    def _matmul_integer(
        self, a: Array, b: Array, a_zero: Array, b_zero: Array, *, weight_name: str
    ):
        wide_a, wide_b = a.astype(np.float64), self.wide[weight_name]
        sums = wide_a @ wide_b
        self.outputs += sums.size
        if self.saturate:
            sums += self._saturation(wide_a, weight_name, sums.shape)
        # The zero points are applied after the raw u8 x s8 sums, as the kernels do.
        b_zero = b_zero.astype(np.float64)
        sums -= float(a_zero) * (self.column_sums[weight_name] - len(wide_b) * b_zero)
        sums -= wide_a.sum(axis=1, keepdims=True) * b_zero
        return sums.astype(np.int32)

    def _saturation(self, a: Array, weight_name: str, shape: tuple[int, ...]) -> Array:
        """What clipping each adjacent pair of products to int16 takes off the exact sums."""
        k, n, b_even, b_odd = self.pairs[weight_name]
        pair = a[:, 2 * k] * b_even + a[:, 2 * k + 1] * b_odd
        lost = np.clip(pair, *INT16) - pair
        self.saturated += int(np.count_nonzero(lost))
        correction = np.zeros(shape)
        np.add.at(correction.T, n, lost.T)
        return correction


def _saturable_pairs(b: Array) -> tuple[Array, Array, Array, Array]:
    """(k, column, b[2k], b[2k+1]) of the pairs whose sum can leave int16 for some u8 input."""
    even, odd = b[0::2].astype(np.float64), b[1::2].astype(np.float64)
    most = 255 * (np.maximum(even, 0) + np.maximum(odd, 0))
    least = -255 * (np.maximum(-even, 0) + np.maximum(-odd, 0))
    k, n = np.nonzero((most > INT16[1]) | (least < INT16[0]))
    return k, n, even[k, n], odd[k, n]


def _layer_norm(x: Array, gamma: Array, beta: Array, axis: int, epsilon: float) -> Array:
    mean = x.mean(axis=axis, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axis, keepdims=True)
    return ((x - mean) / np.sqrt(variance + epsilon) * gamma + beta).astype(np.float32)


def _dynamic_quantize(x: Array) -> tuple[Array, Array, Array]:
    """ONNX DynamicQuantizeLinear: u8, the range widened to include 0, ties to even."""
    low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = np.float32((high - low) / 255) if high > low else np.float32(1)
    zero = np.clip(np.rint(-low / scale), 0, 255)
    quantized = np.clip(np.rint(x / scale) + zero, 0, 255).astype(np.uint8)
    return quantized, scale, np.uint8(zero)


def _softmax(x: Array, axis: int) -> Array:
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


OPS: dict[str, Callable[..., Array]] = {
    "Shape": lambda x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda table, ids: table[ids],
    "Slice": lambda x, start, end: x[int(start[0]) : int(end[0])],
    "Cast": lambda x, to: x.astype(onnx.helper.tensor_dtype_to_np_dtype(to)),
    "Mul": np.multiply,
    "Add": np.add,
    "Div": np.divide,
    "LayerNormalization": _layer_norm,
    "MatMul": np.matmul,
    "Reshape": lambda x, shape: x.reshape([d or x.shape[i] for i, d in enumerate(shape)]),
    "Transpose": lambda x, perm: x.transpose(perm),
    "Softmax": _softmax,
    "Erf": lambda x: erf(x).astype(np.float32),
    "ReduceMean": lambda x, axes, keepdims: x.mean(axis=tuple(axes), keepdims=bool(keepdims)),
}


# The saturating path in onnxruntime: the exact MatMulInteger plus what saturation takes off


def saturating_graph(path: Path) -> bytes:
    """The graph with each MatMulInteger's int16 pair clipping added back as a correction.

    Only the pairs that can leave int16 for some u8 input (a few per cent) are evaluated:
    Gather their two activations, clip the pair's sum, and scatter-add the difference into
    the product right after its Cast to float. Everything else runs on this machine's
    kernels, so comparing with the plain graph isolates the integer path.
    """
    model = onnx.load(str(path))
    constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    products = {n.output[0]: n for n in model.graph.node if n.op_type == "MatMulInteger"}
    nodes = []
    for node in model.graph.node:
        nodes.append(node)
        matmul = products.get(node.input[0]) if node.op_type == "Cast" else None
        if matmul is not None:
            corrected = node.output[0]
            node.output[0] = corrected + "_raw"
            extra, tensors = _correction(matmul.input[0], constants[matmul.input[1]], corrected)
            nodes += extra
            model.graph.initializer.extend(tensors)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model.SerializeToString()


def _correction(a: str, b: Array, cast: str) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    k, n, b_even, b_odd = _saturable_pairs(b)
    name = cast + "_sat"
    constants = {
        name + "_even": (2 * k).astype(np.int64),
        name + "_odd": (2 * k + 1).astype(np.int64),
        name + "_b_even": b_even.astype(np.float32),
        name + "_b_odd": b_odd.astype(np.float32),
        name + "_columns": n.astype(np.int64)[None, :],
        name + "_low": np.array(INT16[0], dtype=np.float32),
        name + "_high": np.array(INT16[1], dtype=np.float32),
    }
    make = onnx.helper.make_node
    nodes = [
        make("Gather", [a, name + "_even"], [name + "_ae_u8"], axis=1),
        make("Gather", [a, name + "_odd"], [name + "_ao_u8"], axis=1),
        make("Cast", [name + "_ae_u8"], [name + "_ae"], to=onnx.TensorProto.FLOAT),
        make("Cast", [name + "_ao_u8"], [name + "_ao"], to=onnx.TensorProto.FLOAT),
        make("Mul", [name + "_ae", name + "_b_even"], [name + "_pe"]),
        make("Mul", [name + "_ao", name + "_b_odd"], [name + "_po"]),
        make("Add", [name + "_pe", name + "_po"], [name + "_pair"]),
        make("Clip", [name + "_pair", name + "_low", name + "_high"], [name + "_clipped"]),
        make("Sub", [name + "_clipped", name + "_pair"], [name + "_lost"]),
        make("Shape", [name + "_lost"], [name + "_shape"]),
        make("Expand", [name + "_columns", name + "_shape"], [name + "_indices"]),
        make(
            "ScatterElements",
            [cast + "_raw", name + "_indices", name + "_lost"],
            [cast],
            axis=1,
            reduction="add",
        ),
    ]
    tensors = [numpy_helper.from_array(value, key) for key, value in constants.items()]
    return nodes, tensors


class NumpyEmbedder:
    """MiniLMEmbedder's interface over the numpy evaluation."""

    dimension = 384

    def __init__(self, path: Path, *, saturate: bool) -> None:
        self.graph = NumpyGraph(path, saturate=saturate)
        self.tokenizer = WordPieceTokenizer.from_file(
            MODELS / "minilm-l6-v2-vocab.txt", max_length=MAX_LENGTH
        )
        self.name = f"numpy:{path.name}:{'saturating' if saturate else 'exact'}"

    def embed(self, texts: Sequence[str]) -> Array:
        rows = [self.graph.run(np.asarray(self.tokenizer.encode(t), dtype=np.int64)) for t in texts]
        return normalize_rows(np.stack(rows).astype(np.float32))


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
        "from novabot.embedding import MiniLMEmbedder\n"
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
