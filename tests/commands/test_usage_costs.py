"""`usage` (chat) and `nova usage`: tokens with their cost from the price table, a total,
and an honest note for a model without a price or a price file that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.cli.runtime import UsageError
from novabot.cli.usage import as_json, json_prices
from novabot.commands.builtin import describe_usage
from novabot.ops.prices import Price, PriceError, PriceTable, current_prices
from novabot.store.records import UsageRow

PRICED = PriceTable({"gpt-4o-mini": Price(input=0.15, output=0.60)})
ROWS = [
    UsageRow("chat", "gpt-4o-mini-2024-07-18", 3, 200_000, 50_000),
    UsageRow("translator", "llama3.1", 1, 700, 100),
]


def test_each_line_has_its_cost_and_the_total_names_what_is_unpriced() -> None:
    assert describe_usage(ROWS, lambda: PRICED).splitlines() == [
        "chat (gpt-4o-mini-2024-07-18): 3 calls, 200,000 in + 50,000 out tokens, $0.0600",
        "translator (llama3.1): 1 calls, 700 in + 100 out tokens, $0.00"
        " (no price for llama3.1: counted as $0)",
        "Total: 4 calls, 200,700 in + 50,100 out tokens, $0.0600"
        " (no price for llama3.1: counted as $0)",
    ]


def test_one_row_needs_no_total_and_no_rows_say_so() -> None:
    assert describe_usage(ROWS[:1], lambda: PRICED).count("\n") == 0
    assert describe_usage([], lambda: PRICED, nothing="none") == "none"


def test_an_unusable_price_file_leaves_the_tokens_and_a_note() -> None:
    def broken() -> PriceTable:
        raise PriceError("prices.yaml: not valid YAML (line 1)")

    lines = describe_usage(ROWS[:1], broken).splitlines()
    assert lines[0].startswith("chat (gpt-4o-mini-2024-07-18): 3 calls, 200,000 in")
    assert lines[-1] == "(costs unknown: prices.yaml: not valid YAML (line 1))"
    with pytest.raises(UsageError, match="not valid YAML"):
        json_prices(broken)


def test_json_rows_carry_the_cost_or_null() -> None:
    assert as_json(ROWS[0], PRICED)["cost_usd"] == pytest.approx(0.06)
    assert as_json(ROWS[1], PRICED)["cost_usd"] is None


def test_the_price_file_is_read_when_asked(tmp_path: Path) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  m: {input: 1, output: 2}\n")
    assert current_prices(prices).cost("m", 1_000_000, 0) == 1.0
    prices.write_text("models:\n  m: {input: 3, output: 2}\n")  # edited while Nova runs
    assert current_prices(prices).cost("m", 1_000_000, 0) == 3.0
