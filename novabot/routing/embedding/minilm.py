"""all-MiniLM-L6-v2 on the CPU: Nova's offline sentence encoder.

The int8 ONNX graph and its vocabulary ship in `novabot/models/` (see the README there),
so embedding needs neither torch nor a network. One text is encoded per ONNX run: short
routing messages pay nothing for padding that way, and a run takes a few milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from novabot.routing.embedding.base import EmbeddingError, normalize_rows
from novabot.routing.embedding.onnx_session import open_session
from novabot.routing.embedding.wordpiece import MAX_LENGTH, WordPieceTokenizer

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
ONNX_FILE = "minilm-l6-v2-int8.onnx"
VOCAB_FILE = "minilm-l6-v2-vocab.txt"
DIMENSION = 384
_REGENERATE = "regenerate it with scripts/export_minilm.py (see novabot/models/README.md)"


class MiniLMEmbedder:
    """Sentence vectors from the shipped all-MiniLM-L6-v2 int8 model."""

    dimension = DIMENSION

    def __init__(self, model_dir: Path | None = None, *, intra_op_num_threads: int = 1) -> None:
        folder = MODELS_DIR if model_dir is None else model_dir
        # The file's hash, not a version string: any re-export invalidates cached vectors.
        self.name = f"minilm-l6-v2-int8:{_digest(folder / ONNX_FILE)[:16]}"
        self.tokenizer = _tokenizer(folder / VOCAB_FILE)
        self._session = open_session(
            folder / ONNX_FILE, intra_op_num_threads, model="MiniLM", fix=_REGENERATE
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.asarray(self.tokenizer.encode(text), dtype=np.int64)
            vectors[row] = self._session.run(None, {"ids": ids})[0]
        return normalize_rows(vectors)


def _digest(path: Path) -> str:
    try:
        with path.open("rb") as model:
            return hashlib.file_digest(model, "sha256").hexdigest()
    except OSError as exc:
        reason = exc.strerror or exc
        raise EmbeddingError(
            f"cannot read the MiniLM model {path} ({reason}); {_REGENERATE}"
        ) from exc


def _tokenizer(path: Path) -> WordPieceTokenizer:
    try:
        return WordPieceTokenizer.from_file(path, max_length=MAX_LENGTH)
    except (OSError, UnicodeDecodeError, KeyError) as exc:
        # KeyError: a vocabulary without [CLS]/[SEP]/[UNK] is not this model's.
        raise EmbeddingError(
            f"cannot use the MiniLM vocabulary {path} ({exc!r}); {_REGENERATE}"
        ) from exc


def _check_signature(session: ort.InferenceSession, path: Path) -> None:
    """A well-formed ONNX file of another shape would only fail at the first embed."""
    inputs = [i.name for i in session.get_inputs()]
    outputs = [(o.name, o.shape) for o in session.get_outputs()]
    if inputs != ["ids"] or outputs != [("pooled", [DIMENSION])]:
        found = f"inputs {inputs}, outputs {outputs}"
        raise EmbeddingError(f"the MiniLM model {path} is another graph ({found}); {_REGENERATE}")
