"""The semantic scope matcher: which agent's scope a message falls in, or nobody's.

Every routable card's description, `does` statements and examples are embedded (offline,
cached on disk by a hash of the card) and a logistic regression over [embedding | TF-IDF]
learns to tell the agents apart. Its probabilities, lowered for a message far from every
example the agents gave (the nearest-example term), are the candidates' scores. A card's
`does_not` statements are evidence against that agent: a message nearer to one of them
than to anything the agent does has its score for that agent cut. Below an agent's
threshold the router abstains; thresholds are the card's own, the configured one, or
learnt by cross-validation over the cards' examples.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np

from novabot import __version__
from novabot.agents.cards import ScopeCard
from novabot.routing.embedding import Embedder, EmbeddingCache, cache_key
from novabot.routing.rules import RouteRule
from novabot.routing.scope import Candidate
from novabot.routing.semantic import logreg
from novabot.routing.semantic.calibration import (
    stratified_fold_ids,
    threshold_for_acceptance,
    threshold_for_recall,
)
from novabot.routing.semantic.subscopes import SUBSCOPE_SIZE, split_into_subscopes
from novabot.routing.semantic.tfidf import TfidfVocabulary

log = logging.getLogger(__name__)

DOES_NOT_SHARPNESS = 10.0
"""How hard `does_not` evidence cuts a score: by e^-(10 x the cosine it wins by)."""
ACCEPTED_EXAMPLES = 0.95
"""A learnt threshold still accepts this share of held-out example requests."""
MAX_THRESHOLD = 0.9
OUTSIDE_RECALL = 0.8
"""With `outside` requests, the threshold rejects this share of held-out ones (no more)."""
C = 10.0
"""The inverse regularisation strength of the scope model."""
NEAREST_WEIGHT = 5.0
"""β: a message less like the agents' examples than usual has its scores cut by
e^(β(c - c_typical)), c its cosine to the nearest in-scope example.

A probability says which agent is likeliest, not whether the message resembles anything
any agent does; the nearest example does. log p + β min(0, c - c_typical) orders messages
for abstention far better than log p alone (CLINC150, 20 examples per intent held out of
train: 97.3 % in scope at 80 % out-of-scope recall against 96.6 %); β from 3 to 7 did
about as well. Messages as close to an example as usual keep their probabilities as they
are, so score margins mean what they meant.
"""
NEAREST_MIN_EXAMPLES = 50
"""The term needs agents with this many texts each (median): with fewer, how close a
message in scope usually is to an example cannot be told from how close nonsense is."""
TYPICAL_QUANTILE = 0.5
"""c_typical: this quantile of the examples' cosines to their nearest other example."""
TYPICAL_SAMPLE = 2000
"""How many examples estimate c_typical."""
MODEL_FORMAT = "scope model 2"
"""Part of a cached model's key: raise it when training changes, so old models miss."""
OUTSIDE = "(outside)"
"""The class of requests no agent takes (never a card name: names are lowercase words)."""


@dataclass(frozen=True)
class ScopeModel:
    """A trained classifier from a message's embedding and words to agent probabilities."""

    labels: tuple[str, ...]
    vocabulary: TfidfVocabulary
    weights: logreg.LinearModel | None
    """None when there is a single agent: it gets every message."""
    owners: np.ndarray | None = None
    """The agent index of each class the weights score (see `subscopes`)."""
    examples: np.ndarray | None = None
    """The in-scope training vectors, for the nearest-example term (None: no term)."""
    typical: float = 1.0
    """c_typical: how close a message in scope usually is to its nearest other example."""

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray,
        c: float = C,
        subscope_size: int = SUBSCOPE_SIZE,
        ignored: Set[str] = frozenset(),
    ) -> ScopeModel:
        """`ignored` words are no TF-IDF features, alone or in a pair."""
        names = tuple(sorted(set(labels)))
        vocabulary = TfidfVocabulary.fit(texts, ignored)
        if len(names) < 2:
            return cls(names, vocabulary, None)
        index = {name: i for i, name in enumerate(names)}
        agents = np.array([index[label] for label in labels])
        classes, owners = split_into_subscopes(agents, vectors, subscope_size)
        features = vocabulary.transform(texts)
        weights = logreg.fit(vectors, features, classes, len(owners), c=c)
        if np.median(np.bincount(agents)) < NEAREST_MIN_EXAMPLES:
            return cls(names, vocabulary, weights, owners)
        examples = in_scope_rows(vectors, labels)
        return cls(names, vocabulary, weights, owners, examples, typical_nearest(examples))

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """(messages, agents) probabilities, columns in `labels` order."""
        if self.weights is None or self.owners is None:
            return np.ones((len(texts), len(self.labels)), dtype=np.float32)
        per_class = self.weights.probabilities(vectors, self.vocabulary.transform(texts))
        if len(self.owners) == len(self.labels):
            return per_class  # no agent was split
        pooled = np.zeros((len(texts), len(self.labels)), dtype=per_class.dtype)
        np.add.at(pooled.T, self.owners, per_class.T)
        return pooled

    def scores(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """(messages, agents) probabilities, each row lowered by how unlike any example
        the message is: what the router ranks and thresholds."""
        probabilities = self.probabilities(vectors, texts)
        if self.examples is None or len(self.examples) == 0 or self.weights is None:
            return probabilities  # a single agent takes everything: nothing to abstain on
        nearest = np.max(vectors @ self.examples.T, axis=1, keepdims=True)
        familiarity = np.exp(NEAREST_WEIGHT * np.minimum(nearest - self.typical, 0.0))
        return (probabilities * familiarity).astype(np.float32)


def in_scope_rows(vectors: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """The vectors of the agents' own examples: `outside` requests are nobody's scope."""
    keep = np.array([label != OUTSIDE for label in labels], dtype=bool)
    return np.ascontiguousarray(vectors[keep], dtype=np.float32)


def typical_nearest(examples: np.ndarray) -> float:
    """How close the examples are to their nearest other example, at `TYPICAL_QUANTILE`
    (1.0 when there are too few to tell)."""
    if len(examples) < 3:
        return 1.0
    rows = np.random.default_rng(0).permutation(len(examples))[:TYPICAL_SAMPLE]
    similarity = examples[rows] @ examples.T
    similarity[np.arange(len(rows)), rows] = -np.inf  # not itself
    return float(np.quantile(np.max(similarity, axis=1), TYPICAL_QUANTILE))


@dataclass(frozen=True)
class Boundary:
    """What an agent does and what it says it does not, as unit vectors."""

    does: np.ndarray
    does_not: np.ndarray

    def factor(self, vector: np.ndarray) -> float:
        """1 unless the message is nearer a `does_not` statement than anything the agent does."""
        if len(self.does_not) == 0:
            return 1.0
        against = float(np.max(self.does_not @ vector))
        toward = float(np.max(self.does @ vector)) if len(self.does) else 0.0
        return math.exp(-DOES_NOT_SHARPNESS * (against - toward)) if against > toward else 1.0


class SemanticMatcher:
    """Ranks agents by calibrated probability that the message is in their scope."""

    name = RouteRule.SEMANTIC

    def __init__(
        self,
        embedder: Embedder,
        model: ScopeModel,
        *,
        threshold: float,
        thresholds: Mapping[str, float] | None = None,
        boundaries: Mapping[str, Boundary] | None = None,
    ) -> None:
        self.embedder = embedder
        self.model = model
        self.threshold = threshold
        self.thresholds = dict(thresholds or {})
        self.boundaries = dict(boundaries or {})

    def rank(self, text: str) -> list[Candidate]:
        vector = self.embedder.embed([text])
        probabilities = self.model.scores(vector, [text])[0]
        scored = []
        for agent, probability in zip(self.model.labels, probabilities, strict=True):
            if agent == OUTSIDE:
                continue  # what it takes is what no agent gets: a lower score for each
            boundary = self.boundaries.get(agent)
            factor = boundary.factor(vector[0]) if boundary else 1.0
            scored.append(Candidate(agent, round(float(probability) * factor, 4)))
        return sorted(scored, key=lambda candidate: candidate.score, reverse=True)

    def threshold_for(self, agent: str) -> float:
        return self.thresholds.get(agent, self.threshold)

    @classmethod
    def from_cards(
        cls,
        cards: Sequence[ScopeCard],
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        *,
        threshold: float | None = None,
        outside: Sequence[str] = (),
        ignored_words: Set[str] = frozenset(),
    ) -> SemanticMatcher:
        """Embed the cards (from the cache when unchanged), train, and set thresholds.

        `outside` are requests that belong to no agent (outside.py): learnt as a class of
        their own, so a message like them leaves every agent a low score.
        `ignored_words` are left out of the TF-IDF part: words that tell a message's
        language rather than its scope.
        """
        texts, labels, boundaries = [], [], {}
        vectors = []
        for card in cards:
            does, does_not = card_texts(card)
            embedded = _embed_card(embedder, cache, does, does_not)
            vectors.append(embedded[: len(does)])
            texts += does
            labels += [card.name] * len(does)
            boundaries[card.name] = Boundary(embedded[: len(does)], embedded[len(does) :])
        if outside and cards:
            vectors.append(_embed_card(embedder, cache, list(outside), []))
            texts += outside
            labels += [OUTSIDE] * len(outside)
        matrix = np.vstack(vectors) if vectors else np.zeros((0, embedder.dimension))
        model, threshold = _trained(
            embedder.name, cache, texts, labels, matrix, threshold, ignored_words
        )
        own = {card.name: card.threshold for card in cards if card.threshold is not None}
        return cls(embedder, model, threshold=threshold, thresholds=own, boundaries=boundaries)


def card_texts(card: ScopeCard) -> tuple[list[str], list[str]]:
    """The texts that say what the agent does, and those that say what it does not."""
    return [card.description, *card.does, *card.examples], list(card.does_not)


def learn_threshold(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: np.ndarray,
    ignored: Set[str] = frozenset(),
) -> float:
    """A threshold learnt from held-out requests (see `held_out_scores`).

    It accepts `ACCEPTED_EXAMPLES` of the agents' held-out examples; with `outside`
    requests among them it is only as high as rejecting `OUTSIDE_RECALL` of those needs.
    """
    held_out = held_out_scores(texts, labels, vectors, ignored=ignored)
    if held_out is None:
        return 0.0
    learnt = threshold_for_acceptance(held_out.accepted, ACCEPTED_EXAMPLES)
    if len(held_out.outside):
        learnt = min(learnt, threshold_for_recall(held_out.outside, OUTSIDE_RECALL))
    return round(min(learnt, MAX_THRESHOLD), 4)


@dataclass(frozen=True)
class HeldOut:
    """Best-agent scores of examples scored by a model that never saw them."""

    accepted: np.ndarray
    """Of the agents' examples that went to their own agent."""
    outside: np.ndarray
    """Of the `outside` requests."""


def held_out_scores(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: np.ndarray,
    folds: int = 5,
    ignored: Set[str] = frozenset(),
) -> HeldOut | None:
    """Cross-validated scores: each fold is scored by a model trained without it, so they
    show how sure the router is about requests it has not seen. None: too few examples."""
    counts = {label: labels.count(label) for label in set(labels)}
    folds = min(folds, min(counts.values(), default=0))
    if len(counts) < 2 or folds < 2:
        return None
    fold_of = stratified_fold_ids(labels, folds)
    accepted, outside = [], []
    for fold in range(folds):
        train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        chosen = train.tolist()
        model = ScopeModel.train(
            [texts[i] for i in chosen], [labels[i] for i in chosen], vectors[train], ignored=ignored
        )
        scores = model.scores(vectors[test], [texts[i] for i in test.tolist()])
        agents = np.array([label != OUTSIDE for label in model.labels])
        for row, i in zip(scores, test.tolist(), strict=True):
            best = float(np.max(row[agents]))
            if labels[i] == OUTSIDE:
                outside.append(best)
            elif model.labels[int(np.argmax(row))] == labels[i]:
                accepted.append(best)
    return HeldOut(np.array(accepted), np.array(outside))


def _trained(
    embedder_name: str,
    cache: EmbeddingCache | None,
    texts: list[str],
    labels: list[str],
    vectors: np.ndarray,
    threshold: float | None,
    ignored: Set[str] = frozenset(),
) -> tuple[ScopeModel, float]:
    """The model and threshold over these examples: from the cache when nothing changed,
    since training (six fits with the learnt threshold) takes seconds at every start."""
    nearest = (NEAREST_WEIGHT, NEAREST_MIN_EXAMPLES, TYPICAL_QUANTILE, TYPICAL_SAMPLE)
    learning = (ACCEPTED_EXAMPLES, OUTSIDE_RECALL, MAX_THRESHOLD, C, SUBSCOPE_SIZE, nearest)
    settings = f"{MODEL_FORMAT} {__version__} threshold {threshold} learnt by {learning}"
    settings += f" ignoring {' '.join(sorted(ignored))}" if ignored else ""
    examples = (f"{label}\t{text}" for label, text in zip(labels, texts, strict=True))
    key = cache_key(embedder_name, [settings, *examples])
    stored = cache.load_arrays(key) if cache else None
    vocabulary = TfidfVocabulary.fit(texts, ignored)
    if stored is not None and (model := _restored(stored, labels, vocabulary, vectors)):
        log.info("router model and threshold from the cache: nothing to train (%s)", key[:12])
        return model, float(stored["threshold"]) if threshold is None else threshold
    started = time.perf_counter()
    model = ScopeModel.train(texts, labels, vectors, ignored=ignored)
    if threshold is None:
        threshold = learn_threshold(texts, labels, vectors, ignored)
    log.info(
        "router model trained on %d examples in %.2f s (%s)",
        len(texts),
        time.perf_counter() - started,
        key[:12],
    )
    if cache and model.weights is not None and model.owners is not None:
        weights = model.weights
        cache.save_arrays(
            key,
            {"dense": weights.dense, "sparse": weights.sparse, "bias": weights.bias,
             "owners": model.owners, "threshold": np.array(threshold),
             "typical": np.array(np.nan if model.examples is None else model.typical)},
        )  # fmt: skip
    return model, threshold


def _restored(
    stored: dict[str, np.ndarray],
    labels: list[str],
    vocabulary: TfidfVocabulary,
    vectors: np.ndarray,
) -> ScopeModel | None:
    """The stored model, or None when its arrays do not fit these examples."""
    names = tuple(sorted(set(labels)))
    shapes = {"dense": 2, "sparse": 2, "bias": 1, "owners": 1, "threshold": 0, "typical": 0}
    if any(name not in stored or stored[name].ndim != ndim for name, ndim in shapes.items()):
        return None
    dense, sparse, bias, owners = (stored[name] for name in ("dense", "sparse", "bias", "owners"))
    classes = len(bias)
    if (
        dense.shape != (vectors.shape[1], classes)
        or sparse.shape != (len(vocabulary), classes)
        or owners.shape != (classes,)
        or not np.isin(owners, np.arange(len(names))).all()
    ):
        return None
    weights = logreg.LinearModel(dense, sparse, bias)
    typical = float(stored["typical"])
    if np.isnan(typical):  # trained without the nearest-example term
        return ScopeModel(names, vocabulary, weights, owners)
    return ScopeModel(names, vocabulary, weights, owners, in_scope_rows(vectors, labels), typical)


def _embed_card(
    embedder: Embedder, cache: EmbeddingCache | None, does: list[str], does_not: list[str]
) -> np.ndarray:
    texts = does + does_not
    # The split point is part of the key: moving a statement to does_not changes the card.
    key = cache_key(embedder.name, [f"{len(does)} statements of scope", *texts])
    cached = cache.load(key) if cache else None
    if cached is not None and cached.shape[0] == len(texts):
        return cached
    vectors = embedder.embed(texts)
    if cache:
        cache.save(key, vectors)
    return vectors
