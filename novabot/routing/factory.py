"""Building the configured router: its scope matcher, thresholds and tie-break."""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from novabot.agents.cards import ScopeCard
from novabot.config import Settings
from novabot.llm.client import LLM
from novabot.routing.embedding import Embedder, EmbeddingCache, MiniLMEmbedder, OpenAIEmbedder
from novabot.routing.embedding.combined import ConcatEmbedder
from novabot.routing.encoders import FOLDER_ENCODERS, OFFLINE_ENCODERS, encoder_names
from novabot.routing.language import LANGUAGE_WORDS, english_only, english_texts
from novabot.routing.lexical import LexicalMatcher
from novabot.routing.outside import outside_requests
from novabot.routing.request import RequestMatcher
from novabot.routing.router import Claim, Router, RoutingMemory
from novabot.routing.scope import ScopeMatcher
from novabot.routing.semantic.matcher import SemanticMatcher
from novabot.routing.semantic.multilingual import MultilingualMatcher
from novabot.routing.tiebreak import LLMTieBreak

log = logging.getLogger(__name__)

MULTILINGUAL = "use"
"""The encoder for messages that are not in English, when the backend's is English only."""


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedding backend (the offline MiniLM unless told otherwise)."""
    names = encoder_names(settings.router.backend)
    if len(names) > 1:
        return ConcatEmbedder([offline_encoder(name, settings.models_dir) for name in names])
    if names:
        return offline_encoder(names[0], settings.models_dir)
    if settings.router.backend == "openai":
        return OpenAIEmbedder(
            base_url=settings.router.embedding_base_url or settings.llm_endpoint,
            api_key=settings.llm_key,
            model=settings.router.embedding_model,
            timeout_s=settings.llm.timeout_s,
            max_retries=settings.llm.max_retries,
        )
    return shared_minilm()  # lexical routing needs none; project knowledge uses MiniLM


@functools.cache
def shared_minilm() -> MiniLMEmbedder:
    """One loaded model per process: every bot started in it (tests, CLI) shares it."""
    return MiniLMEmbedder()


@functools.cache
def offline_encoder(name: str, models_dir: Path | None = None) -> Embedder:
    """The offline encoder registered under `name`, loaded once per process and folder;
    those in `FOLDER_ENCODERS` are given the models folder (None: none to use)."""
    module, _, constructor = OFFLINE_ENCODERS[name].partition(":")
    make = getattr(importlib.import_module(module), constructor)
    embedder: Embedder = make(models_dir) if name in FOLDER_ENCODERS else make()
    return embedder


def build_matcher(settings: Settings, cards: Sequence[ScopeCard]) -> ScopeMatcher:
    """The configured matcher, ranking each message on its request (`request_text`)."""
    return RequestMatcher(_scope_matcher(settings, cards))


def _scope_matcher(settings: Settings, cards: Sequence[ScopeCard]) -> ScopeMatcher:
    if settings.router.backend == "lexical":
        return LexicalMatcher(cards, threshold=settings.router.lexical_threshold)
    started = time.perf_counter()
    extra = [settings.prompts_dir] if settings.prompts_dir else []
    outside = outside_requests(extra)
    english = english_only_encoder(settings)
    if english:  # it learns what it can read, and what it will be asked: English
        english_cards = [english_only(card) for card in cards]
        matcher = _semantic(
            settings, english_cards, build_embedder(settings), english_texts(outside)
        )
    else:
        matcher = _semantic(settings, cards, build_embedder(settings), outside)
    log.info(
        "semantic router ready: %d agents, backend %s, threshold %.3f, %.2f s",
        len(cards),
        matcher.embedder.name,
        matcher.threshold,
        time.perf_counter() - started,
    )
    if english and settings.router.multilingual:
        return MultilingualMatcher(matcher, lambda: _foreign_matcher(settings, cards, outside))
    return matcher


def _foreign_matcher(
    settings: Settings, cards: Sequence[ScopeCard], outside: list[str]
) -> SemanticMatcher:
    """Every card whole, through the multilingual encoder. Its word features leave out
    every language's function words: a request in any language shares its content words
    and loanwords (repo, commit, PR, SQL, JSON) with the card it belongs to, while "de",
    "to" or "che" would only pull it toward whichever card has examples in its language."""
    encoder = offline_encoder(MULTILINGUAL, settings.models_dir)
    return _semantic(settings, cards, encoder, outside, ignored_words=LANGUAGE_WORDS)


def _semantic(
    settings: Settings,
    cards: Sequence[ScopeCard],
    embedder: Embedder,
    outside: list[str],
    *,
    ignored_words: frozenset[str] = frozenset(),
) -> SemanticMatcher:
    return SemanticMatcher.from_cards(
        cards,
        embedder,
        EmbeddingCache(settings.embedding_cache_dir),
        threshold=settings.router.threshold,
        outside=outside,
        ignored_words=ignored_words,
    )


def english_only_encoder(settings: Settings) -> bool:
    """True when the backend's encoders read English only (minilm, mpnet): such a matcher
    learns the cards' English, and messages in other languages get a multilingual one
    (unless NOVA_ROUTER_MULTILINGUAL=0)."""
    names = encoder_names(settings.router.backend)
    return bool(names) and MULTILINGUAL not in names


async def build_router(
    settings: Settings,
    cards: Sequence[ScopeCard],
    memory: RoutingMemory,
    llm: LLM,
    *,
    claims: Sequence[Claim] = (),
) -> Router:
    """The router over the routable `cards`, configured as `settings` say."""
    # Embedding the cards is CPU work, or a network call with the openai backend:
    # off the event loop, which may be serving that very endpoint (tests do).
    matcher = await asyncio.to_thread(build_matcher, settings, cards)
    tiebreak = None
    if settings.router.llm_tiebreak:
        tiebreak = LLMTieBreak(llm, {card.name: card for card in cards})
    return Router(
        [card.name for card in cards],
        memory,
        matcher,
        claims=claims,
        switch_margin=settings.router.switch_margin,
        abstain=settings.router.abstain,
        tiebreak=tiebreak,
        tie_margin=settings.router.tie_margin,
    )
