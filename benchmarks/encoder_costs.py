"""What each router backend costs per message, on this CPU and on CPUs without VNNI.

    .venv/bin/python benchmarks/encoder_costs.py [--backends minilm,mpnet] [--messages 300]

For every backend (a value of NOVA_ROUTER_BACKEND) and every integer path, a fresh
process builds the router over the shipped cards (from a cache warmed beforehand, so
training is not in the memory figure) and ranks CLINC150 `val` texts as a
stream of user messages, on one core (one ONNX and one BLAS thread). It reports
`rank()` p50 / p99 and the process's resident memory once the router is built and has
ranked every message.

The paths without VNNI are this machine with features hidden: `cpu/cpuid_mask.c`, built
here with gcc and preloaded, makes CPUID fault and clears the bits (AVX512_VNNI,
AVX-VNNI, AMX; or all of AVX-512), so onnxruntime picks the kernels such a CPU runs:
AVX-512BW or AVX2 `vpmaddubsw`. It needs a CPU with CPUID faulting (`cpuid_fault` in
/proc/cpuinfo); without it only this CPU's own path is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "clinc150_dev.json"
SHIM = Path(__file__).resolve().parent / "cpu" / "cpuid_mask.c"
PATHS = {"this CPU": "", "no VNNI (AVX-512BW)": "vnni", "no AVX-512 (AVX2)": "avx512"}
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

MEASURE = """
import json, os, sys, time
import numpy as np
from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.config.settings import load_settings
from novabot.routing.factory import build_matcher

texts = json.loads(sys.argv[1])
cards = [card for card in load_cards([shipped_cards_dir()]) if card.routable]
matcher = build_matcher(load_settings(), cards)
for text in texts[:20]:
    matcher.rank(text)  # first runs allocate ONNX buffers
times = []
for text in texts:
    started = time.perf_counter()
    matcher.rank(text)
    times.append((time.perf_counter() - started) * 1000)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99)),
    "rss": int(status["VmRSS"].split()[0]) / 1024, "peak": int(status["VmHWM"].split()[0]) / 1024,
    "backend": matcher.embedder.name,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="minilm", help="comma-separated backends")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--clinc", type=Path, default=CLINC)
    args = parser.parse_args()
    data = json.loads(args.clinc.read_text(encoding="utf-8"))
    texts = [text for text, _ in data["val"][: args.messages]]
    with tempfile.TemporaryDirectory() as folder:
        shim = _build_shim(Path(folder))
        paths = PATHS if shim else {"this CPU": ""}
        print("| backend | CPU path | rank() p50 / p99 | RSS after / peak |")
        print("|---|---|---|---|")
        for backend in args.backends.split(","):
            _measure(backend, "", None, texts[:1], Path(folder))  # embeds and trains the cards
            for path, hidden in paths.items():
                row = _measure(backend, hidden, shim, texts, Path(folder))
                print(f"| {backend} | {path} | {row} |")


def _build_shim(folder: Path) -> Path | None:
    if "cpuid_fault" not in Path("/proc/cpuinfo").read_text():
        print("no CPUID faulting on this CPU: measuring its own path only", file=sys.stderr)
        return None
    library = folder / "cpuid_mask.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", library, SHIM], check=True)
    return library


def _measure(backend: str, hidden: str, shim: Path | None, texts: list[str], tmp: Path) -> str:
    env = {**os.environ, **ONE_CORE, "NOVA_ROUTER_BACKEND": backend}
    env["NOVA_ROUTER_CACHE_DIR"] = str(tmp / f"cache-{backend}")  # shared by the paths
    env["NOVA_DB_PATH"] = str(tmp / "nova.db")
    if hidden and shim:
        env |= {"CPUID_MASK": hidden, "LD_PRELOAD": str(shim)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(texts)],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        return f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:80]} | -"
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return f"{got['p50']:.2f} / {got['p99']:.2f} ms | {got['rss']:.0f} / {got['peak']:.0f} MB"


if __name__ == "__main__":
    main()
