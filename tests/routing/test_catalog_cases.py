"""The labelled catalog cases (tests/data/catalog-cases.jsonl): every routable agent has
its share, and the shipped router keeps its accuracy on them (with margins: the int8
model's numbers differ a little from one CPU to another)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.config import Settings
from novabot.routing.factory import build_matcher
from novabot.routing.quality.evaluation import evaluate_cases

CASES = Path(__file__).resolve().parents[1] / "data" / "catalog-cases.jsonl"


def routable() -> list:
    return [card for card in load_cards([shipped_cards_dir()]) if card.routable]


def test_every_routable_agent_has_at_least_15_cases_and_40_are_nobodys() -> None:
    counts = Counter(json.loads(line)["agent"] for line in CASES.read_text().splitlines())
    names = {card.name for card in routable()}
    assert {name for name in counts if name} == names
    assert min(counts[name] for name in names) >= 15 and counts[None] >= 40


def test_the_shipped_router_routes_the_cases_well(tmp_path: Path) -> None:
    cards = routable()
    matcher = build_matcher(Settings(db_path=tmp_path / "nova.db"), cards)
    score = evaluate_cases(CASES, matcher, [card.name for card in cards])
    assert score.in_scope_accuracy >= 0.85 and score.oos_recall >= 0.6, score.as_dict()
