"""TF-IDF word features: tokens, idf weights, unit rows, and the sparse products."""

from __future__ import annotations

import math

import numpy as np
import pytest

from novabot.routing.semantic.tfidf import SparseRows, TfidfVocabulary, terms

CORPUS = [
    "pay my rent",
    "pay the electricity bill",
    "what is my pto balance",
    "how many pto days do I have",
]


def sparse_from_dense(dense: np.ndarray) -> SparseRows:
    """CSR arrays built by hand from a dense matrix, one row at a time."""
    indptr, indices, data = [0], [], []
    for row in dense:
        columns = np.flatnonzero(row)
        indices.extend(columns.tolist())
        data.extend(row[columns].tolist())
        indptr.append(len(indices))
    return SparseRows(
        np.array(indptr, dtype=np.int64),
        np.array(indices, dtype=np.int64),
        np.array(data, dtype=np.float64),
        dense.shape[1],
    )


def random_sparse_dense(rows: int, columns: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, columns))
    values[rng.random((rows, columns)) < 0.7] = 0.0
    values[1] = 0.0  # an all-zero row, as an unknown text gives
    return values


def test_terms_are_lowercased_words_of_two_or_more_characters_plus_adjacent_pairs() -> None:
    assert terms("Check my Routing number, a W2 form!") == [
        "check",
        "my",
        "routing",
        "number",
        "w2",
        "form",
        "check my",
        "my routing",
        "routing number",
        "number w2",
        "w2 form",
    ]


def test_terms_keep_non_ascii_words_and_drop_single_letters() -> None:
    assert terms("Übersetze das") == ["übersetze", "das", "übersetze das"]
    assert terms("a b c") == []
    assert terms("") == []
    assert terms("one") == ["one"]


def test_vocabulary_holds_every_training_term_with_smoothed_idf() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    expected_terms = {term for text in CORPUS for term in terms(text)}
    assert set(vocabulary.columns) == expected_terms
    assert len(vocabulary) == len(expected_terms)
    assert sorted(vocabulary.columns.values()) == list(range(len(expected_terms)))
    idf = {term: float(vocabulary.idf[column]) for term, column in vocabulary.columns.items()}
    # "pay" is in 2 of the 4 texts, "rent" in 1.
    assert idf["pay"] == pytest.approx(math.log(5 / 3) + 1, rel=1e-6)
    assert idf["rent"] == pytest.approx(math.log(5 / 2) + 1, rel=1e-6)


def test_ignored_words_are_no_term_alone_or_in_a_pair() -> None:
    vocabulary = TfidfVocabulary.fit(["pokaż mi to repo", "show me the repo"], {"mi", "to", "the"})
    assert set(vocabulary.columns) == {"pokaż", "repo", "show", "me", "show me"}
    rows = vocabulary.transform(["to the repo"])  # only "repo" is a feature
    assert rows.matrix.nnz == 1


def test_idf_is_smaller_for_common_terms() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    idf = {term: float(vocabulary.idf[column]) for term, column in vocabulary.columns.items()}
    assert idf["my"] < idf["rent"]  # "my" is in two texts
    assert idf["pto"] < idf["balance"]
    assert idf["pay"] == idf["my"] == idf["pto"]
    assert min(idf.values()) >= 1.0


def test_transformed_rows_have_unit_length() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    rows = vocabulary.transform([*CORPUS, "pay pay pay rent", "my pto"])
    assert rows.n_rows == len(CORPUS) + 2
    assert rows.n_columns == len(vocabulary)
    norms = np.linalg.norm(rows.matrix.toarray(), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-6)


def test_term_frequency_is_sublinear_and_weighted_by_idf() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    row = vocabulary.transform(["pay pay pay rent"]).matrix.toarray()[0]
    pay, rent = vocabulary.columns["pay"], vocabulary.columns["rent"]
    assert np.count_nonzero(row) == 2  # "pay pay" and "pay rent" were never seen
    expected = (1 + math.log(3)) * vocabulary.idf[pay] / vocabulary.idf[rent]
    assert row[pay] / row[rent] == pytest.approx(expected, rel=1e-5)


def test_unseen_terms_are_ignored() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    row = vocabulary.transform(["pay the zebra immediately"]).matrix.toarray()[0]
    seen = {vocabulary.columns[t] for t in ("pay", "the", "pay the")}
    assert set(np.flatnonzero(row)) == seen


@pytest.mark.parametrize("text", ["", "zebra quokka", "a ?", "!!!"])
def test_an_empty_or_unknown_text_gives_an_empty_row(text: str) -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    rows = vocabulary.transform(["pay my rent", text])
    assert rows.n_rows == 2
    assert rows.matrix[1].nnz == 0
    assert rows.matrix[0].nnz > 0


def test_dot_equals_the_dense_product() -> None:
    dense = random_sparse_dense(6, 9, seed=1)
    weights = np.random.default_rng(2).normal(size=(9, 4))
    rows = sparse_from_dense(dense)
    product = rows.dot(weights)
    assert isinstance(product, np.ndarray) and product.shape == (6, 4)
    assert np.allclose(product, dense @ weights)


def test_transpose_dot_equals_the_dense_product_every_time() -> None:
    dense = random_sparse_dense(6, 9, seed=3)
    rows = sparse_from_dense(dense)
    rng = np.random.default_rng(4)
    for _ in range(2):  # the second call reuses the transposed copy
        gradient = rng.normal(size=(6, 3))
        product = rows.transpose_dot(gradient)
        assert isinstance(product, np.ndarray) and product.shape == (9, 3)
        assert np.allclose(product, dense.T @ gradient)


def test_products_of_transformed_text_match_the_dense_rows() -> None:
    vocabulary = TfidfVocabulary.fit(CORPUS)
    rows = vocabulary.transform(["my pto balance please", "pay the rent", "nothing known here"])
    dense = rows.matrix.toarray()
    weights = np.arange(len(vocabulary) * 2, dtype=np.float64).reshape(len(vocabulary), 2)
    assert np.allclose(rows.dot(weights), dense @ weights)
    gradient = np.array([[1.0, -1.0], [0.5, 2.0], [3.0, 3.0]])
    assert np.allclose(rows.transpose_dot(gradient), dense.T @ gradient)


def test_take_picks_rows_in_the_order_given() -> None:
    dense = random_sparse_dense(5, 7, seed=5)
    rows = sparse_from_dense(dense)
    order = np.array([3, 0, 3, 1])
    picked = rows.take(order)
    assert (picked.n_rows, picked.n_columns) == (4, 7)
    assert np.allclose(picked.matrix.toarray(), dense[order])
    weights = np.random.default_rng(6).normal(size=(7, 2))
    assert np.allclose(picked.dot(weights), dense[order] @ weights)
    assert np.allclose(picked.transpose_dot(np.ones((4, 1))), dense[order].T @ np.ones((4, 1)))


def test_take_of_no_rows_keeps_the_columns() -> None:
    rows = sparse_from_dense(random_sparse_dense(3, 4, seed=7))
    empty = rows.take(np.array([], dtype=np.int64))
    assert (empty.n_rows, empty.n_columns) == (0, 4)
    assert empty.dot(np.ones((4, 2))).shape == (0, 2)
