"""Fault trials: each scenario of the reliability suite, run N times, as one table.

    .venv/bin/python benchmarks/reliability_trials.py [--tries 5] [-k EXPRESSION]

Every scenario in `tests/reliability/` drives real `nova run` processes against the fake
Slack, Discord and OpenAI servers (SIGKILL mid-answer, a kill during a final post, two
processes on one database, platform and LLM faults, bad input, access rules) and fails
if any message is lost or answered twice. Running each one several times, each in a
fresh pytest process, shows whether "lost 0" holds beyond one lucky run. A failed trial
counts as lost; its output goes to `benchmarks/.trials/` for reading.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "benchmarks" / ".trials"


def scenarios(expression: str | None) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/reliability"]
    if expression:
        command += ["-k", expression]
    listed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in listed.stdout.splitlines() if "::" in line]


def trial(node: str, number: int) -> tuple[bool, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        LOGS.mkdir(exist_ok=True)
        name = node.split("::")[-1].replace("/", "_")[:120]
        (LOGS / f"{name}.{number}.log").write_text(done.stdout + done.stderr)
    return done.returncode == 0, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("-k", dest="expression", help="only scenarios matching (pytest -k)")
    args = parser.parse_args()
    rows = []
    for node in scenarios(args.expression):
        results = [trial(node, n) for n in range(args.tries)]
        lost = sum(not ok for ok, _ in results)
        mean = sum(elapsed for _, elapsed in results) / len(results)
        rows.append((node.removeprefix("tests/reliability/"), len(results), lost, mean))
        print(f"  {rows[-1][0]}: lost {lost} of {len(results)}", file=sys.stderr, flush=True)
    width = max(len(row[0]) for row in rows)
    print(f"| {'scenario':<{width}} | tried | lost | s per try |")
    print(f"|{'-' * (width + 2)}|------:|-----:|----------:|")
    for name, tried, lost, mean in rows:
        print(f"| {name:<{width}} | {tried:>5} | {lost:>4} | {mean:>9.1f} |")


if __name__ == "__main__":
    main()
