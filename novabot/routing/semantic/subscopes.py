"""Splitting a broad agent's examples into sub-scopes, so one linear boundary need not fit all.

An agent that covers a whole domain ("banking": balances, transfers, card limits, …)
has examples in several separate regions of embedding space. A linear classifier draws
one boundary per class, which fits such an agent badly; giving each region its own
class and adding their probabilities back up per agent fits it well. The regions are
found without labels, by spherical k-means over the agent's own examples.
"""

from __future__ import annotations

import numpy as np

SUBSCOPE_SIZE = 100
"""About this many examples per sub-scope; agents with fewer than twice as many stay whole.
Catalogues of hand-written cards (5-30 examples per agent) are never split."""
_ROUNDS = 25


def split_into_subscopes(
    agent_of_example: np.ndarray, vectors: np.ndarray, size: int = SUBSCOPE_SIZE, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A sub-scope number per example, and the agent index of each sub-scope."""
    subscope = np.zeros(len(agent_of_example), dtype=np.int64)
    owners: list[int] = []
    for agent in np.unique(agent_of_example):
        members = np.flatnonzero(agent_of_example == agent)
        parts = len(members) // size if len(members) >= 2 * size else 1
        assignment = _spherical_kmeans(vectors[members], parts, seed) if parts > 1 else 0
        subscope[members] = len(owners) + assignment
        owners += [int(agent)] * parts
    return subscope, np.array(owners, dtype=np.int64)


def _spherical_kmeans(vectors: np.ndarray, parts: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = _spread_out_start(vectors, parts, rng)
    assignment = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(_ROUNDS):
        new = np.argmax(vectors @ centres.T, axis=1)
        if _ and np.array_equal(new, assignment):
            break
        assignment = new
        for part in range(parts):
            members = vectors[assignment == part]
            if len(members):  # an emptied part keeps its old centre
                total = members.sum(axis=0)
                centres[part] = total / (np.linalg.norm(total) or 1.0)
    # Relabel so every part in 0..parts-1 is used (an empty part would be a dead class).
    _, dense = np.unique(assignment, return_inverse=True)
    return _pad_to(dense, parts)


def _spread_out_start(vectors: np.ndarray, parts: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next centre is drawn far from the ones already chosen."""
    centres = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, parts):
        distance = 1.0 - np.max(vectors @ np.array(centres).T, axis=1)
        weights = np.clip(distance, 0, None) ** 2
        total = weights.sum()
        pick = (
            rng.choice(len(vectors), p=weights / total) if total > 0 else rng.integers(len(vectors))
        )
        centres.append(vectors[pick])
    return np.array(centres, dtype=np.float64)


def _pad_to(assignment: np.ndarray, parts: int) -> np.ndarray:
    """If k-means left parts empty, give each a member so the part count stays as promised."""
    used = int(assignment.max()) + 1
    for part in range(used, parts):
        assignment[np.flatnonzero(assignment == np.bincount(assignment).argmax())[0]] = part
    return assignment
