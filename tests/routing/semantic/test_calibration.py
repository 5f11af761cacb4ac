"""Abstention thresholds: recall targets, acceptance shares, folds and cross-fitting."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from novabot.routing.semantic.calibration import (
    cross_fitted_thresholds,
    fold_ids,
    stratified_fold_ids,
    threshold_for_acceptance,
    threshold_for_recall,
)


def rejected_share(oos_scores: np.ndarray, threshold: float) -> float:
    """The router abstains when a score is below the threshold."""
    return float(np.mean(oos_scores < threshold))


@pytest.mark.parametrize("target", [0.1, 0.25, 0.5, 0.6, 0.95, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_threshold_for_recall_is_the_lowest_that_reaches_the_target(
    target: float, seed: int
) -> None:
    scores = np.random.default_rng(seed).random(23)
    threshold = threshold_for_recall(scores, target)
    assert rejected_share(scores, threshold) >= target - 1e-12
    # One notch lower no longer reaches the target.
    lower = float(np.nextafter(threshold, -np.inf))
    assert rejected_share(scores, lower) < target


def test_threshold_for_recall_rejects_exactly_the_needed_count() -> None:
    scores = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05])
    threshold = threshold_for_recall(scores, 0.6)
    assert int((scores < threshold).sum()) == 6
    assert 0.5 < threshold < 0.6
    assert threshold == float(np.nextafter(0.5, np.inf))


def test_threshold_for_recall_with_tied_scores_rejects_the_whole_tie() -> None:
    scores = np.array([0.2, 0.5, 0.5, 0.5, 0.9])
    threshold = threshold_for_recall(scores, 0.4)  # two of five needed
    assert int((scores < threshold).sum()) == 4
    assert rejected_share(scores, float(np.nextafter(threshold, -np.inf))) == 0.2


def test_threshold_for_recall_when_the_target_is_a_whole_share() -> None:
    # 0.3 * 10 is 3.0000000000000004 in floating point; it still means three scores.
    scores = np.linspace(0.1, 1.0, 10)
    threshold = threshold_for_recall(scores, 0.3)
    assert int((scores < threshold).sum()) == 3


def test_threshold_for_recall_is_zero_without_oos_scores_or_target() -> None:
    assert threshold_for_recall(np.array([]), 0.6) == 0.0
    assert threshold_for_recall(np.array([0.3, 0.7]), 0.0) == 0.0
    assert threshold_for_recall(np.array([0.3, 0.7]), -0.1) == 0.0


def test_threshold_for_recall_of_everything_is_above_the_highest_score() -> None:
    scores = np.array([0.3, 0.99, 0.2])
    threshold = threshold_for_recall(scores, 1.0)
    assert threshold > 0.99
    assert rejected_share(scores, threshold) == 1.0


def test_threshold_for_acceptance_accepts_at_least_the_share() -> None:
    scores = np.random.default_rng(3).random(100)
    for accepted in (0.5, 0.8, 0.95, 0.99):
        threshold = threshold_for_acceptance(scores, accepted)
        assert float(np.mean(scores >= threshold)) >= accepted
        assert threshold in scores  # one of the scores itself, not an interpolation


def test_threshold_for_acceptance_exact_values() -> None:
    scores = np.arange(1, 21) / 20  # 0.05, 0.10, ... 1.00
    assert threshold_for_acceptance(scores, 1.0) == pytest.approx(0.05)
    assert threshold_for_acceptance(scores, 0.5) == pytest.approx(0.5)  # accepts 11 of 20
    assert threshold_for_acceptance(scores, 0.0) == pytest.approx(1.0)
    assert threshold_for_acceptance(np.array([]), 0.95) == 0.0


def test_fold_ids_are_balanced_and_repeatable() -> None:
    ids = fold_ids(23, 5, seed=4)
    assert sorted(Counter(ids.tolist()).values()) == [4, 4, 5, 5, 5]
    assert np.array_equal(ids, fold_ids(23, 5, seed=4))
    assert not np.array_equal(ids, fold_ids(23, 5, seed=5))


def test_stratified_fold_ids_spread_every_label_over_the_folds() -> None:
    labels = ["a"] * 10 + ["b"] * 7 + ["c"] * 5 + ["d"] * 2
    folds = 5
    ids = stratified_fold_ids(labels, folds, seed=0)
    assert ids.shape == (len(labels),)
    assert set(ids.tolist()) <= set(range(folds))
    for label in set(labels):
        members = labels.count(label)
        in_label = ids[[i for i, x in enumerate(labels) if x == label]]
        per_fold = [int((in_label == fold).sum()) for fold in range(folds)]
        # As even as it can be: every fold gets floor or ceil of members / folds.
        assert min(per_fold) == members // folds, label
        assert max(per_fold) == math.ceil(members / folds), label


def test_stratified_fold_ids_do_not_pile_small_labels_into_one_fold() -> None:
    labels = [f"label{i // 2}" for i in range(10)]  # five labels with two members each
    ids = stratified_fold_ids(labels, 5)
    assert sorted(Counter(ids.tolist()).values()) == [2, 2, 2, 2, 2]


def test_stratified_fold_ids_are_repeatable() -> None:
    labels = list("aabbbcccc" * 3)
    assert np.array_equal(stratified_fold_ids(labels, 3), stratified_fold_ids(labels, 3))
    assert np.array_equal(
        stratified_fold_ids(labels, 3, seed=7), stratified_fold_ids(labels, 3, seed=7)
    )


def test_cross_fitting_never_lets_an_oos_message_calibrate_its_own_threshold() -> None:
    # One out-of-scope message per fold: each message's threshold must come from the
    # other four alone. Calibrated on all five, 0.3 would sit below the threshold too.
    oos = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    in_scores = np.linspace(0.35, 0.95, 10)
    target = 0.5
    _, oos_t, chosen = cross_fitted_thresholds(in_scores, oos, target, folds=5)
    for i in range(len(oos)):
        assert oos_t[i] == threshold_for_recall(np.delete(oos, i), target)
    everything = threshold_for_recall(oos, target)
    assert everything > 0.3  # with its own score included, 0.3 would be rejected
    assert oos[2] >= oos_t[2]  # left out of its calibration, it is not
    assert np.any(oos_t != everything)
    assert sorted(chosen) == sorted(oos_t.tolist())


def test_each_fold_threshold_is_applied_to_that_folds_in_scope_messages() -> None:
    oos = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    in_scores = np.linspace(0.35, 0.95, 10)
    in_t, _, chosen = cross_fitted_thresholds(in_scores, oos, 0.5, folds=5)
    assert in_t.shape == in_scores.shape
    # Ten in-scope messages over five folds: every fold's threshold reaches two of them.
    assert sorted(in_t.tolist()) == sorted(chosen * 2)


def test_every_fold_threshold_comes_from_the_other_folds() -> None:
    rng = np.random.default_rng(0)
    oos, in_scores = rng.random(17), rng.random(30)
    folds, target = 4, 0.6
    in_t, oos_t, chosen = cross_fitted_thresholds(in_scores, oos, target, folds)
    assert len(chosen) == folds
    # With these scores every fold's threshold differs, so the threshold a message was
    # given says which fold it was in.
    assert len(set(chosen)) == folds, "the data no longer tells the folds apart"
    sizes = []
    for threshold in chosen:
        in_fold = oos_t == threshold
        sizes.append(int(in_fold.sum()))
        assert threshold == threshold_for_recall(oos[~in_fold], target)
    assert sorted(sizes) == [4, 4, 4, 5]
    assert set(chosen) != {threshold_for_recall(oos, target)}
    in_sizes = sorted(int((in_t == threshold).sum()) for threshold in chosen)
    assert in_sizes == [7, 7, 8, 8]
    assert cross_fitted_thresholds(in_scores, oos, target, folds)[2] == chosen


def test_cross_fitting_without_oos_scores_accepts_everything() -> None:
    in_t, oos_t, chosen = cross_fitted_thresholds(np.array([0.2, 0.9]), np.array([]), 0.6, 5)
    assert chosen == [0.0] * 5
    assert np.array_equal(in_t, [0.0, 0.0]) and oos_t.shape == (0,)
