"""`nova eval routing --cases` per language, with the English twins as a language of their own."""

from __future__ import annotations

import json
from pathlib import Path

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.routing.embedding import MiniLMEmbedder
from novabot.routing.quality.evaluation import evaluate_cases, format_score
from novabot.routing.quality.languages import Tag, language_scores
from novabot.routing.semantic.matcher import SemanticMatcher

LINES = [
    {"text": "traduis 'merci' en allemand", "agent": "translator", "lang": "fr",
     "en": "translate 'thank you' into German"},
    {"text": "réserve-moi un taxi", "agent": None, "lang": "fr", "en": "book me a taxi"},
    {"text": "Übersetze 'danke' ins Spanische", "agent": "translator", "lang": "de",
     "en": "translate 'thanks' into Spanish"},
    {"text": "summarize this article", "agent": "summarizer"},
]  # fmt: skip


def test_scores_are_kept_per_language_with_the_twins_last() -> None:
    cases = [("a", "translator"), ("b", None), ("c", "translator"), ("d", "chat")]
    tags = [Tag("fr", "A"), Tag("fr", "B"), Tag("de"), Tag()]
    twins = {"A": "translator", "B": "chat"}
    scores = language_scores(cases, ["translator", None, "chat", "chat"], tags, twins.__getitem__)

    by_lang = {score.lang: score for score in scores}
    assert [score.lang for score in scores] == ["fr", "de", "en"]
    assert (by_lang["fr"].in_scope_accuracy, by_lang["fr"].oos_recall) == (1.0, 1.0)
    assert (by_lang["fr"].n_in_scope, by_lang["fr"].n_oos) == (1, 1)
    assert (by_lang["de"].in_scope_accuracy, by_lang["de"].n_oos) == (0.0, 0)
    assert (by_lang["en"].in_scope_accuracy, by_lang["en"].oos_recall) == (1.0, 0.0)


def test_untagged_cases_have_no_breakdown() -> None:
    assert language_scores([("a", "chat")], ["chat"], [Tag()], lambda text: None) == []


def test_the_report_shows_each_language_in_text_and_json(
    tmp_path: Path, minilm_embedder: MiniLMEmbedder
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(line) for line in LINES) + "\n\n", encoding="utf-8")
    cards = [card for card in load_cards([shipped_cards_dir()]) if card.routable]
    matcher = SemanticMatcher.from_cards(cards, minilm_embedder)

    score = evaluate_cases(cases, matcher, [card.name for card in cards])

    languages = score.as_dict()["languages"]
    assert isinstance(languages, dict) and list(languages) == ["fr", "de", "en"]
    assert languages["fr"]["n_in_scope"] == 1 and languages["fr"]["n_oos"] == 1
    assert languages["en"] == {
        "in_scope_accuracy": languages["en"]["in_scope_accuracy"],
        "oos_recall": languages["en"]["oos_recall"],
        "n_in_scope": 2,
        "n_oos": 1,
    }
    assert languages["en"]["in_scope_accuracy"] == 1.0  # two plain translation requests
    table = format_score(score)
    assert "by language" in table
    assert all(f"\n  {lang} " in table for lang in ("fr", "de", "en"))
    untagged = tmp_path / "plain.jsonl"
    untagged.write_text(json.dumps(LINES[-1]), encoding="utf-8")
    plain = evaluate_cases(untagged, matcher, [card.name for card in cards])
    assert "languages" not in plain.as_dict() and "by language" not in format_score(plain)
