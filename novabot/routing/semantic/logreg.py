"""Multinomial logistic regression over [sentence embedding | TF-IDF], in numpy alone.

The router trains one of these over the agents' example requests. It is written here
rather than taken from scikit-learn because importing scikit-learn and SciPy costs about
100 MB of resident memory in a process that must stay small, for one model that is
trained in seconds. Training minimises the same objective as scikit-learn's
`LogisticRegression(C=...)`: C times the summed cross-entropy plus half the squared weights
(the intercept is not penalised), with L-BFGS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from novabot.routing.semantic.tfidf import SparseRows

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class LinearModel:
    dense: np.ndarray
    """(embedding dimension, classes)"""
    sparse: np.ndarray
    """(TF-IDF columns, classes)"""
    bias: np.ndarray
    """(classes,)"""

    def probabilities(self, dense: np.ndarray, sparse: SparseRows) -> np.ndarray:
        """Class probabilities, one row per input row."""
        return softmax(dense @ self.dense + sparse.dot(self.sparse) + self.bias)


def fit(
    dense: np.ndarray,
    sparse: SparseRows,
    labels: np.ndarray,
    n_classes: int,
    *,
    c: float = 10.0,
    max_iter: int = 300,
) -> LinearModel:
    """Fit the weights; `labels` are class indices in [0, n_classes)."""
    shapes = ((dense.shape[1], n_classes), (sparse.n_columns, n_classes), (n_classes,))
    objective = _objective(dense.astype(np.float32), sparse, labels, shapes, c)
    size = sum(int(np.prod(shape)) for shape in shapes)
    solution = minimize(objective, np.zeros(size), max_iter=max_iter)
    dense_w, sparse_w, bias = _unpack(solution, shapes)
    return LinearModel(dense_w.astype(np.float32), sparse_w.astype(np.float32), bias)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _unpack(theta: np.ndarray, shapes: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(theta[start : start + size].reshape(shape))
        start += size
    return parts


def _objective(
    dense: np.ndarray,
    sparse: SparseRows,
    labels: np.ndarray,
    shapes: tuple[tuple[int, ...], ...],
    c: float,
) -> Objective:
    rows = np.arange(len(labels))
    # Dividing C*sum(loss) + |w|^2/2 by C*n keeps the numbers near 1 whatever n is.
    penalty = 1.0 / (c * len(labels))

    def value_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        dense_w, sparse_w, bias = _unpack(theta, shapes)
        logits = dense @ dense_w.astype(np.float32) + sparse.dot(sparse_w.astype(np.float32))
        logits = logits.astype(np.float64) + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1))
        loss = float(np.mean(log_norm - logits[rows, labels]))
        loss += 0.5 * penalty * float((dense_w**2).sum() + (sparse_w**2).sum())
        error = np.exp(logits - log_norm[:, None])
        error[rows, labels] -= 1.0
        error = (error / len(labels)).astype(np.float32)
        gradient = np.concatenate(
            [
                (dense.T @ error + penalty * dense_w).ravel(),
                (sparse.transpose_dot(error) + penalty * sparse_w).ravel(),
                error.sum(axis=0),
            ]
        )
        return loss, gradient.astype(np.float64)

    return value_and_gradient


def minimize(
    objective: Objective,
    start: np.ndarray,
    *,
    max_iter: int = 300,
    gradient_tol: float = 1e-4,
    memory: int = 10,
) -> np.ndarray:
    """L-BFGS with a backtracking (Armijo) line search.

    The default tolerance is scikit-learn's. Stopping there rather than at the exact
    optimum regularises a little more, which measured better on held-out messages.
    """
    x = start
    value, gradient = objective(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        if np.max(np.abs(gradient)) < gradient_tol:
            break
        direction = -_inverse_hessian_times(gradient, steps)
        slope = float(gradient @ direction)
        if slope >= 0:  # the curvature history went stale: restart from steepest descent
            steps.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        step = 1.0 if steps else min(1.0, 1.0 / float(np.abs(gradient).sum()))
        x_new, value_new, gradient_new = _line_search(objective, x, value, direction, slope, step)
        s, y = x_new - x, gradient_new - gradient
        if float(s @ y) > 1e-12:
            steps.append((s, y, 1.0 / float(s @ y)))
            del steps[:-memory]
        converged = abs(value - value_new) <= 1e-10 * max(1.0, abs(value))
        x, value, gradient = x_new, value_new, gradient_new
        if converged:
            break
    return x


def _inverse_hessian_times(
    gradient: np.ndarray, steps: list[tuple[np.ndarray, np.ndarray, float]]
) -> np.ndarray:
    """The two-loop recursion: an approximate inverse Hessian applied to the gradient."""
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(steps):
        alpha = rho * float(s @ q)
        q -= alpha * y
        alphas.append(alpha)
    if steps:
        s, y, _ = steps[-1]
        q *= float(s @ y) / float(y @ y)
    for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
        q += (alpha - rho * float(y @ q)) * s
    return q


def _line_search(
    objective: Objective,
    x: np.ndarray,
    value: float,
    direction: np.ndarray,
    slope: float,
    step: float,
) -> tuple[np.ndarray, float, np.ndarray]:
    while True:
        candidate = x + step * direction
        new_value, new_gradient = objective(candidate)
        if new_value <= value + 1e-4 * step * slope or step < 1e-10:
            return candidate, new_value, new_gradient
        step *= 0.5
