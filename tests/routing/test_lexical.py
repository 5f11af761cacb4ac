"""The lexical scope matcher on Nova's own shipped cards."""

from __future__ import annotations

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.routing.lexical import LexicalMatcher, words


@pytest.fixture(scope="module")
def matcher() -> LexicalMatcher:
    cards = load_cards([shipped_cards_dir()])
    return LexicalMatcher([card for card in cards if card.routable])


def test_words_drop_stopwords_and_meet_across_word_forms() -> None:
    assert words("Please translate the translation") == ["translat", "translat"]
    assert "the" not in words("the summary of the summaries")


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("translate 'good morning' into French", "translator"),
        ("how do you say cheese in Italian?", "translator"),
        ("summarize this article for me: The council met on Tuesday …", "summarizer"),
        ("fix the grammar in my cover letter", "proofreader"),
        ("hello!", "chat"),
    ],
)
def test_shipped_examples_route_paraphrases(matcher: LexicalMatcher, text: str, agent: str) -> None:
    best = matcher.rank(text)[0]
    assert best.agent == agent and best.score >= 0.3


def test_unrelated_text_scores_low(matcher: LexicalMatcher) -> None:
    assert matcher.rank("quarterly revenue projections for 2027")[0].score < 0.3


def test_a_long_text_does_not_drown_its_telling_word(matcher: LexicalMatcher) -> None:
    article = " ".join(f"sentence {i} about the harbour, ships and weather." for i in range(80))
    assert matcher.rank(f"summarize this: {article}")[0].agent == "summarizer"
