"""all-mpnet-base-v2 on the CPU: Nova's stronger offline sentence encoder.

Unlike MiniLM it does not ship with Nova (the int8 file is about 110 MB): `nova models
build` makes it from the published weights into the models directory, with a manifest of
sha256s that is checked here before the file is trusted. One text per ONNX run, as for MiniLM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from novabot.modelbuild.manifest import MPNET, ManifestError, verify
from novabot.routing.embedding.base import EmbeddingError, normalize_rows, release_freed_memory
from novabot.routing.embedding.onnx_session import open_session
from novabot.routing.embedding.wordpiece import MPNET_SPECIALS, WordPieceTokenizer

DIMENSION = 768  # all-mpnet-base-v2's; the manifest says what a built file has
MAX_LENGTH = 384  # sentence-transformers' max_seq_length for all-mpnet-base-v2
_BUILD = "run `nova models build`"


class MPNetEmbedder:
    """Sentence vectors from the int8 all-mpnet-base-v2 that `nova models build` made."""

    def __init__(self, models_dir: Path, *, intra_op_num_threads: int = 1) -> None:
        try:
            manifest = verify(models_dir, MPNET)
        except ManifestError as exc:
            raise EmbeddingError(f"the MPNet model is not usable: {exc}; {_BUILD}") from exc
        # The file's hash (checked above): a rebuild invalidates cached vectors.
        self.name = f"{MPNET.name}:{manifest['files'][MPNET.onnx_file]['sha256'][:16]}"
        self.dimension = int(manifest.get("dimension", DIMENSION))
        self.tokenizer = _tokenizer(models_dir / MPNET.vocab_file)
        self._session = open_session(
            models_dir / MPNET.onnx_file, intra_op_num_threads, model="MPNet", fix=_BUILD
        )
        _check_signature(self._session, models_dir / MPNET.onnx_file, self.dimension)
        release_freed_memory()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.asarray(self.tokenizer.encode(text), dtype=np.int64)
            vectors[row] = self._session.run(None, {"ids": ids})[0]
        return normalize_rows(vectors)


@functools.cache
def shared_mpnet(models_dir: Path | None) -> MPNetEmbedder:
    """One loaded model per process and folder: every bot started in it shares it."""
    if models_dir is None:
        raise EmbeddingError(f"the MPNet model needs a models folder; {_BUILD}")
    return MPNetEmbedder(models_dir)


def _tokenizer(path: Path) -> WordPieceTokenizer:
    try:
        return WordPieceTokenizer.from_file(path, max_length=MAX_LENGTH, specials=MPNET_SPECIALS)
    except (OSError, UnicodeDecodeError, KeyError) as exc:
        raise EmbeddingError(f"cannot use the MPNet vocabulary {path} ({exc!r}); {_BUILD}") from exc


def _check_signature(session: ort.InferenceSession, path: Path, dimension: int) -> None:
    """A well-formed ONNX file of another shape would only fail at the first embed."""
    inputs = [i.name for i in session.get_inputs()]
    outputs = [(o.name, o.shape) for o in session.get_outputs()]
    if inputs != ["ids"] or outputs != [("pooled", [dimension])]:
        found = f"inputs {inputs}, outputs {outputs}"
        raise EmbeddingError(f"the MPNet model {path} is another graph ({found}); {_BUILD}")
