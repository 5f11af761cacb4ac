"""Routing messages in other languages: the same cards, through a multilingual encoder.

The English encoders (MiniLM, MPNet) are the most accurate on English and nearly blind
to anything else: a French request lands next to unrelated English text, or next to the
translator's foreign examples. Messages that `guess_language` finds are not English go
to a second matcher over the same cards whose encoder maps a request and its translation
close together (USE multilingual); English ones never touch it, so English routing is
exactly what it was.

The second matcher is built at the first foreign message (from the disk cache after the
first time), so a deployment that only ever sees English pays nothing for it. Its scores
are mapped onto the English matcher's scale, learnt threshold onto learnt threshold, so
the router's thresholds and margins read the same whichever matcher ranked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from novabot.routing.embedding import EmbeddingError
from novabot.routing.embedding.base import release_freed_memory
from novabot.routing.language import ENGLISH, guess_language
from novabot.routing.rules import RouteRule
from novabot.routing.scope import Candidate
from novabot.routing.semantic.matcher import SemanticMatcher

log = logging.getLogger(__name__)


class MultilingualMatcher:
    """The English matcher for English, a multilingual one for everything else."""

    name = RouteRule.SEMANTIC

    def __init__(
        self,
        english: SemanticMatcher,
        build_foreign: Callable[[], SemanticMatcher],
        detect: Callable[[str], str] = guess_language,
    ) -> None:
        self.english = english
        self._build_foreign = build_foreign
        self._detect = detect
        self._foreign: SemanticMatcher | None = None
        self._unavailable = False
        self._lock = threading.Lock()  # rank() runs in worker threads

    @property
    def embedder(self) -> object:
        """The English encoder: what `nova eval` names and project knowledge may share."""
        return self.english.embedder

    @property
    def threshold(self) -> float:
        return self.english.threshold

    def rank(self, text: str) -> list[Candidate]:
        if self._detect(text) == ENGLISH:
            return self.english.rank(text)
        foreign = self.foreign()
        if foreign is None:
            return self.english.rank(text)
        return [
            Candidate(c.agent, round(self._on_english_scale(c.score, foreign), 4))
            for c in foreign.rank(text)
        ]

    def threshold_for(self, agent: str) -> float:
        return self.english.threshold_for(agent)

    def foreign(self) -> SemanticMatcher | None:
        """The multilingual matcher, built once; None when it cannot be (logged once)."""
        with self._lock:
            if self._foreign is None and not self._unavailable:
                try:
                    self._foreign = self._build_foreign()
                    release_freed_memory()  # embedding and training the cards: tens of MB
                except EmbeddingError as exc:
                    self._unavailable = True
                    log.warning("messages in other languages go to the English router: %s", exc)
            return self._foreign

    def _on_english_scale(self, score: float, foreign: SemanticMatcher) -> float:
        """Piecewise linear: 0 → 0, the foreign threshold → the English one, 1 → 1."""
        ours, theirs = self.english.threshold, foreign.threshold
        if theirs <= 0.0 or theirs >= 1.0:
            return score
        if score < theirs:
            return score * ours / theirs
        return ours + (score - theirs) * (1.0 - ours) / (1.0 - theirs)
