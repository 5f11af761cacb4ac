"""Reading labelled routing data: CLINC150's splits and a user's cases files.

Every problem with a file is an `EvalError` naming the file (and the line or split), so
`nova eval routing` can say it in one line.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from novabot.routing.quality.languages import Tag
from novabot.routing.semantic.calibration import DEFAULT_OOS_RECALL

OOS = "oos"


class EvalError(Exception):
    """The evaluation cannot run; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ClincTask:
    split: str = "val"
    level: str = "intent"
    shots: int | None = None
    seed: int = 0
    target_recall: float = DEFAULT_OOS_RECALL
    calibrate: Literal["train", "split"] = "train"


def load_clinc(path: Path, task: ClincTask) -> dict[str, list[tuple[str, str]]]:
    """The splits the task needs, as (text, label) with labels at the task's level."""
    data = _read_json(path)
    needed = ["train", task.split, f"oos_{task.split}"]
    if task.calibrate == "train":
        needed.append("oos_train")
    elif task.split == "test":
        needed += ["val", "oos_val"]
    missing = [name for name in needed if name not in data]
    if missing:
        raise EvalError(f"{path}: no {', '.join(missing)} split (CLINC150 data_full.json layout)")
    relabel = _domain_labels(path) if task.level == "domain" else (lambda label: label)
    splits = {}
    for name in needed:
        rows = _rows(path, name, data[name])
        splits[name] = [(t, label if label == OOS else relabel(label)) for t, label in rows]
    splits["train"] = [row for row in splits["train"] if row[1] != OOS]
    if not splits["train"]:
        raise EvalError(f"{path}: the train split has no in-scope examples")
    if task.shots:
        splits["train"] = _sample_shots(splits["train"], task.shots, task.seed)
    return splits


def _rows(path: Path, name: str, rows: object) -> list[tuple[str, str]]:
    """A split's [text, label] pairs, checked: a malformed row is named, not guessed at."""
    if not isinstance(rows, list):
        raise EvalError(f"{path}: split '{name}' is not a list")
    checked = []
    for number, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)):
            raise EvalError(f"{path}: split '{name}' row {number}: expected [text, label]")
        checked.append((row[0], row[1]))
    return checked


def _sample_shots(rows: list[tuple[str, str]], shots: int, seed: int) -> list[tuple[str, str]]:
    by_label: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    picked = []
    for label in sorted(by_label):
        members = by_label[label]
        picked += rng.sample(members, min(shots, len(members)))
    return picked


def _domain_labels(path: Path) -> Callable[[str], str]:
    domains_file = path.parent / "domains.json"
    mapping = _read_json(domains_file)
    intent_to_domain = {intent: domain for domain, intents in mapping.items() for intent in intents}

    def relabel(intent: str) -> str:
        if intent not in intent_to_domain:
            raise EvalError(f"{domains_file}: intent '{intent}' is in no domain")
        return intent_to_domain[intent]

    return relabel


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise EvalError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EvalError(f"{path}: expected a JSON object")
    return data


def read_cases(path: Path, agents: set[str]) -> tuple[list[tuple[str, str | None]], list[Tag]]:
    """The (text, agent) cases, and each line's language tag (languages.py)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"{path}: cannot be read ({exc})") from None
    cases, tags = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, agent = str(row["text"]), row.get("agent")
        except (ValueError, KeyError, TypeError):
            raise EvalError(f'{path}:{number}: expected {{"text": ..., "agent": ...}}') from None
        if agent is not None and agent not in agents:
            known = ", ".join(sorted(agents))
            raise EvalError(f"{path}:{number}: no agent named '{agent}' (agents: {known})")
        cases.append((text, agent))
        tags.append(Tag.of(row))
    if not cases:
        raise EvalError(f"{path}: no cases")
    return cases, tags
