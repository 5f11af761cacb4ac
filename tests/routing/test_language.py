"""Telling English chat messages from messages in other languages."""

from __future__ import annotations

import pytest

from novabot.agents.cards import ScopeCard
from novabot.routing.language import ENGLISH, english_only, english_texts, guess_language


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


def test_links_and_addresses_are_no_language() -> None:
    assert guess_language("summarize https://blog.example.com/2026/05/four-day-week-study") == "en"
    assert guess_language("email ana@empresa.com.br about it") == "en"
    assert guess_language("résume https://exemple.com/a et dis-moi ce que tu en penses") == "fr"


def test_acronyms_in_capitals_are_no_english_words() -> None:
    # "IT" and "TO" would otherwise be English "it" and "to" and tip a short message.
    assert guess_language("napisz to prosciej, tak zeby zrozumial ktos spoza IT") == "pl"
    assert guess_language("sprawdz TO i PR do jutra, prosze") == "pl"
    assert guess_language("WHAT IS THE STATUS OF MY ORDER") == ENGLISH  # shouted, not acronyms


def test_polish_typed_without_its_letters_is_polish() -> None:
    assert guess_language("wiec zrob cos, zeby bylo szybciej") == "pl"


def test_an_english_request_quoting_another_language_is_english() -> None:
    text = "translate this into English for me: Bitte senden Sie uns die Rechnung erneut."
    assert guess_language(text) == "en"


def test_the_english_matcher_learns_a_card_without_its_foreign_examples() -> None:
    card = ScopeCard(
        name="erp-sales",
        description="Answers questions about sales orders and customers.",
        does=["Looks up orders", "Prüft den Lieferstatus eines Auftrags"],
        does_not=["Book travel"],
        examples=["where is order 10498?", "¿ya salió el pedido 10498?", "order status for ACME"],
    )
    english = english_only(card)
    assert english.examples == ["where is order 10498?", "order status for ACME"]
    assert english.does == ["Looks up orders"]
    assert english.description == card.description and english.does_not == card.does_not
    only_foreign = card.model_copy(update={"examples": ["¿ya salió el pedido 10498?"]})
    assert english_only(only_foreign).examples == only_foreign.examples  # never left empty


def test_english_texts_keeps_the_english_ones_in_order() -> None:
    texts = ["what's the weather in Oslo", "quel temps fait-il à Oslo ?", "play some jazz"]
    assert english_texts(texts) == ["what's the weather in Oslo", "play some jazz"]
