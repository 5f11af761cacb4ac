"""The numpy logistic regression: its L-BFGS, its fit, and its softmax."""

from __future__ import annotations

import numpy as np
import pytest

from novabot.routing.semantic import logreg
from novabot.routing.semantic.tfidf import SparseRows, TfidfVocabulary

N_PER_CLASS = 6


def quadratic(a: np.ndarray, b: np.ndarray) -> logreg.Objective:
    """f(x) = x'Ax/2 - b'x, minimised where Ax = b."""

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        return float(0.5 * x @ a @ x - b @ x), a @ x - b

    return value_and_gradient


def ill_conditioned(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random symmetric positive definite A with condition number 100, and a b."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(size, size)))
    a = basis @ np.diag(np.geomspace(0.1, 10.0, size)) @ basis.T
    return (a + a.T) / 2, rng.normal(size=size)


def rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    first, second = x
    value = (1 - first) ** 2 + 100 * (second - first**2) ** 2
    gradient = np.array(
        [-2 * (1 - first) - 400 * first * (second - first**2), 200 * (second - first**2)]
    )
    return float(value), gradient


class Problem:
    """Three classes: class 0 stands apart in the dense features; classes 1 and 2 share
    their dense centre, so only their words (the sparse features) tell them apart."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        centres = np.array([[3.0, 0.0], [0.0, 3.0], [0.0, 3.0]])
        self.labels = np.repeat(np.arange(3), N_PER_CLASS)
        self.dense = centres[self.labels] + rng.normal(scale=0.3, size=(len(self.labels), 2))
        words = {0: "alpha red", 1: "routing number", 2: "pto days"}
        self.texts = [f"{words[int(label)]} item{i}" for i, label in enumerate(self.labels)]
        self.sparse: SparseRows = TfidfVocabulary.fit(self.texts).transform(self.texts)

    def fit(self, c: float = 10.0) -> logreg.LinearModel:
        return logreg.fit(self.dense, self.sparse, self.labels, 3, c=c)

    def objective_gradient(self, model: logreg.LinearModel, c: float) -> np.ndarray:
        """Gradient of (C * summed cross-entropy + |W|^2 / 2) / (C * n), bias unpenalised,
        written out here independently of the module."""
        n = len(self.labels)
        words = self.sparse.matrix.toarray()
        logits = self.dense @ model.dense + words @ model.sparse + model.bias
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = probabilities
        error[np.arange(n), self.labels] -= 1.0
        parts = [
            c * self.dense.T @ error + model.dense,
            c * words.T @ error + model.sparse,
            c * error.sum(axis=0),
        ]
        return np.concatenate([part.ravel() for part in parts]) / (c * n)


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Problem()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimize_finds_the_minimum_of_a_convex_quadratic(seed: int) -> None:
    a, b = ill_conditioned(12, seed)
    objective = quadratic(a, b)
    found = logreg.minimize(objective, np.zeros(12), gradient_tol=1e-10, max_iter=500)
    expected = np.linalg.solve(a, b)
    assert np.allclose(found, expected, rtol=1e-4, atol=1e-4)
    assert objective(found)[0] == pytest.approx(objective(expected)[0], rel=1e-9)


def test_minimize_stops_at_the_gradient_tolerance() -> None:
    a, b = ill_conditioned(8, seed=3)
    found = logreg.minimize(quadratic(a, b), np.zeros(8), gradient_tol=1e-3, max_iter=500)
    assert np.max(np.abs(a @ found - b)) < 1e-3
    assert np.allclose(found, np.linalg.solve(a, b), atol=0.5)


def test_minimize_starting_at_the_minimum_stays_there() -> None:
    a, b = ill_conditioned(5, seed=4)
    optimum = np.linalg.solve(a, b)
    assert np.allclose(logreg.minimize(quadratic(a, b), optimum.copy()), optimum)


def test_minimize_follows_a_curved_valley() -> None:
    found = logreg.minimize(rosenbrock, np.array([-1.2, 1.0]), gradient_tol=1e-8, max_iter=500)
    assert np.allclose(found, [1.0, 1.0], atol=1e-4)


def test_fit_classifies_every_training_point(problem: Problem) -> None:
    model = problem.fit()
    probabilities = model.probabilities(problem.dense, problem.sparse)
    assert probabilities.shape == (len(problem.labels), 3)
    assert np.array_equal(probabilities.argmax(axis=1), problem.labels)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(probabilities >= 0)


def test_fit_needs_the_word_features_to_split_classes_sharing_a_dense_centre(
    problem: Problem,
) -> None:
    model = problem.fit()
    assert model.dense.shape == (2, 3)
    assert model.sparse.shape == (problem.sparse.n_columns, 3)
    assert model.bias.shape == (3,)
    assert np.abs(model.sparse).max() > 0.1
    # Without the words, classes 1 and 2 cannot both be told apart.
    no_words = problem.dense @ model.dense + model.bias
    shared = problem.labels > 0
    assert not np.array_equal(no_words[shared].argmax(axis=1), problem.labels[shared])


def test_fit_minimises_the_penalised_cross_entropy(problem: Problem) -> None:
    for c in (0.1, 1.0, 10.0):
        model = problem.fit(c)
        gradient = problem.objective_gradient(model, c)
        assert np.max(np.abs(gradient)) < 1e-3, c
    # At zero weights the same gradient is far from zero: the check above has teeth.
    zero = logreg.LinearModel(
        np.zeros((2, 3)), np.zeros((problem.sparse.n_columns, 3)), np.zeros(3)
    )
    assert np.max(np.abs(problem.objective_gradient(zero, 1.0))) > 0.1


def test_a_stronger_penalty_gives_smaller_weights(problem: Problem) -> None:
    norms = []
    for c in (0.1, 1.0, 10.0):
        model = problem.fit(c)
        norms.append(float(np.sqrt((model.dense**2).sum() + (model.sparse**2).sum())))
    assert norms[0] < norms[1] < norms[2]
    assert norms[0] < norms[2] / 2


def test_probabilities_are_the_softmax_of_the_linear_scores(problem: Problem) -> None:
    model = problem.fit()
    logits = problem.dense @ model.dense + problem.sparse.matrix.toarray() @ model.sparse
    logits += model.bias
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(model.probabilities(problem.dense, problem.sparse), expected, atol=1e-5)


def test_softmax_is_stable_for_large_logits() -> None:
    small = np.array([[0.0, 1.0, 2.0]])
    for shift in (1000.0, -1000.0, 1e6):
        probabilities = logreg.softmax(small + shift)
        assert np.all(np.isfinite(probabilities))
        assert np.allclose(probabilities, logreg.softmax(small))
    huge = logreg.softmax(np.array([[1e308, 0.0], [-1e308, 0.0]]))
    assert np.allclose(huge, [[1.0, 0.0], [0.0, 1.0]])


def test_softmax_rows_sum_to_one() -> None:
    logits = np.random.default_rng(5).normal(scale=50.0, size=(7, 4))
    probabilities = logreg.softmax(logits)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert np.array_equal(probabilities.argmax(axis=1), logits.argmax(axis=1))
