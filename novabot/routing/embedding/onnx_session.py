"""One ONNX Runtime session per model file, set up the way Nova's encoders run them."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from novabot.routing.embedding.base import EmbeddingError

_QUIET = 3  # onnxruntime log severity ERROR: its shape-merge warnings are noise here


def open_session(path: Path, threads: int, *, model: str, fix: str) -> ort.InferenceSession:
    """A CPU session over `path`, or EmbeddingError naming `model` and how to `fix` it."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # the graph is one chain: parallel branches don't exist
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = _QUIET
    try:
        # A path, not the bytes: onnxruntime then holds no second copy of the file.
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's errors share no base class below Exception
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise EmbeddingError(f"the {model} model {path} is unusable ({detail}); {fix}") from exc
