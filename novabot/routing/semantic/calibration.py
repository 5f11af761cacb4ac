"""Choosing where the router abstains: thresholds learnt from held-out messages.

A threshold is only honest when the messages that chose it are not the ones it is
judged on, so every choice here is made from scores of held-out messages (cross-validated
folds, or a separate split).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DEFAULT_OOS_RECALL = 0.6


def threshold_for_recall(oos_scores: np.ndarray, target_recall: float) -> float:
    """The lowest threshold that rejects `target_recall` of the out-of-scope scores.

    Raising a threshold only ever loses in-scope answers, so the lowest one that reaches
    the recall target is the one that keeps the most in-scope accuracy.
    """
    if len(oos_scores) == 0 or target_recall <= 0:
        return 0.0
    ordered = np.sort(oos_scores)
    needed = min(len(ordered), math.ceil(target_recall * len(ordered) - 1e-9))
    return float(np.nextafter(ordered[needed - 1], np.inf))


def threshold_for_acceptance(in_scores: np.ndarray, accepted: float) -> float:
    """The threshold that still accepts `accepted` of the in-scope scores given.

    Used when there are no out-of-scope examples to learn from: a user's own catalogue
    has example requests but rarely a list of requests that belong to nobody.
    """
    if len(in_scores) == 0:
        return 0.0
    return float(np.quantile(in_scores, 1.0 - accepted, method="lower"))


def fold_ids(count: int, folds: int, seed: int = 0) -> np.ndarray:
    """A fold number per item, shuffled with a fixed seed so results repeat."""
    ids = np.arange(count) % max(1, folds)
    np.random.default_rng(seed).shuffle(ids)
    return ids


def stratified_fold_ids(labels: Sequence[object], folds: int, seed: int = 0) -> np.ndarray:
    """Fold numbers that spread every label evenly over the folds."""
    rng = np.random.default_rng(seed)
    ids = np.zeros(len(labels), dtype=np.int64)
    by_label: dict[object, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    offset = 0
    for members in by_label.values():
        order = rng.permutation(members)
        ids[order] = (np.arange(len(order)) + offset) % folds
        offset += len(order)  # so labels with few members do not all start in fold 0
    return ids


def cross_fitted_thresholds(
    in_scores: np.ndarray,
    oos_scores: np.ndarray,
    target_recall: float,
    folds: int = 5,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Per-message thresholds, each chosen from the other folds only.

    Returns the threshold applied to every in-scope and every out-of-scope message, and the
    fold thresholds, so a split can be both the calibration set and the scored set without
    any message calibrating its own threshold.
    """
    in_folds = fold_ids(len(in_scores), folds, seed)
    oos_folds = fold_ids(len(oos_scores), folds, seed + 1)
    in_thresholds = np.zeros(len(in_scores))
    oos_thresholds = np.zeros(len(oos_scores))
    chosen = []
    for fold in range(folds):
        threshold = threshold_for_recall(oos_scores[oos_folds != fold], target_recall)
        in_thresholds[in_folds == fold] = threshold
        oos_thresholds[oos_folds == fold] = threshold
        chosen.append(threshold)
    return in_thresholds, oos_thresholds, chosen
