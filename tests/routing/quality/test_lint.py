"""Scope-clarity lint: overlapping cards fail, separated ones pass, the report reads well.

The arithmetic is pinned with a table embedder (hand-picked vectors, exact numbers); the
real question, whether paraphrased scopes are caught, is asked of the bundled model.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from novabot.agents.cards import ScopeCard, load_cards, shipped_cards_dir
from novabot.routing.embedding import Embedder
from novabot.routing.language import english_only
from novabot.routing.quality.lint import LintError, LintReport, lint_cards
from novabot.routing.quality.lint_report import draw_heatmap, format_report

Vector = tuple[float, float, float]


class TableEmbedder:
    """Looks each text up in a table of 3-d vectors; an unexpected text is a KeyError."""

    name = "table"
    dimension = 3

    def __init__(self, table: Mapping[str, Vector]) -> None:
        self.table = dict(table)
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.array([unit(self.table[text]) for text in texts], dtype=np.float32)


def unit(vector: Sequence[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    return array / np.linalg.norm(array)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return float(unit(a) @ unit(b))


def card(name: str, examples: list[str], **fields: object) -> ScopeCard:
    """A card whose description and `does` are the texts '<name> scope' and '<name> does'."""
    base: dict[str, object] = {
        "name": name,
        "description": f"{name} scope",
        "does": [f"{name} does"],
        "does_not": ["anything outside its scope"],
        "examples": examples,
    }
    return ScopeCard(**(base | fields))


# alpha lives along x, beta along y; "a-drift" leans towards beta.
TABLE: dict[str, Vector] = {
    "alpha scope": (1, 0, 0),
    "alpha does": (1, 0, 0),
    "a-home": (1, 0, 0.1),
    "A-Home": (1, 0, 0.1),
    "a-near": (1, 0.1, 0),
    "a-far": (1, 0, -0.1),
    "a-drift": (0.6, 0.8, 0),
    "beta scope": (0, 1, 0),
    "beta does": (0, 1, 0),
    "b1": (0, 1, 0),
    "b2": (0.1, 1, 0),
    "b3": (0, 1, 0.1),
    "b4": (0, 1, -0.1),
    "b5": (0, 1, 0.2),
}
ALPHA = ["a-home", "a-near", "a-far", "a-drift"]
BETA = ["b1", "b2", "b3", "b4", "b5"]


def alpha_beta(max_overlap: float = 0.2, min_examples: int = 5) -> LintReport:
    cards = [card("alpha", ALPHA), card("beta", BETA)]
    embedder = TableEmbedder(TABLE)
    return lint_cards(cards, embedder, max_overlap=max_overlap, min_examples=min_examples)


def test_an_example_nearer_another_scope_is_a_stray_with_exact_similarities() -> None:
    report = alpha_beta()
    assert report.agents == ("alpha", "beta")
    assert report.overlap == {
        "alpha": {"alpha": 0.0, "beta": 0.25},
        "beta": {"alpha": 0.0, "beta": 0.0},
    }
    [stray] = report.strays
    assert (stray.agent, stray.text, stray.nearer) == ("alpha", "a-drift", "beta")
    # Own scope: alpha's centroid without "a-drift"; other: beta's whole centroid.
    alpha_rest = sum(unit(TABLE[t]) for t in ["alpha scope", "alpha does", *ALPHA[:3]])
    beta_all = sum(unit(TABLE[t]) for t in ["beta scope", "beta does", *BETA])
    assert stray.own_similarity == pytest.approx(cosine(TABLE["a-drift"], alpha_rest))
    assert stray.other_similarity == pytest.approx(cosine(TABLE["a-drift"], beta_all))
    assert report.failed  # 25 % > 20 %


def test_the_threshold_is_strict() -> None:
    assert not alpha_beta(max_overlap=0.25).failed
    assert alpha_beta(max_overlap=0.24).failed


def test_an_example_does_not_vouch_for_itself() -> None:
    # With itself in alpha's centroid, "x" would score 0.81 for alpha against 0.80 for beta.
    table: dict[str, Vector] = {**TABLE, "x": (0.6, 0.8, 0), "y": (0, 1, 0)}
    cards = [card("alpha", ["x"]), card("beta", ["y"])]
    report = lint_cards(cards, TableEmbedder(table), min_examples=1)
    assert report.overlap["alpha"]["beta"] == 1.0
    assert report.strays[0].own_similarity == pytest.approx(0.6)
    assert report.strays[0].other_similarity == pytest.approx(0.8)


def test_an_example_exactly_between_two_scopes_stays_home() -> None:
    # Chosen so both cosines are exactly 1/√2: another scope must beat the own one.
    table: dict[str, Vector] = {**TABLE, "tie": (1, 1, 0)}
    cards = [card("alpha", ["tie"]), card("beta", ["b1"])]
    report = lint_cards(cards, TableEmbedder(table), min_examples=1)
    assert report.overlap["alpha"]["beta"] == 0.0
    assert not report.strays


def test_only_routable_cards_are_embedded_and_compared() -> None:
    embedder = TableEmbedder(TABLE)
    # The planner-like card shares an example and has texts the table lacks: ignored.
    internal = card("planner", ["a-home", "not in the table"], routable=False)
    report = lint_cards([card("alpha", ALPHA), internal, card("beta", BETA)], embedder)
    assert report.agents == ("alpha", "beta")
    assert not [p for p in report.problems if p.severity == "error"]
    [batch] = embedder.batches
    assert len(batch) == len(set(batch)) == 4 + 5 + 4  # each text once, in one batch


def test_few_examples_warn_without_failing() -> None:
    report = alpha_beta(max_overlap=0.5)
    assert [(p.agent, p.severity) for p in report.problems] == [("alpha", "warning")]
    assert "has 4 examples; at least 5" in report.problems[0].message
    assert not report.failed


def test_an_example_shared_by_two_cards_is_an_error() -> None:
    cards = [card("alpha", ALPHA), card("beta", [*BETA, "A-Home"])]
    report = lint_cards(cards, TableEmbedder(TABLE), max_overlap=1.0)
    errors = [p for p in report.problems if p.severity == "error"]
    assert [(p.agent, p.message) for p in errors] == [
        ("alpha", "example 'a-home' is also an example of beta")
    ]
    assert report.failed


def test_a_repeated_example_within_a_card_is_a_warning() -> None:
    cards = [card("alpha", [*ALPHA, "A-Home"]), card("beta", BETA)]
    report = lint_cards(cards, TableEmbedder(TABLE), max_overlap=1.0)
    assert [(p.severity, p.message) for p in report.problems] == [
        ("warning", "example 'a-home' appears 2 times")
    ]
    assert not report.failed


def test_an_empty_does_not_is_an_error() -> None:
    # The loader refuses such a card; a card built in code can still carry one.
    vague = card("alpha", [*ALPHA, "a-home"]).model_copy(update={"does_not": []})
    report = lint_cards([vague, card("beta", BETA)], TableEmbedder(TABLE), max_overlap=1.0)
    assert ("alpha", "error") in [(p.agent, p.severity) for p in report.problems]
    assert report.failed


def test_the_report_is_json_ready() -> None:
    data = json.loads(json.dumps(alpha_beta().as_dict()))
    assert data["failed"] is True
    assert data["overlap"]["alpha"]["beta"] == 0.25
    assert data["strays"][0]["text"] == "a-drift"
    assert data["problems"][0]["severity"] == "warning"


def test_format_report_aligns_pairs_strays_problems_and_verdict() -> None:
    long_drift = "a-drift" + " and then some more words" * 4
    table = {**TABLE, long_drift: TABLE["a-drift"]}
    cards = [card("alpha", [*ALPHA[:3], long_drift]), card("beta", BETA)]
    text = format_report(lint_cards(cards, TableEmbedder(table)))
    lines = text.splitlines()
    header = next(line for line in lines if "nearer to" in line and "overlap" in line)
    pair = lines[lines.index(header) + 1]
    assert re.fullmatch(r"\s*alpha\s+→\s+beta\s+25 %\s+1/4", pair)
    # Right-aligned columns end where their headers end.
    assert pair.index("25 %") + len("25 %") == header.index("overlap") + len("overlap")
    stray = next(line for line in lines if line.lstrip().startswith("alpha  a-drift"))
    shortened = re.search(r"a-drift.*…", stray)
    assert shortened and len(shortened.group()) == 60
    assert "warning  alpha  has 4 examples" in text
    assert lines[-1] == "FAIL: 1 pair overlap above 20 % (worst alpha → beta 25 %)"


def test_format_report_says_ok_when_nothing_overlaps() -> None:
    report = alpha_beta(max_overlap=0.3, min_examples=4)
    assert format_report(report).splitlines()[-1] == "OK: no overlap above 30 %"


def test_heat_map_needs_matplotlib(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(LintError, match=r"pip install 'novabot\[plot\]'"):
        draw_heatmap(alpha_beta(), tmp_path / "overlap.png")
    assert not (tmp_path / "overlap.png").exists()


def test_heat_map_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "overlap.png"
    draw_heatmap(alpha_beta(), path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 5_000


# --- With the bundled model: do real paraphrases get caught? ---------------------------

TRAVEL_BOOKER = ScopeCard(
    name="trips",
    description="Books trips: flights, hotels and train tickets for your travels.",
    does=["Books flights, hotel rooms and train tickets", "Plans a trip's bookings"],
    does_not=["Give weather forecasts"],
    examples=[
        "book me a flight to Paris on Friday",
        "find a hotel in Rome for next weekend",
        "I need a train ticket to Berlin tomorrow",
        "plan my trip to Lisbon with flights and a hotel",
        "reserve a room in Madrid for two nights",
    ],
)
TRAVEL_RESERVER = ScopeCard(
    name="journeys",
    description="Reserves travel: plane tickets, hotel stays and rail journeys.",
    does=["Reserves plane seats, hotel stays and rail tickets", "Organises a journey"],
    does_not=["Translate text"],
    examples=[
        "get me a plane ticket to London for Monday",
        "book a hotel in Vienna for the weekend",
        "buy me a rail ticket to Munich for tomorrow",
        "organise my journey to Porto, flight and hotel included",
        "reserve a hotel room in Prague for three nights",
    ],
)
TRANSLATOR = ScopeCard(
    name="translator",
    description="Translates text between languages.",
    does=["Translates words, sentences and messages between any two languages"],
    does_not=["Book travel", "Forecast the weather"],
    examples=[
        "translate 'good morning' into French",
        "how do you say thank you in Japanese?",
        "translate this email into German",
        "what does 'Schadenfreude' mean in English?",
        "put this paragraph into Spanish",
    ],
)
WEATHER = ScopeCard(
    name="weather",
    description="Tells the weather forecast for a place.",
    does=["Gives today's weather and the forecast for the coming days, anywhere"],
    does_not=["Translate text", "Teach mathematics"],
    examples=[
        "will it rain in London tomorrow?",
        "what's the weather like in Oslo this weekend?",
        "how hot will it be in Madrid on Friday?",
        "is it going to snow in Denver tonight?",
        "weather forecast for Tokyo next week",
    ],
)
MATH_TUTOR = ScopeCard(
    name="math-tutor",
    description="Teaches mathematics step by step.",
    does=["Explains maths concepts and solves equations step by step"],
    does_not=["Translate text", "Forecast the weather"],
    examples=[
        "solve 3x + 5 = 20",
        "explain how to differentiate x squared",
        "what is the derivative of sin(x)?",
        "help me understand fractions",
        "how do I integrate 1/x?",
    ],
)


@pytest.fixture(scope="module")
def travel_report(minilm_embedder: Embedder) -> LintReport:
    return lint_cards([TRAVEL_BOOKER, TRAVEL_RESERVER, TRANSLATOR], minilm_embedder)


def test_two_paraphrased_travel_agents_fail(travel_report: LintReport) -> None:
    assert travel_report.failed
    worst = travel_report.failing_pairs()
    assert worst and {worst[0][0], worst[0][1]} == {"trips", "journeys"}
    assert {stray.agent for stray in travel_report.strays} <= {"trips", "journeys"}
    # The unrelated translator is neither dragged in nor drawn away.
    assert all(travel_report.overlap["translator"][other] == 0 for other in ("trips", "journeys"))
    assert travel_report.overlap["trips"]["translator"] == 0
    assert format_report(travel_report).splitlines()[-1].startswith("FAIL: ")


def test_a_separated_catalogue_passes(minilm_embedder: Embedder) -> None:
    report = lint_cards([TRANSLATOR, WEATHER, MATH_TUTOR], minilm_embedder)
    assert not report.failed
    assert not report.strays and not report.problems
    assert format_report(report).splitlines()[-1] == "OK: no overlap above 20 %"


def test_a_card_with_three_examples_warns_but_passes(minilm_embedder: Embedder) -> None:
    short = MATH_TUTOR.model_copy(update={"examples": MATH_TUTOR.examples[:3]})
    report = lint_cards([TRANSLATOR, WEATHER, short], minilm_embedder)
    assert [(p.agent, p.severity) for p in report.problems] == [("math-tutor", "warning")]
    assert not report.failed
    assert format_report(report).splitlines()[-1] == "OK: no overlap above 20 % (1 card warning)"


def test_the_shipped_cards_pass(minilm_embedder: Embedder) -> None:
    # As `nova agents lint` checks them: the English the English matcher learns.
    cards = [english_only(card) for card in load_cards([shipped_cards_dir()])]
    report = lint_cards(cards, minilm_embedder)
    assert set(report.agents) >= {"chat", "translator", "summarizer", "proofreader"}
    assert "planner" not in report.agents  # internal agents are not routed to
    assert not report.failed, format_report(report)
    # Room below the 20 % gate, so a CPU whose kernels round differently cannot fail it.
    worst = report.overlapping_pairs()[0] if report.overlapping_pairs() else ("", "", 0.0)
    assert worst[2] <= 0.15, format_report(report)


def test_the_heat_map_of_a_real_report_is_a_png(travel_report: LintReport, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "travel.png"
    draw_heatmap(travel_report, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
