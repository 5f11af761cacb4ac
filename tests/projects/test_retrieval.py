"""Choosing a project's knowledge for a message: real SQLite file, the shipped encoder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.projects.context import item_tokens, preamble_tokens
from novabot.projects.retrieval import Retriever, fuse
from novabot.routing.embedding import MiniLMEmbedder
from novabot.store import Store

PROJECT = "shop"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "nova.db")
    await store.create_project(PROJECT)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def retriever(store: Store, minilm_embedder: MiniLMEmbedder) -> Retriever:
    return Retriever(store, lambda: minilm_embedder, token_budget=1500)


async def add(store: Store, title: str, body: str, kind: str = "rule", **extra: object) -> int:
    item = await store.add_knowledge(PROJECT, kind, title, body, **extra)  # type: ignore[arg-type]
    return item.id


async def filler(store: Store) -> None:
    for title, body in [
        ("Office plants", "Water the ferns on Mondays and the cactus once a month."),
        ("Deploy window", "Production deploys happen on Tuesdays after the stand-up."),
        ("Logo colours", "The logo uses navy blue and a warm orange accent."),
    ]:
        await add(store, title, body, kind="note")


async def test_hybrid_finds_a_paraphrase_by_meaning_and_an_exact_term_by_words(
    store: Store, retriever: Retriever
) -> None:
    await filler(store)
    refunds = await add(
        store,
        "Returned goods",
        "A customer who sends an item back gets their money within 14 days.",
    )
    sku = await add(store, "SKU format", "Stock keeping units look like ZX-4411-B.", kind="schema")
    # No word in common with the refund rule: only the encoder sees they are the same topic.
    assert await retriever.rank(PROJECT, "how fast are refunds paid?", mode="bm25") == []
    semantic = await retriever.rank(PROJECT, "how fast are refunds paid?")
    assert semantic[0] == refunds
    # A code the encoder cannot read: BM25 finds it by its token.
    assert (await retriever.rank(PROJECT, "what is ZX-4411-B?"))[0] == sku
    # Unrelated filler is not "relevant" at all.
    assert len(semantic) < 5


async def test_a_query_of_only_punctuation_gets_the_pinned_items_and_nothing_else(
    store: Store, retriever: Retriever
) -> None:
    await filler(store)
    pinned = await add(store, "VAT rounding", "Round VAT per line, half up.", pinned=True)
    chosen = await retriever.choose(PROJECT, "?!... ---")
    assert [item.id for item in chosen] == [pinned]


async def test_only_active_items_are_ever_chosen(store: Store, retriever: Retriever) -> None:
    ids = {}
    for status in ("proposed", "active", "resolved", "superseded", "dismissed"):
        ids[status] = await add(
            store, f"Invoice numbering ({status})", "Invoices are numbered per year.",
            status=status, pinned=True,
        )  # fmt: skip
    chosen = await retriever.choose(PROJECT, "how are invoices numbered?")
    assert [item.id for item in chosen] == [ids["active"]]
    # A status change is seen at once (the cached view is keyed by the project's version).
    await store.move_knowledge(ids["active"], "resolved", only_from="active")
    assert await retriever.choose(PROJECT, "how are invoices numbered?") == []


async def test_pinned_items_come_first_and_the_budget_holds(
    store: Store, retriever: Retriever
) -> None:
    relevant = await add(store, "Shipping cost", "Orders over 50 EUR ship free within Germany.")
    pinned = await add(store, "Tone", "Answer customers politely and briefly.", pinned=True)
    chosen = await retriever.choose(PROJECT, "when is shipping free?")
    assert [item.id for item in chosen] == [pinned, relevant]
    # Room for the preamble and one item: the pinned one wins.
    tight = preamble_tokens(PROJECT) + item_tokens(chosen[0])
    assert [i.id for i in await retriever.choose(PROJECT, "free shipping?", budget=tight)] == [
        pinned
    ]
    # A long item that does not fit is skipped; a short one after it still gets in.
    long = await add(store, "Shipping zones", "Shipping zones. " + "Zone detail. " * 600)
    chosen = await retriever.choose(PROJECT, "shipping zones and free shipping", budget=400)
    spent = preamble_tokens(PROJECT) + sum(item_tokens(item) for item in chosen)
    assert long not in [item.id for item in chosen] and relevant in [i.id for i in chosen]
    assert spent <= 400


async def test_vectors_are_stored_once_and_an_edit_embeds_again(
    store: Store, retriever: Retriever, minilm_embedder: MiniLMEmbedder
) -> None:
    item = await add(store, "Payment terms", "Invoices are due within 30 days.")
    await retriever.rank(PROJECT, "when are invoices due?")
    [(first, _)] = (await store.knowledge_vectors(PROJECT, minilm_embedder.name)).values()
    await store.edit_knowledge(item, body="Invoices are due within 10 days of delivery.")
    await retriever.rank(PROJECT, "when are invoices due?")
    [(second, _)] = (await store.knowledge_vectors(PROJECT, minilm_embedder.name)).values()
    assert first != second
    # A fresh retriever (a restart) reuses the stored vectors: it needs no encoder for items.
    calls: list[int] = []

    class Counting:
        name, dimension = minilm_embedder.name, minilm_embedder.dimension

        def embed(self, texts: list[str]) -> object:
            calls.append(len(texts))
            return minilm_embedder.embed(texts)

    restarted = Retriever(store, lambda: Counting(), token_budget=1500)
    assert await restarted.rank(PROJECT, "when are invoices due?") == [item]
    assert calls == [1]  # the query only


async def test_a_conversation_outside_any_project_gets_nothing(
    store: Store, retriever: Retriever
) -> None:
    await add(store, "Tone", "Be brief.", pinned=True)
    key = ConversationKey("slack", "C1")
    assert await retriever.for_message(key, "hello") is None
    await store.bind_project("slack", "C1", PROJECT)
    found = await retriever.for_message(ConversationKey("slack", "C1", "T9"), "hello")
    assert found is not None and found.project == PROJECT and len(found.ids) == 1


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    assert fuse([[1, 2, 3], [2, 4]]) == [2, 1, 4, 3]
    assert fuse([[], [5]]) == [5]
