"""The price table: exact and dated names, unknown models at 0, one-line file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.ops.prices import PriceError, load_prices, prices_file, shipped_prices_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cost_is_per_million_tokens_in_and_out(tmp_path: Path) -> None:
    table = load_prices(write(tmp_path, "models:\n  big: {input: 2.0, output: 8.0}\n"))
    assert table.cost("big", 1_000_000, 0) == pytest.approx(2.0)
    assert table.cost("big", 500_000, 250_000) == pytest.approx(1.0 + 2.0)


def test_the_longest_listed_prefix_prices_a_dated_model(tmp_path: Path) -> None:
    text = (
        "models:\n  gpt-4o: {input: 2.5, output: 10}\n  gpt-4o-mini: {input: 0.15, output: 0.6}\n"
    )
    table = load_prices(write(tmp_path, text))
    assert table.cost("gpt-4o-mini-2024-07-18", 1_000_000, 0) == pytest.approx(0.15)
    assert table.cost("gpt-4o-2024-08-06", 1_000_000, 0) == pytest.approx(2.5)
    assert table.price_of("gpt-4oo") is None  # a prefix counts only before a dash


def test_a_model_without_a_price_costs_nothing_and_says_so(tmp_path: Path) -> None:
    table = load_prices(write(tmp_path, "models:\n  free-local: {input: 0, output: 0}\n"))
    assert table.cost("llama3:8b", 10_000, 10_000) is None  # unpriced: the caller labels it
    assert table.cost("free-local", 10_000, 10_000) == 0.0  # listed as free


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("models:\n  m: {input: -1, output: 0}\n", "models.m.input"),
        ("models:\n  m: {input: 1}\n", "models.m.output"),
        ("modles: {}\n", "modles"),
        ("models: [\n", "not valid YAML"),
    ],
)
def test_a_bad_price_file_is_one_line_naming_it(tmp_path: Path, text: str, fault: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PriceError) as caught:
        load_prices(path)
    message = str(caught.value)
    assert str(path) in message and fault in message and "\n" not in message


def test_the_shipped_table_is_found_and_the_setting_overrides_it(tmp_path: Path) -> None:
    shipped = shipped_prices_file()
    assert shipped is not None and load_prices(shipped).price_of("gpt-4o-mini") is not None
    assert prices_file(None) == shipped
    own = write(tmp_path, "models: {}\n")
    assert prices_file(own) == own
    with pytest.raises(PriceError, match="cannot be read"):
        load_prices(tmp_path / "missing.yaml")
