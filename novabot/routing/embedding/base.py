"""What Nova's semantic router needs from a sentence encoder."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


class EmbeddingError(Exception):
    """An encoder cannot produce vectors; the one-line message says what to do about it."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors whose dot product is their cosine similarity."""

    name: str
    """Stable id of the model and its exact weights, e.g. "minilm-l6-v2-int8:<sha256 prefix>".

    Cached vectors are keyed by it, so it must change whenever the vectors would.
    """

    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), every row L2-normalised."""
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; an all-zero row stays zero instead of NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms).astype(np.float32)


def release_freed_memory() -> None:
    """Hand freed heap pages back to the system after loading a model.

    Loading parses files into buffers that are dropped once the model holds its own
    copies; glibc keeps such pages in its arenas unless asked (tens of MB of RSS). Not
    glibc (musl, macOS): nothing to do.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
