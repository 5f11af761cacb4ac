"""Keys, rates and model lists as `nova api-key` reads them."""

from __future__ import annotations

import pytest

from novabot.api.keys import (
    KEY_PREFIX,
    Rate,
    check_name,
    key_hash,
    new_key,
    parse_models,
)


def test_a_key_is_random_prefixed_and_hashed() -> None:
    first, second = new_key(), new_key()
    assert first != second and first.startswith(KEY_PREFIX) and len(first) > 40
    assert key_hash(first) == key_hash(first) != key_hash(second)
    assert first not in key_hash(first)


@pytest.mark.parametrize(
    ("text", "count", "period_s", "shown"),
    [
        ("30/min", 30, 60, "30/min"),
        ("5/s", 5, 1, "5/s"),
        ("1000/day", 1000, 86400, "1000/day"),
        ("100/10min", 100, 600, "100/600s"),
        (" 7 / hours ", 7, 3600, "7/hour"),
    ],
)
def test_rates_read_as_people_write_them(text: str, count: int, period_s: int, shown: str) -> None:
    rate = Rate.parse(text)
    assert (rate.count, rate.period_s, str(rate)) == (count, period_s, shown)


@pytest.mark.parametrize("text", ["30", "30/", "/min", "x/min", "30/fortnight", "0/min", "-1/s"])
def test_a_malformed_rate_says_what_a_rate_looks_like(text: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate.parse(text)


def test_names_and_model_lists_are_checked() -> None:
    assert check_name("web-shop_2.0") == "web-shop_2.0"
    for bad in ("", "-x", "a b", "x" * 65, "ünï"):
        with pytest.raises(ValueError, match="not a key name"):
            check_name(bad)
    known = ["nova", "chat", "summarizer"]
    assert parse_models(" chat, summarizer,chat ", known) == ("chat", "summarizer")
    with pytest.raises(ValueError, match="unknown agent 'chatt'"):
        parse_models("chat,chatt", known)
    with pytest.raises(ValueError, match="empty"):
        parse_models(" , ", known)
