"""Several sentence encoders as one: their vectors side by side.

Each part's unit vector is scaled by 1/sqrt(number of parts), so the joined vector is a
unit vector again and its dot product with another is the mean of the parts' cosines.
MiniLM (sharp on English) joined with USE (trained across languages) keeps English
routing as it was while French, German or Polish requests find their agent too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from novabot.routing.embedding.base import Embedder, normalize_rows


class ConcatEmbedder:
    """The concatenation of `parts`' vectors; named `<part>+<part>…` for the cache."""

    def __init__(self, parts: Sequence[Embedder]) -> None:
        if len(parts) < 2:
            raise ValueError("a joined embedder needs at least two parts")
        self.parts = tuple(parts)
        self.name = "+".join(part.name for part in self.parts)
        self.dimension = sum(part.dimension for part in self.parts)
        self._scale = np.float32(1 / math.sqrt(len(self.parts)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # normalize_rows again: a part that already returns unit rows is unchanged by it.
        blocks = [normalize_rows(part.embed(texts)) * self._scale for part in self.parts]
        return np.hstack(blocks).astype(np.float32, copy=False)
