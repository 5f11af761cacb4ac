"""Building a model end to end, from a tiny MPNet folder, and the source's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.modelbuild.build import build_mpnet
from novabot.modelbuild.manifest import MPNET, sha256, verify
from novabot.modelbuild.source import WHEEL_SHA256, BuildError, model_files
from tests.modelbuild.tiny import HIDDEN, write_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("tiny"))


def test_build_writes_model_vocab_and_a_manifest_that_verifies(tiny: Path, tmp_path: Path) -> None:
    said: list[str] = []
    result = build_mpnet(tiny, tmp_path / "models", report=said.append)

    manifest = verify(tmp_path / "models", MPNET)
    assert result.onnx_path == tmp_path / "models" / MPNET.onnx_file
    assert manifest["files"][MPNET.onnx_file]["sha256"] == result.sha256
    assert manifest["dimension"] == HIDDEN and manifest["license"] == "Apache-2.0"
    assert manifest["inputs"]["model.safetensors"] == sha256(tiny / "model.safetensors")
    assert result.outliers >= 1 and result.mean_cosine >= 0.99
    assert any("outlier channels" in line for line in said)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == sorted(
        [MPNET.onnx_file, MPNET.vocab_file, MPNET.manifest_file]
    )


def test_the_same_inputs_give_the_same_bytes(tiny: Path, tmp_path: Path) -> None:
    first = build_mpnet(tiny, tmp_path / "a", report=lambda _: None)
    second = build_mpnet(tiny, tmp_path / "b", report=lambda _: None)

    assert first.sha256 == second.sha256


def test_a_folder_without_weights_or_wheels_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        model_files(tmp_path, tmp_path)

    assert "model.safetensors" in str(caught.value) and "\n" not in str(caught.value)


def test_a_wheel_that_is_not_the_published_one_is_refused(tmp_path: Path) -> None:
    for name in WHEEL_SHA256:
        (tmp_path / name).write_bytes(b"not a wheel")

    with pytest.raises(BuildError, match="not the published wheel"):
        model_files(tmp_path, tmp_path)


def test_a_model_folder_needs_its_config_and_vocabulary(tiny: Path, tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes((tiny / "model.safetensors").read_bytes())

    with pytest.raises(BuildError, match=r"no config\.json, vocab\.txt"):
        model_files(tmp_path, tmp_path)
