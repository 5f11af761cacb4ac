"""The semantic matcher on a small hand-made catalogue, with the model Nova ships."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from novabot.agents.cards import ScopeCard
from novabot.routing.embedding import Embedder, EmbeddingCache
from novabot.routing.factory import shared_minilm
from novabot.routing.semantic.matcher import (
    NEAREST_MIN_EXAMPLES,
    NEAREST_WEIGHT,
    ScopeModel,
    SemanticMatcher,
    learn_threshold,
)

WEATHER = ScopeCard(
    name="weather",
    description="Weather forecasts and current conditions for a place.",
    does=["Gives the forecast for a city", "Says whether it will rain or snow"],
    does_not=["Book travel", "Give news"],
    examples=[
        "what's the weather in Paris tomorrow?",
        "will it rain in London this weekend?",
        "how hot will it be in Madrid on Friday?",
        "is it going to snow in Denver tonight?",
        "forecast for Berlin next week",
    ],
)
TRAVEL = ScopeCard(
    name="travel",
    description="Plans trips: flights, trains, hotels and itineraries.",
    does=["Books flights, trains and hotels", "Plans itineraries"],
    does_not=["Forecast the weather"],
    examples=[
        "book me a flight to Rome on Monday",
        "find a hotel near the station in Lyon",
        "plan a three-day trip to Lisbon",
        "which train gets me to Brussels before noon?",
        "reserve a hotel room in Vienna for two nights",
    ],
)
MATH = ScopeCard(
    name="math",
    description="Explains and solves maths problems step by step.",
    does=["Solves equations", "Explains mathematical ideas"],
    does_not=["Write essays"],
    examples=[
        "solve 2x + 3 = 11",
        "what is the derivative of x squared?",
        "explain what a prime number is",
        "how do I compute the area of a circle?",
        "integrate sin(x) from 0 to pi",
    ],
)
CATALOGUE = [WEATHER, TRAVEL, MATH]


class CountingEmbedder:
    """The real model, counting how many texts it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def matcher() -> SemanticMatcher:
    return SemanticMatcher.from_cards(CATALOGUE, shared_minilm())


def best(matcher: SemanticMatcher, text: str) -> tuple[str, float]:
    top = matcher.rank(text)[0]
    return top.agent, top.score


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("is it sunny in Rome today?", "weather"),
        ("get me a plane ticket to Oslo", "travel"),
        ("what's 17 times 23?", "math"),
    ],
)
def test_unseen_paraphrases_reach_the_right_agent(
    matcher: SemanticMatcher, text: str, agent: str
) -> None:
    chosen, score = best(matcher, text)
    assert chosen == agent
    assert score >= matcher.threshold_for(agent)


def test_scores_are_probabilities_ranked_best_first(matcher: SemanticMatcher) -> None:
    ranking = matcher.rank("will it rain in Oslo?")
    scores = [c.score for c in ranking]
    assert scores == sorted(scores, reverse=True)
    assert {c.agent for c in ranking} == {"weather", "travel", "math"}
    assert ranking[0].agent == "weather"
    assert sum(scores) <= 1.0001  # probabilities, less whatever does_not evidence removed


def test_a_message_nobody_covers_is_below_every_threshold(matcher: SemanticMatcher) -> None:
    agent, score = best(matcher, "write me a sonnet about my cat")
    assert score < matcher.threshold_for(agent)


def test_does_not_sends_a_message_away_from_an_agent() -> None:
    # The travel agent's description mentions hotels, so a hotel booking goes to it;
    # once its card says it does not book hotel rooms, it no longer takes one.
    trips = TRAVEL.model_copy(
        update={
            "examples": [e for e in TRAVEL.examples if "hotel" not in e]
            + ["plan a weekend in Porto", "what should I pack for Iceland?"]
        }
    )
    refusing = trips.model_copy(update={"does_not": ["Book hotel rooms"]})
    request = "book me a hotel room in Madrid"
    before = SemanticMatcher.from_cards([trips, WEATHER, MATH], shared_minilm())
    after = SemanticMatcher.from_cards([refusing, WEATHER, MATH], shared_minilm())
    agent, score = best(before, request)
    assert agent == "travel" and score >= before.threshold_for("travel")
    travel_after = next(c.score for c in after.rank(request) if c.agent == "travel")
    assert travel_after < after.threshold_for("travel")
    assert travel_after < score / 5
    # Requests the card still covers are untouched.
    assert best(after, "book me a flight to Madrid")[0] == "travel"


def test_a_cards_own_threshold_overrides_the_learnt_one() -> None:
    strict = WEATHER.model_copy(update={"threshold": 0.99})
    matcher = SemanticMatcher.from_cards([strict, TRAVEL, MATH], shared_minilm())
    assert matcher.threshold_for("weather") == 0.99
    assert matcher.threshold_for("travel") == matcher.threshold < 0.99


def test_a_configured_threshold_replaces_learning() -> None:
    matcher = SemanticMatcher.from_cards(CATALOGUE, shared_minilm(), threshold=0.42)
    assert matcher.threshold_for("math") == 0.42


def test_the_learnt_threshold_accepts_most_held_out_examples(matcher: SemanticMatcher) -> None:
    assert 1 / len(CATALOGUE) <= matcher.threshold < 0.9
    texts = [text for card in CATALOGUE for text in card.examples]
    labels = [card.name for card in CATALOGUE for _ in card.examples]
    vectors = shared_minilm().embed(texts)
    assert learn_threshold(texts, labels, vectors) > 1 / len(CATALOGUE)


def test_card_embeddings_are_cached_until_the_card_changes(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    counting = CountingEmbedder(shared_minilm())
    SemanticMatcher.from_cards(CATALOGUE, counting, cache)
    first = counting.texts
    SemanticMatcher.from_cards(CATALOGUE, counting, cache)
    assert first > 0 and counting.texts == first
    changed = MATH.model_copy(update={"examples": [*MATH.examples, "what is 3 factorial?"]})
    SemanticMatcher.from_cards([WEATHER, TRAVEL, changed], counting, cache)
    assert counting.texts == first + len(changed.examples) + 1 + 2 + 1  # only math again


def test_the_trained_model_is_cached_until_an_example_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = EmbeddingCache(tmp_path)
    trained = SemanticMatcher.from_cards(CATALOGUE, shared_minilm(), cache)
    monkeypatch.setattr(ScopeModel, "train", refuse_to_train)
    cached = SemanticMatcher.from_cards(CATALOGUE, shared_minilm(), cache)
    assert cached.threshold == trained.threshold
    for text in ("will it snow in Oslo?", "solve x^2 = 9", "tell me a joke"):
        assert cached.rank(text) == trained.rank(text)
    changed = MATH.model_copy(update={"examples": [*MATH.examples, "what is 3 factorial?"]})
    with pytest.raises(AssertionError, match="trained again"):
        SemanticMatcher.from_cards([WEATHER, TRAVEL, changed], shared_minilm(), cache)


def test_a_damaged_cached_model_is_trained_again(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    trained = SemanticMatcher.from_cards(CATALOGUE, shared_minilm(), cache)
    [stored] = tmp_path.glob("*.npz")
    stored.write_bytes(stored.read_bytes()[:200])  # cut short, as by a crash mid-copy
    again = SemanticMatcher.from_cards(CATALOGUE, shared_minilm(), cache)
    assert again.threshold == trained.threshold
    assert again.rank("solve x^2 = 9") == trained.rank("solve x^2 = 9")
    assert len(stored.read_bytes()) > 200  # saved whole again


def refuse_to_train(*args: object, **kwargs: object) -> None:
    raise AssertionError("trained again")


def test_a_single_agent_gets_every_message() -> None:
    matcher = SemanticMatcher.from_cards([MATH], shared_minilm())
    # With one agent there is nothing to tell apart: the model gives it probability 1
    # and no threshold is learnt, so even a message its `does_not` cuts still reaches it.
    assert matcher.threshold == 0.0
    texts = ["anything at all", "hello", "solve 3x - 4 = 11", "write an essay about Rome"]
    assert matcher.model.probabilities(shared_minilm().embed(texts), texts).tolist() == [
        [1.0]
    ] * len(texts)
    for text in texts:
        agent, score = best(matcher, text)
        assert agent == "math" and score > matcher.threshold_for("math")
    # Clearly inside the scope the score is uncut; only `does_not` evidence lowers it.
    # ("anything at all" is about as near "Write essays" as anything math does: no assert.)
    assert best(matcher, "solve 3x - 4 = 11") == ("math", 1.0)
    assert best(matcher, "write an essay about Rome")[1] < 0.5


def clustered(agents: int, per_agent: int, dimension: int = 24) -> tuple[list[str], np.ndarray]:
    """Unit vectors around one random centre per agent, with word-free texts."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(agents, dimension))
    rows = np.repeat(centres, per_agent, axis=0) + 0.6 * rng.normal(
        size=(agents * per_agent, dimension)
    )
    labels = [f"agent{i}" for i in range(agents) for _ in range(per_agent)]
    return labels, rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_message_unlike_every_example_has_its_scores_cut() -> None:
    labels, vectors = clustered(agents=3, per_agent=NEAREST_MIN_EXAMPLES)
    texts = ["x"] * len(labels)
    model = ScopeModel.train(texts, labels, vectors)
    assert model.examples is not None and 0.0 < model.typical < 1.0
    # As near an example as usual: the probabilities stand, so margins mean what they did.
    familiar = vectors[:1]
    assert np.allclose(model.scores(familiar, ["x"]), model.probabilities(familiar, ["x"]))
    # Far from all of them: every score is cut by the same factor, the ranking kept.
    stranger = np.zeros((1, vectors.shape[1]), dtype=np.float32)
    stranger[0, 0] = 1.0
    nearest = float(np.max(vectors @ stranger[0]))
    assert nearest < model.typical
    expected = np.exp(NEAREST_WEIGHT * (nearest - model.typical))
    probabilities = model.probabilities(stranger, ["x"])
    assert np.allclose(model.scores(stranger, ["x"]), probabilities * expected, rtol=1e-4)
    assert np.argmax(model.scores(stranger, ["x"])) == np.argmax(probabilities)


def test_few_examples_per_agent_leave_the_probabilities_alone() -> None:
    labels, vectors = clustered(agents=3, per_agent=NEAREST_MIN_EXAMPLES - 1)
    model = ScopeModel.train(["x"] * len(labels), labels, vectors)
    assert model.examples is None
    stranger = np.eye(1, vectors.shape[1], dtype=np.float32)
    assert np.array_equal(model.scores(stranger, ["x"]), model.probabilities(stranger, ["x"]))
