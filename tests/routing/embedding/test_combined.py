"""Encoders joined side by side: unit rows whose cosine is the mean of the parts' cosines."""

from __future__ import annotations

import numpy as np
import pytest

from novabot.routing.embedding import Embedder, MiniLMEmbedder
from novabot.routing.embedding.combined import ConcatEmbedder
from novabot.routing.factory import offline_encoder

TEXTS = ["which parts are low on stock?", "quelles pièces sont en rupture ?", "play some jazz"]


@pytest.fixture(scope="module")
def joined(minilm_embedder: MiniLMEmbedder) -> ConcatEmbedder:
    return ConcatEmbedder([minilm_embedder, offline_encoder("use")])


def test_the_joined_vector_is_a_unit_vector_of_both_widths(joined: ConcatEmbedder) -> None:
    vectors = joined.embed(TEXTS)

    assert isinstance(joined, Embedder)
    assert joined.dimension == 384 + 512 and vectors.shape == (3, 896)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert joined.embed([]).shape == (0, 896)


def test_its_cosine_is_the_mean_of_the_parts_cosines(joined: ConcatEmbedder) -> None:
    joined_cosines = joined.embed(TEXTS) @ joined.embed(TEXTS).T
    parts = [part.embed(TEXTS) for part in joined.parts]
    mean = sum(vectors @ vectors.T for vectors in parts) / len(parts)
    np.testing.assert_allclose(joined_cosines, mean, atol=1e-5)


def test_the_name_joins_the_parts_names(joined: ConcatEmbedder) -> None:
    assert joined.name == "+".join(part.name for part in joined.parts)
    assert joined.name.startswith("minilm-l6-v2-int8:") and "+use-m3-" in joined.name


def test_one_part_is_not_a_join(minilm_embedder: MiniLMEmbedder) -> None:
    with pytest.raises(ValueError, match="at least two parts"):
        ConcatEmbedder([minilm_embedder])
