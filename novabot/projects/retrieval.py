"""Choosing a project's knowledge for a message: pinned items, then the most relevant.

Relevance is hybrid. FTS5's BM25 finds items sharing the message's words; the sentence
encoder's cosine similarity finds items that say the same thing in other words. The two
rankings are fused by reciprocal rank (each item scores the sum of 1 / (60 + its rank)),
which needs no calibration between BM25 ranks and cosines. Only `active` items are
candidates: proposed, dismissed, resolved and superseded ones never reach a prompt.

Item vectors are stored beside the items (keyed by a digest of the text they were made
from, so an edited item is embedded again) and a project's matrix is kept in memory
until its items change, so a message costs one query embedding, one FTS query and one
matrix product.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from novabot.core.message import ConversationKey
from novabot.projects.context import ProjectKnowledge, item_tokens, preamble_tokens
from novabot.routing.embedding import Embedder, EmbeddingError
from novabot.store import Store
from novabot.store.knowledge import KnowledgeItem

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "vectors"]

RRF_K = 60
DEPTH = 30
"""How far down each ranking the fusion looks."""
MIN_COSINE = 0.3
"""Below this similarity an item is not "about" the message (MiniLM puts unrelated
sentences at 0 to 0.2), so a small project's every item is not dragged into each prompt."""
MIN_COVERAGE = 0.5
"""In hybrid ranking, a word match counts when it has this share of the message's words."""
MAX_RELEVANT = 10
COMMON_SHARE = 0.1
COMMON_MIN_ITEMS = 200
EMBED_BATCH = 256

_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in "
    "into is it its me my of on or our please should so than that the their them then there "
    "these they this to us was we were what when where which who why will with would you "
    "your tell know about any".split()
)
"""Words too common to say what a message is about: BM25 over "the" matches everything."""


@dataclass
class _Snapshot:
    """A project's active items and their vectors, valid while its version holds."""

    version: tuple[int, int, str]
    items: dict[int, KnowledgeItem]
    pinned: list[KnowledgeItem]
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rows: dict[int, int] = field(default_factory=dict)
    """id -> its row in `ids` and `matrix`."""
    common: frozenset[str] = frozenset()
    """Words in so many of the project's items that BM25 gives them almost no weight,
    while matching them costs the most: left out of its queries."""
    matrix: np.ndarray | None = None
    """(items, dimension) unit rows, in `ids` order; None when vectors are unavailable."""


@dataclass
class _Matrix:
    key: frozenset[tuple[int, str]]
    ids: np.ndarray
    matrix: np.ndarray


class Retriever:
    """The bot's `KnowledgeSource`: a conversation's project items for each message."""

    def __init__(
        self, store: Store, embedder: Callable[[], Embedder], *, token_budget: int
    ) -> None:
        self.store = store
        self._embedder_factory = embedder
        self._embedder: Embedder | None = None
        self._broken = False
        self.token_budget = token_budget
        self._snapshots: dict[str, _Snapshot] = {}
        self._matrices: dict[str, _Matrix] = {}
        self._lock = asyncio.Lock()

    async def for_message(self, key: ConversationKey, text: str) -> ProjectKnowledge | None:
        project = await self.store.project_for(key)
        if project is None:
            return None
        items = await self.choose(project.name, text)
        return ProjectKnowledge(project.name, tuple(items))

    async def choose(
        self, project: str, text: str, *, mode: Mode = "hybrid", budget: int | None = None
    ) -> list[KnowledgeItem]:
        """Pinned items first, then the most relevant, as many as fit in the budget."""
        budget = self.token_budget if budget is None else budget
        if budget <= 0:
            return []
        snapshot = await self.snapshot(project)
        ranked = await self.rank(project, text, mode=mode, snapshot=snapshot)
        relevant = [snapshot.items[i] for i in ranked[:MAX_RELEVANT]]
        return fit_budget(project, [*snapshot.pinned, *relevant], budget)

    async def rank(
        self, project: str, text: str, *, mode: Mode = "hybrid", snapshot: _Snapshot | None = None
    ) -> list[int]:
        """The ids of the project's active items relevant to `text`, best first."""
        snapshot = snapshot or await self.snapshot(project)
        if not snapshot.items:
            return []
        # The FTS query and the query embedding run side by side (threads of their own).
        found, similarity = await asyncio.gather(
            self._bm25(project, text, snapshot) if mode != "vectors" else _nothing(),
            self._similarity(text, snapshot) if mode != "bm25" else _nothing(),
        )
        rankings: list[list[int]] = []
        if found is not None:
            if similarity is not None:
                # A word or two shared with an item about something else is noise that
                # would push what the encoder found down the fused ranking: a word match
                # joins the fusion when it covers most of what the message is about.
                words = set(content_words(text))
                found = [i for i in found if coverage(words, snapshot.items[i]) >= MIN_COVERAGE]
            rankings.append(found)
        if similarity is not None:
            rankings.append(by_similarity(similarity, snapshot.ids))
        return fuse(rankings)

    async def _bm25(self, project: str, text: str, snapshot: _Snapshot) -> list[int]:
        words = [word for word in content_words(text) if word not in snapshot.common]
        if not words:
            return []
        found = await self.store.search_knowledge(project, " ".join(words), limit=DEPTH)
        return [item.id for item, _ in found if item.id in snapshot.items]

    async def _similarity(self, text: str, snapshot: _Snapshot) -> np.ndarray | None:
        """Each item's cosine with the message, in `snapshot.ids` order."""
        embedder = self.embedder()
        if embedder is None or snapshot.matrix is None or not text.strip():
            return None
        query = (await asyncio.to_thread(embedder.embed, [text]))[0]
        similarity: np.ndarray = snapshot.matrix @ query
        return similarity

    # -- the in-memory view of a project ---------------------------------------------

    async def snapshot(self, project: str) -> _Snapshot:
        """The project's active items and vectors, reloaded only when they changed."""
        version = await self.store.knowledge_version(project)
        cached = self._snapshots.get(project)
        if cached is not None and cached.version == version:
            return cached
        async with self._lock:  # one reload at a time, not one per waiting message
            cached = self._snapshots.get(project)
            if cached is not None and cached.version == version:
                return cached
            snapshot = await self._load(project, version)
            self._snapshots[project] = snapshot
            return snapshot

    async def _load(self, project: str, version: tuple[int, int, str]) -> _Snapshot:
        active = await self.store.knowledge_items(project, statuses=("active",))
        snapshot = _Snapshot(
            version,
            items={item.id: item for item in active},
            pinned=[item for item in active if item.pinned],
            common=common_words(active),
        )
        embedder = self.embedder()
        if embedder is not None and active:
            matrix = await self._matrix(project, active, embedder)
            snapshot.ids, snapshot.matrix = matrix.ids, matrix.matrix
            snapshot.rows = {int(item_id): row for row, item_id in enumerate(matrix.ids)}
        return snapshot

    async def _matrix(
        self, project: str, items: Sequence[KnowledgeItem], embedder: Embedder
    ) -> _Matrix:
        """The items' vectors as one matrix, kept while the set of (id, digest) holds:
        a pin or a retag changes the version but not a single vector."""
        digests = {item.id: digest(item) for item in items}
        key = frozenset(digests.items())
        cached = self._matrices.get(project)
        if cached is not None and cached.key == key:
            return cached
        stored = await self.store.knowledge_vectors(project, embedder.name)
        missing = [item for item in items if stored.get(item.id, ("",))[0] != digests[item.id]]
        fresh = await self._embed(embedder, missing, digests) if missing else {}
        ids = np.fromiter(digests, dtype=np.int64, count=len(digests))
        matrix = np.empty((len(ids), embedder.dimension), dtype=np.float32)
        for row, item_id in enumerate(digests):
            vector = fresh.get(item_id)
            matrix[row] = (
                vector if vector is not None else np.frombuffer(stored[item_id][1], np.float32)
            )
        built = _Matrix(key, ids, matrix)
        self._matrices[project] = built
        return built

    async def _embed(
        self, embedder: Embedder, items: Sequence[KnowledgeItem], digests: dict[int, str]
    ) -> dict[int, np.ndarray]:
        """Embed new or edited items, saving each batch (a restart keeps what was done)."""
        log.info("embedding %d knowledge items with %s", len(items), embedder.name)
        vectors: dict[int, np.ndarray] = {}
        for start in range(0, len(items), EMBED_BATCH):
            batch = items[start : start + EMBED_BATCH]
            rows = await asyncio.to_thread(embedder.embed, [embedding_text(i) for i in batch])
            await self.store.save_knowledge_vectors(
                embedder.name,
                [(item.id, digests[item.id], row.astype(np.float32).tobytes())
                 for item, row in zip(batch, rows, strict=True)],
            )  # fmt: skip
            vectors.update((item.id, row) for item, row in zip(batch, rows, strict=True))
        return vectors

    def embedder(self) -> Embedder | None:
        """The sentence encoder, loaded at first use; None (BM25 alone) if it cannot load."""
        if self._embedder is None and not self._broken:
            try:
                self._embedder = self._embedder_factory()
            except EmbeddingError as exc:
                self._broken = True
                log.warning("project knowledge is ranked by words alone: %s", exc)
        return self._embedder


async def _nothing() -> None:
    return None


def by_similarity(similarity: np.ndarray, ids: np.ndarray) -> list[int]:
    """The ids of the most similar items, best first, down to MIN_COSINE."""
    depth = min(DEPTH, len(similarity))
    top = np.argpartition(-similarity, depth - 1)[:depth]
    top = top[np.argsort(-similarity[top], kind="stable")]
    return [int(ids[i]) for i in top if similarity[i] >= MIN_COSINE]


def coverage(words: set[str], item: KnowledgeItem) -> float:
    """The share of the message's content words that appear in the item."""
    if not words:
        return 0.0
    found = set(_WORD.findall(f"{item.title} {item.body} {' '.join(item.tags)}".lower()))
    return len(words & found) / len(words)


def fuse(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Reciprocal-rank fusion: each id scores the sum of 1 / (k + rank) over the rankings."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item_id in enumerate(ranking, start=1):
            scores[item_id] = scores.get(item_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda item_id: (-scores[item_id], item_id))


def fit_budget(project: str, items: Iterable[KnowledgeItem], budget: int) -> list[KnowledgeItem]:
    """The items, in order and once each, that fit in `budget` tokens with the preamble;
    one too long is skipped so a shorter one after it still gets in."""
    chosen: list[KnowledgeItem] = []
    seen: set[int] = set()
    spent = preamble_tokens(project)
    for item in items:
        if item.id in seen:
            continue
        cost = item_tokens(item)
        if spent + cost <= budget:
            chosen.append(item)
            seen.add(item.id)
            spent += cost
    return chosen


def common_words(items: Sequence[KnowledgeItem]) -> frozenset[str]:
    """Words found in more than COMMON_SHARE of the items (of a project large enough)."""
    if len(items) < COMMON_MIN_ITEMS:
        return frozenset()
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(set(_WORD.findall(f"{item.title} {item.body}".lower())))
    return frozenset(w for w, n in counts.items() if n > COMMON_SHARE * len(items))


def content_words(text: str) -> list[str]:
    """The message's words that say what it is about, for BM25."""
    # One letter (the "P" of "P-1234") matches nearly every item and costs the most.
    words = _WORD.findall(text.lower())
    return [word for word in words if len(word) > 1 and word not in STOPWORDS]


def embedding_text(item: KnowledgeItem) -> str:
    """What an item's vector is made from (the encoder reads its first ~128 tokens)."""
    return f"{item.title}\n{item.body}"


def digest(item: KnowledgeItem) -> str:
    return hashlib.sha256(embedding_text(item).encode("utf-8", "surrogatepass")).hexdigest()[:32]
