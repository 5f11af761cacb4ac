"""Reading CLINC150-shaped files: the splits a task needs, shots, domains, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novabot.routing.quality.data import ClincTask, EvalError, load_clinc
from tests.clinc_sample import N_TRAIN, TRAIN, write_clinc


@pytest.fixture(scope="module")
def clinc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clinc(tmp_path_factory.mktemp("clinc"))


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
        load_clinc(path, ClincTask(split="test", calibrate="split"))
    # Scoring val needs neither test split.
    path = write_clinc(tmp_path / "val-only", test=None, oos_test=None)
    assert set(load_clinc(path, ClincTask(split="val", calibrate="split"))) == {
        "train",
        "val",
        "oos_val",
    }
