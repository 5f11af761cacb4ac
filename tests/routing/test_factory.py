"""The configured scope matcher: the shipped model by default, or another backend."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.app import started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from novabot.routing.embedding import EmbeddingError, MiniLMEmbedder, OpenAIEmbedder
from novabot.routing.factory import build_matcher, english_only_encoder
from novabot.routing.lexical import LexicalMatcher
from novabot.routing.request import RequestMatcher
from novabot.routing.semantic.matcher import SemanticMatcher
from novabot.routing.semantic.multilingual import MultilingualMatcher
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import RecordingResponder

CARDS = [card for card in load_cards([shipped_cards_dir()]) if card.routable]


def scope_matcher(settings: Settings) -> object:
    """The matcher that `build_matcher` ranks every message's request through."""
    built = build_matcher(settings, CARDS)
    assert isinstance(built, RequestMatcher)
    return built.inner


def test_the_default_is_the_shipped_model(settings: Settings) -> None:
    matcher = scope_matcher(settings)
    assert isinstance(matcher, MultilingualMatcher)
    assert isinstance(matcher.english, SemanticMatcher)
    assert isinstance(matcher.embedder, MiniLMEmbedder)
    assert matcher.rank("translate 'good night' into Italian")[0].agent == "translator"


def test_other_languages_have_their_own_matcher_unless_the_backend_reads_them(
    settings: Settings,
) -> None:
    matcher = scope_matcher(settings)
    assert isinstance(matcher, MultilingualMatcher)
    assert matcher.rank("peux-tu traduire « bonne nuit » en italien ?")[0].agent == "translator"
    foreign = matcher.foreign()
    assert foreign is not None and foreign.embedder.name.startswith("use-m3")
    assert isinstance(scope_matcher(settings.replaced(router_backend="use")), SemanticMatcher)
    english_only = settings.replaced(router_multilingual=False)
    assert isinstance(scope_matcher(english_only), SemanticMatcher)


def test_every_backend_ranks_what_a_message_asks_not_what_it_pastes(settings: Settings) -> None:
    notes = (
        "Invoice 3187 from the City of Ghent is 40 days overdue, the credit note for the "
        "returned brushes is still open and the payment reminder went out on Monday."
    )
    for backend in ("minilm", "lexical"):
        matcher = build_matcher(settings.replaced(router_backend=backend), CARDS)
        assert matcher.rank("fix the typos in this please:\n\n" + notes)[0].agent == "proofreader"


def test_the_lexical_backend_needs_no_model(settings: Settings) -> None:
    lexical = settings.replaced(router_backend="lexical")
    matcher = scope_matcher(lexical)
    assert isinstance(matcher, LexicalMatcher)
    assert matcher.threshold_for("translator") == lexical.router.lexical_threshold


async def test_the_openai_backend_embeds_through_the_endpoint(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    remote = settings.replaced(router_backend="openai", router_embedding_model=MODEL)
    fake_openai.script(Text("Buongiorno"))
    async with started_app(remote) as app:
        bot = app.bot
        assert bot.router is not None
        assert isinstance(getattr(bot.router.matcher, "embedder", None), OpenAIEmbedder)
        cards_embedded = len(fake_openai.embedding_requests)
        key = ConversationKey("test", "C1", None)
        message = Message(key, "translate 'good morning' into Italian", user_id="U1")
        outcome = await bot.handle(message, RecordingResponder())
    assert cards_embedded >= 1
    assert len(fake_openai.embedding_requests) == cards_embedded + 1  # the message
    assert fake_openai.embedding_requests[-1].body["model"] == MODEL
    assert outcome.route and outcome.route.rule in ("semantic", "fallback")


async def test_an_unreachable_embedding_endpoint_stops_start_up(settings: Settings) -> None:
    remote = settings.replaced(
        router_backend="openai", router_embedding_base_url="http://127.0.0.1:1/v1"
    )
    with pytest.raises(EmbeddingError, match=r"127\.0\.0\.1:1"):
        async with started_app(remote):
            pass


def test_the_default_router_makes_no_network_call(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the router opened a connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    cold = settings.replaced(router_cache_dir=tmp_path / "fresh-cache")
    matcher = build_matcher(cold, CARDS)  # embeds every card: nothing cached yet
    assert matcher.rank("summarise this thread for me")[0].agent == "summarizer"


@pytest.mark.parametrize(
    ("backend", "english_only"),
    [("minilm", True), ("mpnet", True), ("use", False), ("mpnet+use", False),
     ("openai", False), ("lexical", False)],
)  # fmt: skip
def test_only_english_encoders_learn_the_cards_english_alone(
    settings: Settings, backend: str, english_only: bool
) -> None:
    assert english_only_encoder(settings.replaced(router_backend=backend)) is english_only
