"""`nova eval routing` on a tiny CLINC150-shaped file and on a user's own cases."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from novabot.calibration import threshold_for_recall
from novabot.cards import load_cards, shipped_cards_dir
from novabot.embedding import EmbeddingCache
from novabot.matchers import shared_minilm
from novabot.routing_eval import (
    ClincTask,
    EvalError,
    RoutingScore,
    evaluate_cases,
    evaluate_clinc,
    format_score,
    load_clinc,
)
from novabot.semantic import ScopeModel, SemanticMatcher
from tests.conftest import cli_env
from tests.test_cli import Result, nova

TRAIN = {
    "book_flight": [
        "book me a flight to paris on friday",
        "i need a plane ticket to tokyo next week",
        "find flights from boston to denver",
        "reserve a seat on the morning flight to rome",
        "get me a one way flight to madrid",
        "can you book an airline ticket to chicago",
        "i want to fly to berlin on monday",
        "book a return flight to lisbon for two",
    ],
    "book_hotel": [
        "book a hotel room in london for two nights",
        "find me a hotel near the beach in nice",
        "reserve a room at a hotel downtown",
        "i need somewhere to stay in vienna this weekend",
        "get me a double room at a hotel in prague",
        "can you book accommodation in oslo for three nights",
        "find a cheap hotel close to the airport",
        "reserve a hotel suite in dubai for friday",
    ],
    "balance": [
        "what is my checking account balance",
        "how much money do i have in savings",
        "tell me the balance of my bank account",
        "how much is left in my account",
        "check my current account balance",
        "what's the balance on my checking",
        "how much cash do i have in the bank",
        "show me my savings account balance",
    ],
    "transfer": [
        "transfer 200 dollars from checking to savings",
        "move money to my savings account",
        "send 50 dollars from my account to john",
        "wire 1000 dollars to my landlord",
        "transfer funds between my accounts",
        "move 300 from savings into checking",
        "send money to my sister's bank account",
        "make a transfer of 75 dollars to alex",
    ],
}
VAL = {
    "book_flight": [
        "book a flight to amsterdam",
        "i need to fly to seattle tomorrow",
        "get me plane tickets to miami",
        "find a flight to athens in june",
    ],
    "book_hotel": [
        "book me a hotel in barcelona",
        "find a room to stay in zurich",
        "reserve a hotel for my trip to milan",
        "i need a hotel room in dublin tonight",
    ],
    "balance": [
        "how much is in my checking account",
        "what's my bank balance",
        "tell me how much money is in savings",
        "check the balance of my account",
    ],
    "transfer": [
        "transfer 100 dollars to savings",
        "send 20 dollars to my brother",
        "move money from checking to savings",
        "wire funds to my business account",
    ],
}
TEST = {
    "book_flight": ["fly me to new york on sunday", "book the cheapest flight to cairo"],
    "book_hotel": ["book two nights at a hotel in seville", "find a hotel with a pool in rome"],
    "balance": ["what is the balance in my savings account"],
    "transfer": ["transfer 40 dollars to my mom", "move 500 dollars into my checking account"],
}
OOS_VAL = [
    "write a poem about autumn",
    "what is the capital of australia",
    "tell me a joke about cats",
    "how do i bake sourdough bread",
    "who won the world cup in 2018",
    "play some jazz music",
]
OOS_TEST = [
    "how many legs does a spider have",
    "recommend a good science fiction novel",
    "what's a synonym for happy",
]
DOMAINS = {"travel": ["book_flight", "book_hotel"], "banking": ["balance", "transfer"]}
N_INTENTS = len(TRAIN)
N_TRAIN = sum(len(texts) for texts in TRAIN.values())
N_VAL = sum(len(texts) for texts in VAL.values())


def rows(by_label: dict[str, list[str]]) -> list[list[str]]:
    return [[text, label] for label, texts in by_label.items() for text in texts]


def write_clinc(folder: Path, **replaced: object) -> Path:
    """data_full.json and domains.json in `folder`; keyword arguments replace splits
    (None drops one)."""
    data: dict[str, object] = {
        # CLINC keeps out-of-scope training messages apart; one stray "oos" row in train
        # must not become an agent.
        "train": [*rows(TRAIN), ["sing me a song", "oos"]],
        "val": rows(VAL),
        "test": rows(TEST),
        "oos_train": [["sing me a song", "oos"]],
        "oos_val": [[text, "oos"] for text in OOS_VAL],
        "oos_test": [[text, "oos"] for text in OOS_TEST],
    }
    for name, value in replaced.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data_full.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (folder / "domains.json").write_text(json.dumps(DOMAINS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clinc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clinc(tmp_path_factory.mktemp("clinc"))


@pytest.fixture(scope="module")
def val_score(clinc: Path) -> RoutingScore:
    return evaluate_clinc(clinc, ClincTask(split="val"), shared_minilm())


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.startswith("nova: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


# --- CLINC in process ------------------------------------------------------------------


def test_val_split_routes_most_messages_to_their_intent(val_score: RoutingScore) -> None:
    assert val_score.in_scope_accuracy >= 0.75
    assert 0.0 <= val_score.oos_recall <= 1.0 and 0.0 <= val_score.oos_precision <= 1.0
    assert val_score.n_in_scope == N_VAL
    assert val_score.n_oos == len(OOS_VAL)
    assert 0 < val_score.p50_ms <= val_score.p99_ms
    assert val_score.backend == shared_minilm().name
    details = val_score.details
    assert details["agents"] == N_INTENTS
    assert details["train_examples"] == N_TRAIN
    assert (details["split"], details["level"], details["shots"]) == ("val", "intent", None)
    assert details["no_abstention_accuracy"] >= val_score.in_scope_accuracy


def test_val_split_is_cross_fitted_over_five_folds(val_score: RoutingScore) -> None:
    thresholds = val_score.details["thresholds"]
    assert isinstance(thresholds, list) and len(thresholds) == 5
    assert all(0.0 <= t <= 1.0 for t in thresholds)


def test_the_score_flattens_its_details_for_json(val_score: RoutingScore) -> None:
    data = val_score.as_dict()
    assert "details" not in data
    assert data["agents"] == N_INTENTS and data["n_oos"] == len(OOS_VAL)
    json.dumps(data)


def test_domain_level_has_one_agent_per_domain(clinc: Path) -> None:
    score = evaluate_clinc(clinc, ClincTask(split="val", level="domain"), shared_minilm())
    assert score.details["agents"] == len(DOMAINS) == 2
    assert score.details["level"] == "domain"
    assert score.in_scope_accuracy >= 0.75
    splits = load_clinc(clinc, ClincTask(level="domain"))
    assert {label for _, label in splits["train"]} == set(DOMAINS)
    assert {label for _, label in splits["oos_val"]} == {"oos"}


def test_shots_trains_on_k_examples_per_intent(clinc: Path) -> None:
    score = evaluate_clinc(clinc, ClincTask(split="val", shots=2), shared_minilm())
    assert score.details["train_examples"] == 2 * N_INTENTS
    assert score.details["shots"] == 2
    assert score.details["agents"] == N_INTENTS
    assert score.n_in_scope == N_VAL


def test_shots_sample_each_intent_repeatably_by_seed(clinc: Path) -> None:
    first = load_clinc(clinc, ClincTask(shots=3, seed=0))["train"]
    assert sorted(first) == sorted(load_clinc(clinc, ClincTask(shots=3, seed=0))["train"])
    for seed in (0, 1):
        picked = load_clinc(clinc, ClincTask(shots=3, seed=seed))["train"]
        for intent, texts in TRAIN.items():
            chosen = [text for text, label in picked if label == intent]
            assert len(chosen) == 3 and set(chosen) <= set(texts)
    others = [load_clinc(clinc, ClincTask(shots=3, seed=s))["train"] for s in (1, 2, 3)]
    assert any(sorted(other) != sorted(first) for other in others)
    everything = load_clinc(clinc, ClincTask(shots=50))["train"]
    assert len(everything) == N_TRAIN


def test_test_split_calibrates_on_val_and_scores_test(clinc: Path) -> None:
    embedder = shared_minilm()
    score = evaluate_clinc(clinc, ClincTask(split="test"), embedder)
    assert score.n_in_scope == sum(len(texts) for texts in TEST.values())
    assert score.n_oos == len(OOS_TEST)
    assert score.details["split"] == "test"
    # The same router, trained on train, with the threshold chosen from oos_val alone.
    texts = [text for text, _ in rows(TRAIN)]
    labels = [label for _, label in rows(TRAIN)]
    matcher = SemanticMatcher(
        embedder, ScopeModel.train(texts, labels, embedder.embed(texts)), threshold=0.0
    )

    def best_scores(messages: list[str]) -> np.ndarray:
        return np.array([matcher.rank(message)[0].score for message in messages])

    from_val = threshold_for_recall(best_scores(OOS_VAL), 0.6)
    from_test = threshold_for_recall(best_scores(OOS_TEST), 0.6)
    assert round(from_val, 4) != round(from_test, 4), "the data no longer tells them apart"
    assert score.details["thresholds"] == [round(from_val, 4)]
    expected_recall = float(np.mean(best_scores(OOS_TEST) < from_val))
    assert score.oos_recall == pytest.approx(expected_recall, abs=1e-4)


def test_training_vectors_are_cached_between_runs(clinc: Path, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        steps.append((done, total))

    first = evaluate_clinc(clinc, ClincTask(), shared_minilm(), cache, progress)
    assert steps and steps[-1] == (N_TRAIN, N_TRAIN)
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    steps.clear()
    again = evaluate_clinc(clinc, ClincTask(), shared_minilm(), cache, progress)
    assert steps == []  # nothing left to embed
    assert again.in_scope_accuracy == first.in_scope_accuracy


def test_missing_domains_file_or_intent_is_an_eval_error(tmp_path: Path) -> None:
    path = write_clinc(tmp_path / "a")
    (tmp_path / "a" / "domains.json").unlink()
    with pytest.raises(EvalError, match=r"domains\.json: no such file"):
        load_clinc(path, ClincTask(level="domain"))
    path = write_clinc(tmp_path / "b")
    (tmp_path / "b" / "domains.json").write_text(json.dumps({"travel": ["book_flight"]}))
    with pytest.raises(EvalError, match=r"intent '(book_hotel|balance|transfer)' is in no domain"):
        load_clinc(path, ClincTask(level="domain"))


def test_test_split_needs_val_for_calibration(tmp_path: Path) -> None:
    path = write_clinc(tmp_path, oos_val=None)
    with pytest.raises(EvalError, match="no oos_val split"):
        load_clinc(path, ClincTask(split="test"))
    # Scoring val needs neither test split.
    path = write_clinc(tmp_path / "val-only", test=None, oos_test=None)
    assert set(load_clinc(path, ClincTask(split="val"))) == {"train", "val", "oos_val"}


@pytest.mark.parametrize(
    ("what", "replaced"),
    [
        ("a train split with no in-scope rows", {"train": [["sing me a song", "oos"]]}),
        ("a row that is not a [text, label] pair", {"val": [["book a flight", "x", "y"]]}),
        ("a split that is not a list", {"oos_val": 7}),
        (
            "rows that are objects, not pairs",
            {"val": [{"text": "book a flight to oslo", "intent": "book_flight"}]},
        ),
    ],
)
def test_malformed_splits_are_eval_errors(
    tmp_path: Path, what: str, replaced: dict[str, object]
) -> None:
    path = write_clinc(tmp_path, **replaced)
    try:
        evaluate_clinc(path, ClincTask(split="val"), shared_minilm())
    except EvalError as exc:
        assert str(path) in str(exc)
    except Exception as exc:  # which exception escapes is the point
        pytest.fail(
            f"{what}: {type(exc).__name__}: {exc} escapes instead of EvalError, so"
            " `nova eval routing` ends in a traceback instead of a one-line message"
        )
    else:
        pytest.fail(f"{what}: accepted without complaint")


# --- the command line -------------------------------------------------------------------


async def test_cli_json_is_one_object_and_the_table_reads_well(clinc: Path, tmp_path: Path) -> None:
    args = ("eval", "routing", "--clinc", str(clinc), "--split", "val", "--level", "intent")
    as_json, as_table = await asyncio.gather(
        nova(tmp_path, *args, "--json", env=cli_env(tmp_path)),
        # A cache of its own, so the training examples are embedded and the bar is drawn.
        nova(tmp_path, *args, env=cli_env(tmp_path, NOVA_ROUTER_CACHE_DIR=str(tmp_path / "c"))),
    )
    assert as_json.code == 0, as_json.err
    assert as_json.out.count("\n") == 1
    data = json.loads(as_json.out)
    assert isinstance(data, dict)
    keys = {
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "p50_ms",
        "p99_ms",
        "n_in_scope",
        "n_oos",
        "backend",
    }
    assert keys <= set(data)
    assert (data["n_in_scope"], data["n_oos"]) == (N_VAL, len(OOS_VAL))
    assert data["in_scope_accuracy"] >= 0.75
    assert data["backend"].startswith("minilm")
    assert "embedding training examples" not in as_json.err

    assert as_table.code == 0, as_table.err
    lines = as_table.out.splitlines()
    assert lines[0].startswith("in-scope accuracy") and lines[0].endswith("%")
    assert any(line.startswith("out-of-scope recall") for line in lines)
    counts = next(line for line in lines if line.startswith("messages (in scope / out of scope)"))
    assert counts.endswith(f"  {N_VAL} / {len(OOS_VAL)}")
    assert "embedding training examples [" in as_table.err
    assert f"{N_TRAIN}/{N_TRAIN}" in as_table.err
    assert "embedding" not in as_table.out


async def test_cli_errors_are_one_line_and_exit_2(clinc: Path, tmp_path: Path) -> None:
    no_val = write_clinc(tmp_path / "no-val", val=None)
    missing = tmp_path / "nowhere.json"
    env = cli_env(tmp_path)
    lexical = cli_env(tmp_path, NOVA_ROUTER_BACKEND="lexical")
    routing = ("eval", "routing", "--clinc")
    no_file, no_split, zero_shots, lexical_backend = await asyncio.gather(
        nova(tmp_path, *routing, str(missing), env=env),
        nova(tmp_path, *routing, str(no_val), env=env),
        nova(tmp_path, *routing, str(clinc), "--shots", "0", env=env),
        nova(tmp_path, *routing, str(clinc), env=lexical),
    )
    assert_one_line_error(no_file, str(missing), "no such file")
    assert_one_line_error(no_split, str(no_val), "no val")
    assert_one_line_error(zero_shots, "--shots must be at least 1")
    assert_one_line_error(lexical_backend, "NOVA_ROUTER_BACKEND", "lexical", "minilm")


async def test_cli_scores_labelled_cases_against_the_shipped_agents(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"text": "translate 'thank you' into German", "agent": "translator"},
        {"text": "proofread: their going too the park", "agent": "proofreader"},
        {"text": "hi there!", "agent": "chat"},
        {"text": "summarise this article in three bullet points", "agent": "summarizer"},
        {"text": "book me a table for two at an italian restaurant tonight", "agent": None},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(
        '{"text": "hello", "agent": "chat"}\n\n{"text": "a sonnet", "agent": "poet"}\n',
        encoding="utf-8",
    )
    env = cli_env(tmp_path)  # no LLM endpoint: measuring the router needs none
    scored, rejected = await asyncio.gather(
        nova(tmp_path, "eval", "routing", "--cases", str(cases), "--json", env=env),
        nova(tmp_path, "eval", "routing", "--cases", str(unknown), env=env),
    )
    assert scored.code == 0, scored.err
    data = json.loads(scored.out)
    assert (data["n_in_scope"], data["n_oos"]) == (4, 1)
    for key in ("in_scope_accuracy", "oos_recall", "oos_precision"):
        assert isinstance(data[key], float) and 0.0 <= data[key] <= 1.0, key
    assert data["agents"] == 4  # chat, proofreader, summarizer, translator; not the planner
    assert data["in_scope_accuracy"] >= 0.75
    assert_one_line_error(rejected, f"{unknown}:3:", "no agent named 'poet'", "translator")


def test_cases_list_every_misrouted_message(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"text": "translate 'thank you' into German", "agent": "translator"},
        {"text": "translate 'good night' into Spanish", "agent": "proofreader"},
        {"text": "order me a pizza with extra cheese", "agent": None},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    matcher = SemanticMatcher.from_cards(
        [card for card in load_cards([shipped_cards_dir()]) if card.routable], shared_minilm()
    )
    score = evaluate_cases(cases, matcher, sorted(matcher.model.labels))
    wrong = {case.text: (case.expected, case.got) for case in score.misrouted}
    assert wrong["translate 'good night' into Spanish"] == ("proofreader", "translator")
    assert "translate 'thank you' into German" not in wrong
    assert score.as_dict()["misrouted"][0]["expected"] == "proofreader"
    table = format_score(score)
    assert "misrouted (expected → got, score):" in table
    assert "proofreader → translator" in table
