"""`NOVA_API_CORS_ORIGINS`: a comma-separated list of origins, checked at start."""

from __future__ import annotations

import pytest

from novabot.config import ConfigError, load_settings


def test_cors_origins_are_read_from_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().api.cors_origins == []
    monkeypatch.setenv("NOVA_API_CORS_ORIGINS", "https://shop.example/, http://localhost:3000")
    assert load_settings().api.cors_origins == ["https://shop.example", "http://localhost:3000"]
    monkeypatch.setenv("NOVA_API_CORS_ORIGINS", "*")
    assert load_settings().api.cors_origins == ["*"]


def test_a_value_that_is_not_an_origin_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_API_CORS_ORIGINS", "shop.example")
    with pytest.raises(
        ConfigError, match=r"NOVA_API_CORS_ORIGINS: 'shop.example' is not an origin"
    ):
        load_settings()
