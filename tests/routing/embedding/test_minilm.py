"""The shipped MiniLM encoder: shapes, meaning, agreement with sentence-transformers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from novabot.routing.embedding import Embedder, EmbeddingError, MiniLMEmbedder
from novabot.routing.embedding.minilm import MODELS_DIR, ONNX_FILE, VOCAB_FILE

DATA = Path(__file__).parent / "data"
# The rows of data/minilm_reference.npy: sentence-transformers' normalised embeddings of these.
REFERENCE_TEXTS = [
    "How do I reset the PIN of my bank card?",
    "Traduis « bonjour, ça va ? » en anglais, s'il te plaît.",
    "Summarise Tuesday's meeting notes in three bullet points.",
    " ".join(["the quick brown fox jumps over the lazy dog"] * 40),  # over 256 tokens
]


def test_vectors_are_unit_float32_rows(minilm_embedder: MiniLMEmbedder) -> None:
    vectors = minilm_embedder.embed(["hello there", "translate this into German", ""])

    assert isinstance(minilm_embedder, Embedder)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert minilm_embedder.embed([]).shape == (0, 384)


def test_name_pins_the_model_file(minilm_embedder: MiniLMEmbedder) -> None:
    name = minilm_embedder.name

    assert name.startswith("minilm-l6-v2-int8:") and len(name.split(":")[1]) == 16
    assert MiniLMEmbedder().name == name


def test_paraphrases_are_closer_than_unrelated_sentences(minilm_embedder: MiniLMEmbedder) -> None:
    reset, forgot, weather, translate, french = minilm_embedder.embed(
        [
            "how do I reset my password",
            "I forgot my password, how can I change it?",
            "what's the weather in Paris tomorrow",
            "translate good morning into French",
            "how do you say good morning in French",
        ]
    )

    assert reset @ forgot > reset @ weather + 0.3
    assert translate @ french > translate @ reset + 0.3
    assert translate @ french > 0.7


def test_vectors_agree_with_sentence_transformers(minilm_embedder: MiniLMEmbedder) -> None:
    reference = np.load(DATA / "minilm_reference.npy")

    cosines = (minilm_embedder.embed(REFERENCE_TEXTS) * reference).sum(axis=1)

    assert cosines.min() >= 0.98, cosines


def test_more_threads_give_the_same_vectors(minilm_embedder: MiniLMEmbedder) -> None:
    texts = REFERENCE_TEXTS[:2]
    threaded = MiniLMEmbedder(intra_op_num_threads=2).embed(texts)

    np.testing.assert_allclose(threaded, minilm_embedder.embed(texts), atol=1e-4)


def test_missing_model_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError) as caught:
        MiniLMEmbedder(tmp_path)

    message = str(caught.value)
    assert str(tmp_path / ONNX_FILE) in message and "scripts/export_minilm.py" in message
    assert "\n" not in message


def test_corrupt_model_is_an_embedding_error(tmp_path: Path) -> None:
    (tmp_path / ONNX_FILE).write_bytes(b"\x00not an onnx file" * 64)
    shutil.copyfile(MODELS_DIR / VOCAB_FILE, tmp_path / VOCAB_FILE)

    with pytest.raises(EmbeddingError, match="is unusable") as caught:
        MiniLMEmbedder(tmp_path)

    assert str(tmp_path / ONNX_FILE) in str(caught.value) and "\n" not in str(caught.value)


def test_missing_vocabulary_is_an_embedding_error(tmp_path: Path) -> None:
    shutil.copyfile(MODELS_DIR / ONNX_FILE, tmp_path / ONNX_FILE)

    with pytest.raises(EmbeddingError, match="vocabulary"):
        MiniLMEmbedder(tmp_path)
