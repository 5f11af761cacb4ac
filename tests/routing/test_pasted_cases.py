"""Messages that paste what they ask about: routed on the request, not on the paste.

`pasted-cases.jsonl` is the set `routing/request.py` was designed against;
`pasted-holdout.jsonl` was written apart from it (pasted topics chosen to mislead: an
e-mail about invoices to proofread, a stack trace to locate) and is only measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.config import Settings
from novabot.routing.factory import build_matcher
from novabot.routing.quality.evaluation import evaluate_cases
from novabot.routing.request import RequestMatcher, request_text

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = DATA / "pasted-cases.jsonl"
HOLDOUT = DATA / "pasted-holdout.jsonl"
CARDS = [card for card in load_cards([shipped_cards_dir()]) if card.routable]


@pytest.mark.parametrize("cases", [CASES, HOLDOUT], ids=["tuned", "holdout"])
def test_every_case_pastes_something_the_request_is_told_apart_from(cases: Path) -> None:
    rows = [json.loads(line) for line in cases.read_text(encoding="utf-8").splitlines()]
    assert {row["agent"] for row in rows} - {None} <= {card.name for card in CARDS}
    unsplit = [row["text"][:60] for row in rows if request_text(row["text"]) == row["text"]]
    assert len(unsplit) <= len(rows) // 10, unsplit


@pytest.mark.parametrize(
    ("cases", "floor", "gain"),
    [(CASES, 0.82, 0.5), (HOLDOUT, 0.8, 0.25)],
    ids=["tuned", "holdout"],
)
def test_ranking_the_request_routes_pasted_messages_far_better_than_ranking_them_whole(
    cases: Path, floor: float, gain: float, tmp_path: Path
) -> None:
    matcher = build_matcher(Settings(db_path=tmp_path / "nova.db"), CARDS)
    assert isinstance(matcher, RequestMatcher)
    names = [card.name for card in CARDS]
    by_request = evaluate_cases(cases, matcher, names)
    whole = evaluate_cases(cases, matcher.inner, names)
    assert by_request.in_scope_accuracy >= floor, by_request.as_dict()
    assert by_request.in_scope_accuracy >= whole.in_scope_accuracy + gain
    assert by_request.oos_recall >= whole.oos_recall
