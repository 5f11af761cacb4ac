"""What `nova models build` writes beside a model, and how its files are checked.

Imported at run time by the embedders and `nova models list`, so it needs nothing beyond
the standard library.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BuiltModel:
    """A model `nova models build` can make: its files in the models directory."""

    name: str
    onnx_file: str
    vocab_file: str
    manifest_file: str


MPNET = BuiltModel(
    name="mpnet-base-v2-int8",
    onnx_file="mpnet-base-v2-int8.onnx",
    vocab_file="mpnet-base-v2-vocab.txt",
    manifest_file="mpnet-base-v2.json",
)
BUILDABLE = (MPNET,)


class ManifestError(Exception):
    """A built model is missing or does not match its manifest; the message says which file."""


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_manifest(folder: Path, model: BuiltModel) -> dict[str, Any]:
    path = folder / model.manifest_file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path} is missing ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ManifestError(f"{path} is not JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ManifestError(f"{path} has no `files` table")
    return data


def verify(folder: Path, model: BuiltModel) -> dict[str, Any]:
    """The manifest, once every file it lists for the model has the sha256 it records."""
    manifest = read_manifest(folder, model)
    for name in (model.onnx_file, model.vocab_file):
        path = folder / name
        entry = manifest["files"].get(name)
        want = entry.get("sha256") if isinstance(entry, dict) else None
        try:
            digest = sha256(path)
        except OSError as exc:
            raise ManifestError(f"{path} is missing ({exc.strerror or exc})") from exc
        if digest != want:
            raise ManifestError(f"{path} does not match its manifest (sha256 {digest[:16]}…)")
    return manifest


def write_manifest(folder: Path, model: BuiltModel, details: dict[str, Any]) -> Path:
    files = {}
    for name in (model.onnx_file, model.vocab_file):
        path = folder / name
        files[name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    path = folder / model.manifest_file
    text = json.dumps({"model": model.name, "files": files, **details}, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path
