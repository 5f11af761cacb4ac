"""Ranking a message on what it asks, not on what it pastes."""

from __future__ import annotations

import pytest

from novabot.routing.request import RequestMatcher, request_text
from novabot.routing.scope import Candidate

EMAIL = (
    "Hi Marc, thanks for the quick turnaround on the gutter brush order. As discussed, "
    "invoice 3187 will be paid on net 60 terms and the remaining 40 units ship from "
    "Rotterdam next Tuesday with DHL."
)
CODE = "```python\ndef total(rows):\n    return sum(r.amount for r in rows)\n```"


@pytest.mark.parametrize(
    "text",
    [
        "what's the status of sales order 10423",
        # Long, but written out rather than pasted: no layout sets a request apart.
        "We moved the Lyon stock to Rotterdam last week and since then the reorder points "
        "look wrong for half of the brushes, and purchasing keeps raising orders for parts "
        "we still have, so which items are below their reorder point right now?",
        # A short opening that does not point at the text opens a long question.
        "Quick question\n\nWe moved the Lyon stock to Rotterdam last week and since then the "
        "reorder points look wrong for half of the brushes: which are below them now?",
        # A greeting and a sign-off ask for nothing: the long part is the request.
        "hi nova,\n\n" + EMAIL + "\n\nthanks!",
        # A lead-in whose text goes on to ask its own question.
        "I need help with something: which customers ordered side brushes this month, "
        "and have all of them paid the invoices we sent for those orders already?",
    ],
)
def test_messages_without_a_paste_are_ranked_as_they_are(text: str) -> None:
    assert request_text(text) == text


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("can you fix the typos in this?\n\n" + EMAIL, "can you fix the typos in this?"),
        (EMAIL + "\n\nextract the amounts into a table", "extract the amounts into a table"),
        (EMAIL + "\n^ tl;dr", "^ tl;dr"),
        ("proofread: " + EMAIL, "proofread"),
        ("translate this into French\n" + EMAIL, "translate this into French"),
        ("is this grammatical?\n> we was late", "is this grammatical?"),
    ],
)
def test_a_pasted_text_is_left_out(text: str, asked: str) -> None:
    assert request_text(text) == asked


def test_what_the_request_may_not_say_is_noted() -> None:
    assert request_text("any bug here?\n" + CODE) == "any bug here? (pasted code)"
    query = "SELECT name, SUM(total) FROM invoices\nGROUP BY name;\nORDER BY 2 DESC;"
    assert request_text(query + "\n\nwhy is it slow?") == "why is it slow? (pasted SQL query)"
    trace = (
        'Traceback (most recent call last):\n  File "app/pay.py", line 8, in charge\n'
        "    client.post(url)\nReadTimeout: read timed out"
    )
    assert request_text("where is this raised?\n\n" + trace) == (
        "where is this raised? (pasted error traceback)"
    )
    german = (
        "Sehr geehrte Damen und Herren, leider verzögert sich die Lieferung der Filter um "
        "zwei Wochen, da unser Lieferant Probleme mit der Produktion hat."
    )
    assert request_text("what does this say?\n\n" + german) == (
        "what does this say? (pasted German text)"
    )


def test_a_request_in_another_language_keeps_its_words() -> None:
    text = "übersetze das bitte ins Englische:\n\n" + EMAIL
    assert request_text(text) == "übersetze das bitte ins Englische:"


class Recording:
    name = "semantic"

    def __init__(self) -> None:
        self.ranked: list[str] = []

    def rank(self, text: str) -> list[Candidate]:
        self.ranked.append(text)
        return [Candidate("proofreader", 0.7)]

    def threshold_for(self, agent: str) -> float:
        return 0.3 if agent == "proofreader" else 0.5


def test_the_request_matcher_ranks_the_request_through_the_matcher_it_wraps() -> None:
    inner = Recording()
    matcher = RequestMatcher(inner)
    assert matcher.rank("fix the typos in this\n\n" + EMAIL) == [Candidate("proofreader", 0.7)]
    assert inner.ranked == ["fix the typos in this"]
    assert matcher.threshold_for("proofreader") == 0.3
    assert matcher.name == "semantic"


def test_a_letters_sign_off_is_not_the_request() -> None:
    letter = "Hi Marc,\n\n" + EMAIL + "\n\nKind regards,\nSofie Claes\nAccounts receivable"
    assert request_text("translate this into German:\n\n" + letter) == (
        "translate this into German:"
    )


def test_a_question_wins_over_a_lead_in_and_may_sit_between_pastes() -> None:
    text = "Ghent wants this by Friday:\n\n" + EMAIL + "\n\nhow many GB-600 do we have on hand?"
    assert request_text(text) == "how many GB-600 do we have on hand?"
    parts = "Notes part 1:\n\n" + EMAIL + "\n\ncan you condense both into 3 bullets?\n\n" + EMAIL
    assert request_text(parts) == "can you condense both into 3 bullets?"


def test_a_table_is_pasted_however_short() -> None:
    table = "sku;warehouse;on_hand\nGB-600;Lyon;75\nSB-450;Lyon;0"
    assert request_text(table + "\n\nwhich of these should we reorder?") == (
        "which of these should we reorder?"
    )


def test_a_paste_in_the_requests_own_language_gets_no_note() -> None:
    polish = (
        "W piatek konczymy inwentaryzacje w magazynie w Lyonie, prosze nie przyjmowac dostaw "
        "do poniedzialku, bo nie zdazymy ich zaksiegowac."
    )
    assert request_text("popraw literowki, nic wiecej:\n\n" + polish) == (
        "popraw literowki, nic wiecej:"
    )
    assert request_text("what does this say?\n\n" + polish) == (
        "what does this say? (pasted Polish text)"
    )


def test_a_long_quote_inside_a_line_is_pasted_and_a_short_one_is_not() -> None:
    text = "firmer tone pls, they're 3 weeks late: 'Just checking in on the order we placed.'"
    assert request_text(text) == "firmer tone pls, they're 3 weeks late:"
    assert request_text("translate 'good night' into Italian") == (
        "translate 'good night' into Italian"
    )


def test_a_terse_lead_in_takes_a_short_paste() -> None:
    assert request_text("record decision: from July we stop stocking nylon brooms") == (
        "record decision"
    )
    # …but not a question of the user's own.
    question = "quick one: which customers ordered nylon brooms this month?"
    assert request_text(question) == question
