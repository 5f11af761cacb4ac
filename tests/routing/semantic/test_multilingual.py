"""Messages in other languages go to the multilingual matcher; English ones never do."""

from __future__ import annotations

import logging

import pytest

from novabot.routing.embedding import EmbeddingError
from novabot.routing.factory import offline_encoder, shared_minilm
from novabot.routing.language import LANGUAGE_WORDS
from novabot.routing.semantic.matcher import SemanticMatcher
from novabot.routing.semantic.multilingual import MultilingualMatcher
from tests.routing.semantic.test_matcher import CATALOGUE


class Builds:
    """Builds the multilingual matcher over the test catalogue, counting the builds."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> SemanticMatcher:
        self.count += 1
        return SemanticMatcher.from_cards(
            CATALOGUE, offline_encoder("use"), ignored_words=LANGUAGE_WORDS
        )


@pytest.fixture(scope="module")
def english() -> SemanticMatcher:
    return SemanticMatcher.from_cards(CATALOGUE, shared_minilm())


def test_english_messages_never_build_the_multilingual_matcher(english: SemanticMatcher) -> None:
    builds = Builds()
    matcher = MultilingualMatcher(english, builds)
    for text in ("will it rain in Oslo tomorrow?", "book me a train to Lyon", "solve 2x = 8"):
        assert matcher.rank(text) == english.rank(text)
    assert builds.count == 0
    assert matcher.threshold_for("math") == english.threshold_for("math")
    assert matcher.embedder is english.embedder


def test_other_languages_reach_their_agent_on_the_english_scale(english: SemanticMatcher) -> None:
    builds = Builds()
    matcher = MultilingualMatcher(english, builds)
    for text, agent in [
        ("va-t-il pleuvoir à Paris demain ?", "weather"),
        ("kannst du mir einen Flug nach Rom buchen?", "travel"),
        ("¿cuál es la derivada de x al cuadrado?", "math"),
    ]:
        best = matcher.rank(text)[0]
        assert best.agent == agent, text
        assert best.score >= matcher.threshold_for(agent), text
    assert builds.count == 1  # built at the first foreign message, then kept
    # Scores are mapped so the foreign matcher's threshold reads as the English one.
    foreign = matcher.foreign()
    assert foreign is not None
    raw = foreign.rank("va-t-il pleuvoir à Paris demain ?")
    mapped = matcher.rank("va-t-il pleuvoir à Paris demain ?")
    assert [c.agent for c in raw] == [c.agent for c in mapped]
    for before, after in zip(raw, mapped, strict=True):
        above = before.score >= foreign.threshold
        assert (after.score >= english.threshold - 1e-4) == above or before.score == 0


def test_without_the_multilingual_encoder_foreign_messages_go_to_the_english_matcher(
    english: SemanticMatcher, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> SemanticMatcher:
        raise EmbeddingError("the 'use' router backend needs the package")

    matcher = MultilingualMatcher(english, unavailable)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            text = "va-t-il pleuvoir à Paris demain ?"
            assert matcher.rank(text) == english.rank(text)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "needs the package" in warnings[0].getMessage()
