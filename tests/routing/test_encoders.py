"""NOVA_ROUTER_BACKEND: one offline encoder, several joined by '+', openai or lexical."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.config import ConfigError, Settings, load_settings
from novabot.routing.embedding import MiniLMEmbedder
from novabot.routing.embedding.combined import ConcatEmbedder
from novabot.routing.encoders import OFFLINE_ENCODERS, encoder_names, parse_backend
from novabot.routing.factory import build_embedder, shared_minilm


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("minilm", "minilm"),
        ("use", "use"),
        ("openai", "openai"),
        ("lexical", "lexical"),
        ("minilm+use", "minilm+use"),
        (" MiniLM + USE ", "minilm+use"),
        ("use+minilm", "use+minilm"),
    ],
)
def test_known_backends_are_accepted(value: str, parsed: str) -> None:
    assert parse_backend(value) == parsed


@pytest.mark.parametrize(
    "value", ["", "bert", "minilm+", "minilm+minilm", "minilm+openai", "lexical+use", "minilm,use"]
)
def test_anything_else_is_one_line_naming_the_choices(value: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_backend(value)
    message = str(raised.value)
    assert "\n" not in message and "minilm+use" in message
    assert all(name in message for name in OFFLINE_ENCODERS)


def test_a_bad_backend_in_the_environment_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOVA_ROUTER_BACKEND", "minilm+gpt")
    with pytest.raises(ConfigError, match=r"^invalid configuration: NOVA_ROUTER_BACKEND: ") as e:
        load_settings()
    assert "\n" not in str(e.value)


def test_the_joined_backend_reaches_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_ROUTER_BACKEND", "MiniLM+USE")
    backend = load_settings().router.backend
    assert backend == "minilm+use" and encoder_names(backend) == ["minilm", "use"]
    assert encoder_names("openai") == encoder_names("lexical") == []


def test_a_joined_backend_builds_one_encoder_of_shared_parts(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "nova.db", router_backend="minilm+use")
    embedder = build_embedder(settings)
    assert isinstance(embedder, ConcatEmbedder)
    # The MiniLM part is the process's shared model, which project knowledge uses too.
    assert embedder.parts[0] is shared_minilm()
    assert isinstance(build_embedder(settings.replaced(router_backend="minilm")), MiniLMEmbedder)
