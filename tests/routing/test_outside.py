"""Requests that belong to no agent: the shipped list, a user's additions, and the router
leaving every agent a low score for them while the agents' own requests still land."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.routing.embedding import MiniLMEmbedder
from novabot.routing.outside import SHIPPED, outside_requests, read_outside
from novabot.routing.semantic.matcher import OUTSIDE, SemanticMatcher


def test_the_list_skips_comments_and_blank_lines_and_takes_a_users_additions(
    tmp_path: Path,
) -> None:
    (tmp_path / "outside.txt").write_text("# mine\n\nwater the plants\n", encoding="utf-8")
    shipped = read_outside(SHIPPED)
    assert len(shipped) >= 50 and not any(line.startswith("#") for line in shipped)
    assert outside_requests([tmp_path]) == [*shipped, "water the plants"]
    assert outside_requests([tmp_path / "absent"]) == shipped


@pytest.fixture(scope="module")
def matchers(minilm_embedder: MiniLMEmbedder) -> tuple[SemanticMatcher, SemanticMatcher]:
    cards = [card for card in load_cards([shipped_cards_dir()]) if card.routable]
    plain = SemanticMatcher.from_cards(cards, minilm_embedder)
    with_outside = SemanticMatcher.from_cards(cards, minilm_embedder, outside=outside_requests())
    return plain, with_outside


@pytest.mark.parametrize(
    "text",
    ["is it going to rain in Glasgow this afternoon", "book me a table at the sushi place"],
)
def test_a_request_no_agent_can_do_is_left_to_nobody(
    matchers: tuple[SemanticMatcher, SemanticMatcher], text: str
) -> None:
    plain, with_outside = matchers
    top = with_outside.rank(text)[0]
    assert top.agent != OUTSIDE and all(c.agent != OUTSIDE for c in with_outside.rank(text))
    assert top.score < with_outside.threshold_for(top.agent)
    assert top.score < plain.rank(text)[0].score / 2  # without the list, one agent claimed it


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("please translate 'the invoice is attached' into German", "translator"),
        ("fix the typos in this: we has shiped it", "proofreader"),
        ("remind me on friday at 10 to call the bank", "scheduler"),
    ],
)
def test_the_agents_own_requests_still_land(
    matchers: tuple[SemanticMatcher, SemanticMatcher], text: str, agent: str
) -> None:
    _, with_outside = matchers
    top = with_outside.rank(text)[0]
    assert top.agent == agent and top.score >= with_outside.threshold_for(agent)
