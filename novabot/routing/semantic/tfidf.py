"""TF-IDF word features: the exact wording a message shares with an agent's examples.

Sentence embeddings capture meaning but blur distinctive words ("pto", "w2", "routing
number") that often decide between close intents; word and word-pair features keep them.
Rows are kept sparse because a catalogue's vocabulary runs to tens
of thousands of terms while a message uses a dozen.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence, Set

import numpy as np
from scipy import sparse

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Lower-cased words of two or more characters, plus every adjacent word pair."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class SparseRows:
    """TF-IDF rows as a SciPy CSR matrix (its C loops are ~10x numpy's for these products)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_columns: int):
        shape = (len(indptr) - 1, n_columns)
        self.matrix = sparse.csr_matrix((data, indices, indptr), shape=shape)
        self._transposed: sparse.csr_matrix | None = None

    @property
    def n_rows(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_columns(self) -> int:
        return self.matrix.shape[1]

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """rows @ weights, for a dense (n_columns, k) matrix."""
        return np.asarray(self.matrix @ weights)

    def transpose_dot(self, gradient: np.ndarray) -> np.ndarray:
        """rows.T @ gradient, for a dense (n_rows, k) matrix."""
        if self._transposed is None:  # training multiplies by the transpose every step
            self._transposed = self.matrix.T.tocsr()
        return np.asarray(self._transposed @ gradient)

    def take(self, rows: np.ndarray) -> SparseRows:
        """The given rows, in that order."""
        picked = self.matrix[rows]
        return SparseRows(picked.indptr, picked.indices, picked.data, self.n_columns)


class TfidfVocabulary:
    """Terms seen in training with their inverse document frequency (smoothed, +1)."""

    def __init__(self, columns: dict[str, int], idf: np.ndarray) -> None:
        self.columns = columns
        self.idf = idf

    @classmethod
    def fit(cls, texts: Sequence[str], ignored: Set[str] = frozenset()) -> TfidfVocabulary:
        """The terms of `texts`, leaving out every term with an `ignored` word in it."""
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update(set(terms(text)))
        vocabulary = sorted(t for t in document_frequency if ignored.isdisjoint(t.split()))
        count = len(texts)
        idf = [math.log((1 + count) / (1 + document_frequency[t])) + 1 for t in vocabulary]
        return cls({t: i for i, t in enumerate(vocabulary)}, np.array(idf, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.columns)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """Sublinear TF-IDF rows, each scaled to unit length; unseen terms are ignored."""
        indptr, indices, data = [0], [], []
        for text in texts:
            columns, values = self._row(text)
            indices.extend(columns)
            data.extend(values)
            indptr.append(len(indices))
        return SparseRows(
            np.array(indptr, dtype=np.int64),
            np.array(indices, dtype=np.int64),
            np.array(data, dtype=np.float32),
            len(self.columns),
        )

    def _row(self, text: str) -> tuple[list[int], list[float]]:
        counts = Counter(t for t in terms(text) if t in self.columns)
        columns = [self.columns[t] for t in counts]
        frequencies = zip(columns, counts.values(), strict=True)
        values = [(1 + math.log(n)) * float(self.idf[c]) for c, n in frequencies]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return columns, [v / norm for v in values]
