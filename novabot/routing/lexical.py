"""A lexical scope matcher: which agent's example requests share the message's words.

This is the router's simple, dependency-free way to rank agents. It is one
`ScopeMatcher`; a semantic matcher can replace it without touching the router.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from novabot.agents.cards import ScopeCard
from novabot.routing.rules import RouteRule
from novabot.routing.scope import Candidate

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    """a an the this that these those it its is are was were be been am i me my you your we
    our us he she they them his her their to of in on at for from by with into onto about as
    and or but if then so do does did can could would should will shall may might must
    please pls what which who whom how why when where there here some any all just also
    very really too not no yes ok okay hey hi let let's i'm it's that's what's""".split()
)
# Nouns are first turned back into their verb, then one inflection is cut.
_REWRITES: tuple[tuple[str, str], ...] = (
    ("izations", "ize"),
    ("ization", "ize"),
    ("ations", "ate"),
    ("ation", "ate"),
)
_REWRITES += (("ators", "ate"), ("ator", "ate"), ("ies", "y"))
_SUFFIXES: tuple[str, ...] = ("ions", "ion", "izing", "ising", "ize", "ise", "ing", "ed")
_SUFFIXES += ("es", "er", "or", "ly", "s", "e", "y")


def words(text: str) -> list[str]:
    """Content words, lower-cased and crudely stemmed so 'translation' meets 'translate'."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    word = word.removesuffix("'s")
    for ending, verb in _REWRITES:
        if word.endswith(ending):
            word = word[: -len(ending)] + verb
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class LexicalMatcher:
    """Scores an agent by how much of its best-matching example the message contains.

    Words are weighted by how few agents use them, so a word every card mentions
    ("text") counts little and a distinctive one ("translate") counts a lot. Measuring
    coverage of the example (not of the message) keeps a long text to summarise from
    drowning its one telling word.
    """

    name = RouteRule.LEXICAL

    def __init__(self, cards: Sequence[ScopeCard], *, threshold: float = 0.3) -> None:
        self.threshold = threshold
        self._examples = {card.name: [set(words(e)) for e in card.examples] for card in cards}
        self._examples = {name: [e for e in ex if e] for name, ex in self._examples.items()}
        self._idf = _inverse_document_frequency(cards)

    def rank(self, text: str) -> list[Candidate]:
        message = set(words(text))
        scored = [
            Candidate(agent, self._best_coverage(message, examples))
            for agent, examples in self._examples.items()
        ]
        return sorted(scored, key=lambda candidate: candidate.score, reverse=True)

    def threshold_for(self, agent: str) -> float:
        return self.threshold

    def _best_coverage(self, message: set[str], examples: list[set[str]]) -> float:
        best = 0.0
        for example in examples:
            total = sum(self._weight(word) for word in example)
            shared = sum(self._weight(word) for word in example & message)
            best = max(best, shared / total)
        return round(best, 3)

    def _weight(self, word: str) -> float:
        return self._idf.get(word, 1.0)


def _inverse_document_frequency(cards: Sequence[ScopeCard]) -> dict[str, float]:
    vocabularies = [
        set(words(" ".join([card.description, *card.does, *card.examples]))) for card in cards
    ]
    count = len(vocabularies)
    document_frequency: dict[str, int] = {}
    for vocabulary in vocabularies:
        for word in vocabulary:
            document_frequency[word] = document_frequency.get(word, 0) + 1
    return {word: math.log(1 + count / df) for word, df in document_frequency.items()}
