"""The held-out multilingual set: 25 requests in each of French, German, Spanish, Polish
and Italian, written apart from `multilingual-cases.jsonl` and labelled from the cards'
stated scope alone, so it measures how the routers do on requests nobody tuned against.

Only its shape is checked here; accuracy is measured with
`nova eval routing --cases tests/data/multilingual-holdout.jsonl`."""

from __future__ import annotations

import json
from collections import Counter

from tests.routing.test_multilingual_cases import (
    CASES,
    DATA,
    LANGUAGES,
    assert_every_language_covers_every_agent,
    assert_no_catalog_case,
    cases,
)

HOLDOUT = DATA / "multilingual-holdout.jsonl"
PER_LANGUAGE, NOBODYS_PER_LANGUAGE = 25, 3


def test_every_line_is_a_tagged_case_with_an_english_twin() -> None:
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"text", "agent", "lang", "en"}, line
        assert isinstance(row["text"], str) and row["text"].strip(), line


def test_each_language_has_25_cases_3_of_them_nobodys_and_every_agent() -> None:
    lines = cases(HOLDOUT)
    assert_every_language_covers_every_agent(lines)
    for lang in LANGUAGES:
        counts = Counter(line["agent"] for line in lines if line["lang"] == lang)
        assert counts.total() == PER_LANGUAGE and counts[None] == NOBODYS_PER_LANGUAGE, lang


def test_no_text_repeats_within_the_set_the_catalog_or_the_tuned_multilingual_set() -> None:
    lines = cases(HOLDOUT)
    texts = [line["text"].lower() for line in lines]
    assert len(set(texts)) == len(texts)
    assert_no_catalog_case(lines)
    tuned = {line["text"].lower() for line in cases(CASES)}
    assert not set(texts) & tuned
