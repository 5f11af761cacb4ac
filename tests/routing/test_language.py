"""Telling English chat messages from messages in other languages."""

from __future__ import annotations

import pytest

from novabot.routing.language import ENGLISH, guess_language


@pytest.mark.parametrize(
    "text",
    [
        "summarize this thread for me please",
        "which suppliers are late on their deliveries this month?",
        "ask José to send the Müller invoice again",  # names with accents stay English
        "git diff HEAD~1 -- src/app.py",
        "ok",
        "",
        "per customer segment, average order value",
        "review this diff please\n--- a/x.py\n+++ b/x.py\n-a = 1\n+a = 2",
    ],
)
def test_english_and_undecidable_messages_are_english(text: str) -> None:
    assert guess_language(text) == ENGLISH


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("peux-tu me résumer ce fil de discussion ?", "fr"),
        ("quels fournisseurs sont en retard cette semaine", "fr"),
        ("kannst du mir bitte die offenen Rechnungen zeigen?", "de"),
        ("wie viele Paletten haben wir noch im Lager", "de"),
        ("¿cuántos pedidos tenemos pendientes de envío?", "es"),
        ("necesito un resumen de la reunión de ayer", "es"),
        ("ile mamy jeszcze szczotek w magazynie?", "pl"),
        ("czy możesz sprawdzić zamówienia od tego dostawcy", "pl"),
        ("quante fatture non sono ancora state pagate?", "it"),
        ("mi fai un riassunto della riunione di oggi", "it"),
    ],
)
def test_messages_in_other_languages_are_named(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_letters_only_some_alphabets_have_decide_a_short_message() -> None:
    assert guess_language("źródło 4711") == "pl"
    assert guess_language("Größe?") == "de"
