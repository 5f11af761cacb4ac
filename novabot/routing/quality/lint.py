"""Scope-clarity lint behind `nova agents lint`: do the agents' scopes stay apart?

Every example request on a scope card should sit nearer its own agent's scope than any
other agent's, in the same embedding space the semantic router uses. An example that
lands nearer another agent is a request the router may well send to the wrong place, so
users run this check in CI to catch overlapping cards before their users do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from novabot.agents.cards import ScopeCard

if TYPE_CHECKING:
    # Only the protocol is needed: any object with `embed` will do, so the lint can run
    # without the bundled model's runtime being importable.
    from novabot.routing.embedding import Embedder

Severity = Literal["error", "warning"]


class LintError(Exception):
    """The lint cannot run or draw; the message says what to do about it."""


@dataclass(frozen=True)
class StrayExample:
    """An example request that sits nearer another agent's scope than its own."""

    agent: str
    text: str
    nearer: str
    """The other agent it sits nearest to."""
    own_similarity: float
    other_similarity: float


@dataclass(frozen=True)
class CardProblem:
    agent: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class LintReport:
    """How far the routable agents' scopes overlap, and what is wrong with their cards."""

    agents: tuple[str, ...]
    overlap: Mapping[str, Mapping[str, float]]
    """`overlap[a][b]`: share of a's examples that sit nearer b than a (0 when a is b)."""
    example_counts: Mapping[str, int]
    strays: tuple[StrayExample, ...]
    problems: tuple[CardProblem, ...]
    failed: bool
    max_overlap: float

    def overlapping_pairs(self) -> list[tuple[str, str, float]]:
        """(agent, nearer agent, overlap) for every pair above 0, worst first."""
        pairs = [
            (agent, other, share)
            for agent, row in self.overlap.items()
            for other, share in row.items()
            if share > 0
        ]
        return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))

    def failing_pairs(self) -> list[tuple[str, str, float]]:
        return [pair for pair in self.overlapping_pairs() if pair[2] > self.max_overlap]

    def errors(self) -> list[CardProblem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, for `nova agents lint --json`."""
        return {
            "failed": self.failed,
            "max_overlap": self.max_overlap,
            "agents": list(self.agents),
            "example_counts": dict(self.example_counts),
            "overlap": {
                a: {b: round(v, 4) for b, v in row.items()} for a, row in self.overlap.items()
            },
            "strays": [
                {
                    "agent": stray.agent,
                    "text": stray.text,
                    "nearer": stray.nearer,
                    "own_similarity": round(stray.own_similarity, 4),
                    "other_similarity": round(stray.other_similarity, 4),
                }
                for stray in self.strays
            ],
            "problems": [
                {"agent": p.agent, "severity": p.severity, "message": p.message}
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class _Scope:
    """One agent's embedded evidence: its examples, and the sum of all its vectors."""

    name: str
    texts: tuple[str, ...]
    examples: np.ndarray
    """(k, d) example vectors, one row per entry of `texts`."""
    total: np.ndarray
    """(d,) sum of the example, description and `does` vectors."""

    @property
    def centroid(self) -> np.ndarray:
        return _normalised(self.total)


def lint_cards(
    cards: Sequence[ScopeCard],
    embedder: Embedder,
    *,
    max_overlap: float = 0.2,
    min_examples: int = 5,
) -> LintReport:
    """Measure how often each routable agent's examples sit nearer another agent's scope.

    The lint fails when some agent's examples land nearer one other agent more often
    than `max_overlap` (strictly), or when a card has an error-level problem.
    """
    routable = [card for card in cards if card.routable]
    scopes = _embed_scopes(routable, embedder)
    overlap, strays = _measure_overlap(scopes)
    problems = _card_problems(routable, min_examples)
    failed = any(share > max_overlap for row in overlap.values() for share in row.values())
    failed = failed or any(problem.severity == "error" for problem in problems)
    return LintReport(
        agents=tuple(scope.name for scope in scopes),
        overlap=overlap,
        example_counts={scope.name: len(scope.texts) for scope in scopes},
        strays=tuple(strays),
        problems=tuple(problems),
        failed=failed,
        max_overlap=max_overlap,
    )


def _embed_scopes(cards: Sequence[ScopeCard], embedder: Embedder) -> list[_Scope]:
    # Each distinct text is embedded once, in one batch: cards often repeat phrasing and
    # the model costs a few milliseconds per text.
    texts = list(dict.fromkeys(text for card in cards for text in _evidence(card)))
    rows = {text: index for index, text in enumerate(texts)}
    vectors = _embed(embedder, texts)
    scopes = []
    for card in cards:
        examples = vectors[[rows[text] for text in card.examples]]
        total = vectors[[rows[text] for text in _evidence(card)]].sum(axis=0)
        scopes.append(_Scope(card.name, tuple(card.examples), examples, total))
    return scopes


def _evidence(card: ScopeCard) -> list[str]:
    """Everything that says what the agent is for: its examples, description and `does`."""
    return [*card.examples, card.description, *card.does]


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, max(int(embedder.dimension), 1)))
    vectors = np.asarray(embedder.embed(texts), dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise LintError(
            f"embedder {embedder.name!r} returned shape {vectors.shape} for {len(texts)} texts"
        )
    # Normalised again so that a user's own embedder that skips it still gives cosines.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _normalised(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _measure_overlap(
    scopes: Sequence[_Scope],
) -> tuple[dict[str, dict[str, float]], list[StrayExample]]:
    overlap = {scope.name: dict.fromkeys((s.name for s in scopes), 0.0) for scope in scopes}
    strays: list[StrayExample] = []
    if not scopes:
        return overlap, strays
    centroids = np.stack([scope.centroid for scope in scopes])
    for index, scope in enumerate(scopes):
        if not scope.texts:
            continue
        own = _leave_one_out_similarity(scope)
        others = scope.examples @ centroids.T
        others[:, index] = -np.inf  # an agent is never "another" agent to itself
        beaten = others > own[:, None]
        for column, other in enumerate(scopes):
            if column != index:
                overlap[scope.name][other.name] = float(beaten[:, column].mean())
        strays += _strays(scope, scopes, own, others)
    strays.sort(key=lambda stray: stray.own_similarity - stray.other_similarity)
    return overlap, strays


def _leave_one_out_similarity(scope: _Scope) -> np.ndarray:
    """Each example's cosine to its own agent's centroid computed without that example.

    A centroid rather than the nearest other example: with five or so examples per card,
    one close paraphrase would decide a nearest-example score, while the centroid weighs
    the card's whole scope (description and `does` included), which is what the author
    declared. Leaving the example out stops it from vouching for itself, which would
    otherwise hide every stray in a small card.
    """
    rest = scope.total[None, :] - scope.examples
    norms = np.linalg.norm(rest, axis=1)
    dots = np.einsum("ij,ij->i", scope.examples, rest)
    # No evidence left (a lone example and nothing else) counts as no similarity at all.
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 1e-9)


def _strays(
    scope: _Scope, scopes: Sequence[_Scope], own: np.ndarray, others: np.ndarray
) -> list[StrayExample]:
    nearest = others.argmax(axis=1)
    return [
        StrayExample(
            agent=scope.name,
            text=text,
            nearer=scopes[int(nearest[row])].name,
            own_similarity=float(own[row]),
            other_similarity=float(others[row, nearest[row]]),
        )
        for row, text in enumerate(scope.texts)
        if others[row, nearest[row]] > own[row]
    ]


def _card_problems(cards: Sequence[ScopeCard], min_examples: int) -> list[CardProblem]:
    problems: list[CardProblem] = []
    for card in cards:
        problems += _single_card_problems(card, min_examples)
    return problems + _shared_examples(cards)


def _single_card_problems(card: ScopeCard, min_examples: int) -> list[CardProblem]:
    problems = []
    if len(card.examples) < min_examples:
        problems.append(
            CardProblem(
                card.name,
                "warning",
                f"has {len(card.examples)} examples; at least {min_examples} "
                "make its overlap figures reliable",
            )
        )
    if not card.does_not:
        problems.append(
            CardProblem(card.name, "error", "does_not is empty: say what this agent does not do")
        )
    # A repeated example is only a warning: it does not confuse the router, but it keeps
    # a copy of itself in the leave-one-out centroid, which hides a stray.
    for text, count in Counter(_key(text) for text in card.examples).items():
        if count > 1:
            problems.append(
                CardProblem(card.name, "warning", f"example {text!r} appears {count} times")
            )
    return problems


def _shared_examples(cards: Sequence[ScopeCard]) -> list[CardProblem]:
    """The same example on two cards is an error: it tells the router both agents fit."""
    owners: dict[str, list[str]] = {}
    for card in cards:
        for text in dict.fromkeys(_key(text) for text in card.examples):
            owners.setdefault(text, []).append(card.name)
    return [
        CardProblem(names[0], "error", f"example {text!r} is also an example of {other}")
        for text, names in owners.items()
        for other in names[1:]
    ]


def _key(text: str) -> str:
    """Examples differing only in case or spacing count as the same request."""
    return " ".join(text.casefold().split())
