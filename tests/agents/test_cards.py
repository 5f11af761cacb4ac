"""Scope cards: the shipped ones are valid; a bad one is named with its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.agents.agent import compose_system_prompt
from novabot.agents.cards import CardError, load_cards, parse_card, shipped_cards_dir

GOOD = """---
name: poet
description: Writes short poems.
does: [Writes haiku and limericks]
does_not: [Translate poems]
examples: [write a haiku about autumn]
temperature: 0.9
---
You are a poet.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_cards_are_valid_and_honest() -> None:
    cards = {card.name: card for card in load_cards([shipped_cards_dir()])}
    assert {"chat", "translator", "summarizer", "proofreader"} <= set(cards)
    for card in cards.values():
        assert card.does and card.does_not and card.examples and card.prompt


def test_a_card_parses_with_its_body_as_prompt(tmp_path: Path) -> None:
    card = parse_card(GOOD, tmp_path / "poet.md")
    assert (card.name, card.temperature, card.prompt) == ("poet", 0.9, "You are a poet.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("does_not: [Translate poems]\n", ""), "field 'does_not': is required"),
        (GOOD.replace("temperature: 0.9", "temperature: 7"), "field 'temperature': Input should"),
        (GOOD.replace("name: poet", "name: Poet Laureate"), "field 'name': must be lowercase"),
        (GOOD.replace("does: [Writes haiku and limericks]", "does: []"), "field 'does':"),
        (GOOD.replace("temperature: 0.9", "colour: blue"), "field 'colour': is not a scope card"),
        ("no front matter here", "must start with YAML front matter"),
        ("---\nname: [unclosed\n---\nbody", "front matter is not valid YAML"),
        ("---\nname: poet\n", "front matter is not closed"),
    ],
)
def test_bad_card_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "cards", "poet.md", text)
    with pytest.raises(CardError) as failure:
        load_cards([path.parent])
    message = str(failure.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message


def test_two_cards_with_one_name_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path / "a", "poet.md", GOOD)
    second = write(tmp_path / "b", "poet2.md", GOOD)
    with pytest.raises(
        CardError, match=f"{second}: field 'name': 'poet' is already used by {first}"
    ):
        load_cards([first.parent, second.parent])


def test_system_prompt_carries_scope_and_names_the_other_agents() -> None:
    cards = {card.name: card for card in load_cards([shipped_cards_dir()])}
    prompt = compose_system_prompt(cards["translator"], list(cards.values()))
    assert prompt.startswith("You are a careful translator.")
    assert "You do NOT:\n- Summarise or shorten the text (that is summarizer)" in prompt
    assert "- summarizer: Condenses long texts" in prompt
    assert "- translator:" not in prompt
