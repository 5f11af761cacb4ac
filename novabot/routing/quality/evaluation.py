"""`nova eval routing`: how often the router picks the right agent, and says "not mine".

Two yardsticks:
- CLINC150 (Larson et al., 2019): one agent per intent (150) or per domain (10), built
  from the `train` split. By default `oos_train` is learnt as requests nobody takes (as
  Nova's own `outside` requests are) and the threshold is calibrated as `nova run` learns
  one: on cross-validation folds of train + oos_train, so the scored split never touches
  it. `calibrate="split"` calibrates on `val` + `oos_val` instead (each fold of val from
  the other folds when val itself is scored): the yardstick of earlier measurements.
- A user's own labelled messages (`--cases`, JSON lines of {"text", "agent"}; agent null
  for out of scope) against the configured agents.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from novabot.oneline import one_line
from novabot.routing.embedding import Embedder, EmbeddingCache, cache_key
from novabot.routing.quality.data import OOS, ClincTask, EvalError, load_clinc, read_cases
from novabot.routing.quality.languages import (
    LanguageScore,
    format_languages,
    language_scores,
)
from novabot.routing.scope import ScopeMatcher
from novabot.routing.semantic.calibration import (
    cross_fitted_thresholds,
    threshold_for_recall,
)
from novabot.routing.semantic.matcher import (
    OUTSIDE,
    ScopeModel,
    SemanticMatcher,
    held_out_scores,
)

Progress = Callable[[int, int], None]


@dataclass
class RoutingScore:
    in_scope_accuracy: float
    oos_recall: float
    oos_precision: float
    p50_ms: float
    p99_ms: float
    n_in_scope: int
    n_oos: int
    backend: str
    details: dict[str, object] = field(default_factory=dict)
    misrouted: list[Misrouted] = field(default_factory=list)
    """With `--cases`: every message the router got wrong, to fix the cards by."""
    languages: list[LanguageScore] = field(default_factory=list)
    """With `--cases` whose lines carry "lang": the scores per language (languages.py)."""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.update(data.pop("details"))
        if not self.misrouted:
            del data["misrouted"]
        del data["languages"]
        if self.languages:
            data["languages"] = {score.lang: score.as_dict() for score in self.languages}
        return data


@dataclass(frozen=True)
class Misrouted:
    text: str
    expected: str | None
    """None: out of scope."""
    got: str | None
    """None: the router abstained."""
    score: float


@dataclass(frozen=True)
class Scored:
    """The router's verdict on one message: best agent, its score, and the time it took."""

    agent: str
    score: float
    ms: float


def evaluate_clinc(
    path: Path,
    task: ClincTask,
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
) -> RoutingScore:
    started = time.perf_counter()
    splits = load_clinc(path, task)
    examples = splits["train"]
    if task.calibrate == "train":
        examples = examples + [(text, OUTSIDE) for text, _ in splits["oos_train"]]
    texts, labels = zip(*examples, strict=True)
    vectors = embed_cached(embedder, list(texts), cache, progress)
    model = ScopeModel.train(texts, labels, vectors)
    matcher = SemanticMatcher(embedder, model, threshold=0.0)
    scored_in, truth = _score(matcher, [r for r in splits[task.split] if r[1] != OOS])
    scored_oos, _ = _score(matcher, splits[f"oos_{task.split}"])
    in_scores = np.array([s.score for s in scored_in])
    oos_scores = np.array([s.score for s in scored_oos])
    if task.calibrate == "train":
        threshold = _threshold_from_train(list(texts), list(labels), vectors, task.target_recall)
        in_t, oos_t = np.full(in_scores.shape, threshold), np.full(oos_scores.shape, threshold)
        chosen = [threshold]
    elif task.split == "val":
        in_t, oos_t, chosen = cross_fitted_thresholds(in_scores, oos_scores, task.target_recall)
    else:
        # Only val's out-of-scope scores move the choice: the lowest threshold that
        # reaches the recall target keeps the most in-scope answers.
        calibration, _ = _score(matcher, splits["oos_val"])
        calibration_scores = np.array([s.score for s in calibration])
        threshold = threshold_for_recall(calibration_scores, task.target_recall)
        in_t, oos_t = np.full(in_scores.shape, threshold), np.full(oos_scores.shape, threshold)
        chosen = [threshold]
    correct = np.array([s.agent == label for s, label in zip(scored_in, truth, strict=True)])
    score = _summarise(correct, in_scores >= in_t, oos_scores < oos_t, scored_in + scored_oos)
    score.backend = embedder.name
    score.details = {
        "split": task.split,
        "level": task.level,
        "agents": sum(label != OUTSIDE for label in model.labels),
        "train_examples": len(splits["train"]),
        "shots": task.shots,
        "target_oos_recall": task.target_recall,
        "calibrated_on": "train folds" if task.calibrate == "train" else task.split,
        "thresholds": [round(t, 4) for t in chosen],
        "no_abstention_accuracy": round(float(correct.mean()), 4) if len(correct) else 0.0,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return score


def _threshold_from_train(
    texts: list[str], labels: list[str], vectors: np.ndarray, target_recall: float
) -> float:
    """The lowest threshold that rejects `target_recall` of the held-out oos_train requests."""
    held_out = held_out_scores(texts, labels, vectors)
    if held_out is None or len(held_out.outside) == 0:
        raise EvalError("calibrating on train needs at least 2 examples per intent and oos_train")
    return threshold_for_recall(held_out.outside, target_recall)


def evaluate_cases(path: Path, matcher: ScopeMatcher, agents: Sequence[str]) -> RoutingScore:
    """Score the configured router on a user's labelled messages."""
    cases, tags = read_cases(path, set(agents))
    for text, _ in cases:
        matcher.rank(text)  # untimed: what is built at a first message (the multilingual
        # matcher) would otherwise count as that message's latency
    verdicts = [_timed_rank(matcher, text) for text, _ in cases]
    picked = [_picked(matcher, verdict) for verdict in verdicts]
    in_scope = [i for i, (_, agent) in enumerate(cases) if agent is not None]
    oos = [i for i, (_, agent) in enumerate(cases) if agent is None]
    correct = np.array([picked[i] == cases[i][1] for i in in_scope], dtype=bool)
    score = _summarise(
        correct,
        np.ones(len(in_scope), dtype=bool),
        np.array([picked[i] is None for i in oos], dtype=bool),
        verdicts,
        abstained_in=np.array([picked[i] is None for i in in_scope], dtype=bool),
    )
    score.backend = getattr(getattr(matcher, "embedder", None), "name", matcher.name)
    score.details = {"cases": str(path), "agents": len(agents)}
    score.misrouted = [
        Misrouted(text, expected, got, verdict.score)
        for (text, expected), got, verdict in zip(cases, picked, verdicts, strict=True)
        if got != expected
    ]
    score.languages = language_scores(
        cases, picked, tags, lambda text: _picked(matcher, _timed_rank(matcher, text))
    )
    return score


def _picked(matcher: ScopeMatcher, verdict: Scored) -> str | None:
    """The agent the router would hand the message to; None when it abstains."""
    return verdict.agent if verdict.score >= matcher.threshold_for(verdict.agent) else None


def embed_cached(
    embedder: Embedder,
    texts: list[str],
    cache: EmbeddingCache | None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Embed many texts, reusing a previous run's vectors for the same texts and model."""
    key = cache_key(embedder.name, texts)
    cached = cache.load(key) if cache else None
    if cached is not None and len(cached) == len(texts):
        return cached
    chunk = 64
    parts = []
    for start in range(0, len(texts), chunk):
        parts.append(embedder.embed(texts[start : start + chunk]))
        if progress:
            progress(min(start + chunk, len(texts)), len(texts))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
    if cache:
        cache.save(key, vectors)
    return vectors


def format_score(score: RoutingScore) -> str:
    rows = [
        ("in-scope accuracy", f"{score.in_scope_accuracy:.2%}"),
        ("out-of-scope recall", f"{score.oos_recall:.2%}"),
        ("out-of-scope precision", f"{score.oos_precision:.2%}"),
        ("routing latency p50 / p99", f"{score.p50_ms:.2f} / {score.p99_ms:.2f} ms"),
        ("messages (in scope / out of scope)", f"{score.n_in_scope} / {score.n_oos}"),
        ("backend", score.backend),
    ]
    rows += [(name.replace("_", " "), _show(value)) for name, value in score.details.items()]
    width = max(len(name) for name, _ in rows)
    table = "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
    return table + format_languages(score.languages) + _misrouted_section(score.misrouted)


def _misrouted_section(misrouted: Sequence[Misrouted]) -> str:
    if not misrouted:
        return ""
    lines = ["", "", "misrouted (expected → got, score):"]
    for case in misrouted:
        expected = case.expected or "nobody"
        got = case.got or "nobody (abstained)"
        lines.append(f"  {expected} → {got}  {case.score:.2f}  {one_line(case.text, 60)}")
    return "\n".join(lines)


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "-" if value is None else str(value)


def _summarise(
    correct: np.ndarray,
    accepted: np.ndarray,
    oos_rejected: np.ndarray,
    verdicts: Sequence[Scored],
    abstained_in: np.ndarray | None = None,
) -> RoutingScore:
    """The four numbers; `correct` and `accepted` are per in-scope message."""
    if abstained_in is None:
        abstained_in = ~accepted
    rejected = int(oos_rejected.sum())
    wrongly_rejected = int(abstained_in.sum())
    times = np.array([v.ms for v in verdicts]) if verdicts else np.zeros(1)
    return RoutingScore(
        in_scope_accuracy=_mean(correct & accepted),
        oos_recall=_mean(oos_rejected),
        oos_precision=round(rejected / (rejected + wrongly_rejected), 4)
        if rejected + wrongly_rejected
        else 0.0,
        p50_ms=round(float(np.percentile(times, 50)), 3),
        p99_ms=round(float(np.percentile(times, 99)), 3),
        n_in_scope=len(correct),
        n_oos=len(oos_rejected),
        backend="",
    )


def _mean(flags: np.ndarray) -> float:
    return round(float(flags.mean()), 4) if len(flags) else 0.0


def _score(
    matcher: ScopeMatcher, rows: Sequence[tuple[str, str]]
) -> tuple[list[Scored], list[str]]:
    return [_timed_rank(matcher, text) for text, _ in rows], [label for _, label in rows]


def _timed_rank(matcher: ScopeMatcher, text: str) -> Scored:
    started = time.perf_counter()
    best = matcher.rank(text)[0]
    return Scored(best.agent, best.score, (time.perf_counter() - started) * 1000)


def print_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr while the training examples are embedded."""
    width = 30
    filled = int(width * done / max(total, 1))
    bar = "#" * filled + "-" * (width - filled)
    sys.stderr.write(f"\rembedding training examples [{bar}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
