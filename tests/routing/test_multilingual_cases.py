"""The multilingual cases: requests in French, German, Spanish, Polish and Italian, each
with its English twin, and the default router held to a floor per language on them and
on the held-out set.

The floors sit about ten points under the measured scores (README, Routing in other
languages): the encoders' numbers differ a little from one CPU to another."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.config import Settings
from novabot.routing.factory import build_matcher
from novabot.routing.quality.evaluation import evaluate_cases

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = DATA / "multilingual-cases.jsonl"
LANGUAGES = {"fr", "de", "es", "pl", "it"}
FLOOR = {"fr": 0.85, "de": 0.75, "es": 0.75, "pl": 0.7, "it": 0.7, "en": 0.9}
"""In-scope accuracy per language, default router; measured 96, 88, 83, 79, 83 and 99 %."""
HOLDOUT_FLOOR = {"fr": 0.85, "de": 0.62, "es": 0.85, "pl": 0.75, "it": 0.65, "en": 0.85}
"""The same on the held-out set; measured 95, 68, 100, 91, 77 and 93 %."""


def cases(path: Path = CASES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_every_language_covers_every_agent(lines: list[dict]) -> None:
    """Shared with the held-out multilingual set, which must have the same shape."""
    agents = {card.name for card in load_cards([shipped_cards_dir()]) if card.routable}
    assert {line["lang"] for line in lines} == LANGUAGES
    assert all(isinstance(line["en"], str) and line["en"] for line in lines)
    for lang in LANGUAGES:
        counts = Counter(line["agent"] for line in lines if line["lang"] == lang)
        assert set(counts) - {None} == agents, lang
        assert counts.total() >= 24 and counts[None] >= 2, lang


def assert_no_catalog_case(lines: list[dict]) -> None:
    catalog = {
        json.loads(line)["text"].lower()
        for name in ("catalog-cases.jsonl", "catalog-holdout.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    }
    assert not {line["text"].lower() for line in lines} & catalog
    assert not {line["en"].lower() for line in lines} & catalog


def test_each_language_covers_every_routable_agent_and_some_nobodys() -> None:
    assert_every_language_covers_every_agent(cases())


def test_no_case_repeats_a_catalog_case() -> None:
    assert_no_catalog_case(cases())


@pytest.mark.parametrize(
    ("name", "floor"),
    [("multilingual-cases.jsonl", FLOOR), ("multilingual-holdout.jsonl", HOLDOUT_FLOOR)],
)
def test_the_default_router_routes_every_language(
    tmp_path: Path, name: str, floor: dict[str, float]
) -> None:
    cards = [card for card in load_cards([shipped_cards_dir()]) if card.routable]
    matcher = build_matcher(Settings(db_path=tmp_path / "nova.db"), cards)

    score = evaluate_cases(DATA / name, matcher, [card.name for card in cards])

    accuracy = {lang.lang: lang.in_scope_accuracy for lang in score.languages}
    assert set(accuracy) == LANGUAGES | {"en"}
    below = {lang: got for lang, got in accuracy.items() if got < floor[lang]}
    assert not below, score.as_dict()["languages"]
    assert score.oos_recall >= 0.6, score.as_dict()  # measured 87 % on both
