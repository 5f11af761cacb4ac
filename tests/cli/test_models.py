"""`nova models build --from` on a tiny MPNet, `nova models list`, and their one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.modelbuild.manifest import MPNET
from tests.cli.conftest import Nova
from tests.modelbuild.tiny import write_tiny_model


def test_build_then_list_shows_the_model_ok(nova_here: Nova, tmp_path: Path) -> None:
    tiny = write_tiny_model(tmp_path / "tiny")

    code, out, err = nova_here("models", "build", "--from", str(tiny))
    assert code == 0, err
    models = tmp_path / "models"  # beside NOVA_DB_PATH
    assert f"wrote {models / MPNET.onnx_file}" in out and "mean cosine" in out

    code, out, _ = nova_here("models", "list")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith(MPNET.name))
    assert line.endswith("ok") and "sha256" in line and "MB" in line

    code, out, _ = nova_here("models", "build", "--from", str(tiny))
    assert code == 0 and "already built" in out


def test_list_says_missing_and_a_damaged_file_is_named(nova_here: Nova, tmp_path: Path) -> None:
    code, out, _ = nova_here("models", "list")
    assert code == 0 and f"{MPNET.name}  missing" in out

    models = tmp_path / "models"
    models.mkdir()
    (models / MPNET.onnx_file).write_bytes(b"half a model")
    code, out, _ = nova_here("models", "list")
    assert "damaged" in out and "nova models build --force" in out


def test_bad_input_is_one_line_and_exit_2(nova_here: Nova, tmp_path: Path) -> None:
    code, _, err = nova_here("models", "build", "--from", str(tmp_path / "nowhere"))
    assert code == 2 and err.count("\n") == 1 and "is not a folder" in err

    code, _, err = nova_here("models", "build", "--from", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "model.safetensors" in err


def test_models_dir_setting_moves_the_models(
    nova_here: Nova, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_ROUTER_MODELS_DIR", str(tmp_path / "elsewhere"))
    code, out, _ = nova_here("models", "list")
    assert code == 0 and f"models in {tmp_path / 'elsewhere'}" in out
