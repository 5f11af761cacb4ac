"""`nova eval routing` on a tiny CLINC150-shaped file and on a user's own cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.routing.embedding import EmbeddingCache
from novabot.routing.factory import shared_minilm
from novabot.routing.quality.data import ClincTask, EvalError, load_clinc
from novabot.routing.quality.evaluation import (
    RoutingScore,
    evaluate_cases,
    evaluate_clinc,
    format_score,
)
from novabot.routing.semantic.calibration import threshold_for_recall
from novabot.routing.semantic.matcher import (
    OUTSIDE,
    ScopeModel,
    SemanticMatcher,
    held_out_scores,
)
from tests.clinc_sample import (
    DOMAINS,
    N_INTENTS,
    N_TRAIN,
    N_VAL,
    OOS_TEST,
    OOS_TRAIN,
    OOS_VAL,
    TEST,
    TRAIN,
    rows,
    write_clinc,
)


@pytest.fixture(scope="module")
def clinc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clinc(tmp_path_factory.mktemp("clinc"))


@pytest.fixture(scope="module")
def val_score(clinc: Path) -> RoutingScore:
    return evaluate_clinc(clinc, ClincTask(split="val", calibrate="split"), shared_minilm())


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


def test_test_split_calibrates_on_val_and_scores_test(clinc: Path) -> None:
    embedder = shared_minilm()
    score = evaluate_clinc(clinc, ClincTask(split="test", calibrate="split"), embedder)
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


def test_train_calibration_learns_oos_train_and_never_looks_at_the_scored_split(
    clinc: Path, tmp_path: Path
) -> None:
    score = evaluate_clinc(clinc, ClincTask(split="val", target_recall=0.8), shared_minilm())
    assert score.details["calibrated_on"] == "train folds"
    assert score.details["agents"] == N_INTENTS  # "(outside)" is learnt, but nobody's agent
    assert score.details["train_examples"] == N_TRAIN
    [threshold] = score.details["thresholds"]
    # The threshold rejects 80 % of the held-out oos_train requests ...
    texts = [text for text, _ in rows(TRAIN)] + OOS_TRAIN
    labels = [label for _, label in rows(TRAIN)] + [OUTSIDE] * len(OOS_TRAIN)
    held_out = held_out_scores(texts, labels, shared_minilm().embed(texts))
    assert held_out is not None
    assert threshold == round(threshold_for_recall(held_out.outside, 0.8), 4)
    # ... and other val messages leave it where it was.
    other = write_clinc(tmp_path, oos_val=[["what's the capital of chile", "oos"]])
    again = evaluate_clinc(other, ClincTask(split="val", target_recall=0.8), shared_minilm())
    assert again.details["thresholds"] == [threshold]
    assert again.n_oos == 1


def test_train_calibration_needs_out_of_scope_training_requests(tmp_path: Path) -> None:
    path = write_clinc(tmp_path, oos_train=[["sing me a song", "oos"]])
    with pytest.raises(EvalError, match="oos_train"):
        evaluate_clinc(path, ClincTask(split="val"), shared_minilm())


def test_training_vectors_are_cached_between_runs(clinc: Path, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        steps.append((done, total))

    first = evaluate_clinc(clinc, ClincTask(), shared_minilm(), cache, progress)
    embedded = N_TRAIN + len(OOS_TRAIN)  # oos_train is learnt as requests nobody takes
    assert steps and steps[-1] == (embedded, embedded)
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    steps.clear()
    again = evaluate_clinc(clinc, ClincTask(), shared_minilm(), cache, progress)
    assert steps == []  # nothing left to embed
    assert again.in_scope_accuracy == first.in_scope_accuracy


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
