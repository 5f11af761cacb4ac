"""Knowledge items: validation, upsert by origin, edits, idempotent moves, full-text search
kept in step with the table, vectors, and conversation summaries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store
from novabot.store.knowledge import MAX_BODY, KnowledgeError, fts_query
from novabot.store.projects import ProjectError
from novabot.store.summaries import Summary


def fts_in_step(db_path: Path) -> None:
    """FTS5's own check of an external-content index against its table (raises if not)."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)"
        )


@pytest.fixture
async def airep(store: Store) -> Store:
    await store.create_project("airep")
    return store


async def test_add_and_read_back(airep: Store) -> None:
    item = await airep.add_knowledge(
        "airep", "rule", "  VAT is   rounded per line ", "Round each line, then sum.",
        tags=["VAT", "invoices", " vat "], pinned=True, source="slack", author="ada",
    )  # fmt: skip
    assert item.title == "VAT is rounded per line"  # whitespace folded
    assert item.tags == ("invoices", "vat")  # lower-cased, de-duplicated, sorted
    assert (item.project, item.kind, item.status, item.pinned) == ("airep", "rule", "active", True)
    assert (item.source, item.author, item.origin, item.supersedes) == ("slack", "ada", None, None)
    assert await airep.knowledge(item.id) == item
    assert await airep.knowledge(item.id + 1) is None
    with pytest.raises(KnowledgeError, match=f"no knowledge item {item.id + 1}"):
        await airep.require_knowledge(item.id + 1)


async def test_bad_items_are_refused_with_one_line(airep: Store) -> None:
    cases = [
        (("airep", "rules", "t", "b"), "kind must be one of schema, rule"),
        (("airep", "rule", " ", "b"), "a title needs 1 to 200"),
        (("airep", "rule", "t", " \n "), "the body is empty"),
        (("airep", "rule", "t", "x" * (MAX_BODY + 1)), "20,001 characters; the limit is 20,000"),
    ]
    for args, message in cases:
        with pytest.raises(KnowledgeError, match=message):
            await airep.add_knowledge(*args)
    with pytest.raises(KnowledgeError, match="status must be one of"):
        await airep.add_knowledge("airep", "rule", "t", "b", status="done")
    with pytest.raises(ProjectError, match="no project named 'ghost'"):
        await airep.add_knowledge("ghost", "rule", "t", "b")
    assert await airep.knowledge_items("airep") == []
    assert len((await airep.add_knowledge("airep", "rule", "t", "x" * MAX_BODY)).body) == MAX_BODY


async def test_same_origin_updates_instead_of_adding(airep: Store, db_path: Path) -> None:
    await airep.create_project("shop")
    first = await airep.add_knowledge("airep", "rule", "Old", "old text", origin="rules.md#a")
    await airep.move_knowledge(first.id, "resolved", only_from="active")
    again = await airep.add_knowledge(
        "airep", "decision", "New", "new text", tags=["x"], origin="rules.md#a"
    )
    assert again.id == first.id
    assert (again.kind, again.title, again.body, again.tags) == (
        "decision",
        "New",
        "new text",
        ("x",),
    )
    assert again.status == "resolved"  # a re-import does not reopen what people closed
    elsewhere = await airep.add_knowledge("shop", "rule", "Old", "old text", origin="rules.md#a")
    assert elsewhere.id != first.id  # origins are per project
    no_origin = [await airep.add_knowledge("airep", "note", "n", "b") for _ in range(2)]
    assert no_origin[0].id != no_origin[1].id
    assert [
        i.id for i, _ in await airep.search_knowledge("airep", "old", statuses=("resolved",))
    ] == []
    assert len(await airep.search_knowledge("airep", "new", statuses=("resolved",))) == 1
    fts_in_step(db_path)


async def test_list_filters(airep: Store) -> None:
    rule = await airep.add_knowledge("airep", "rule", "r", "b", pinned=True)
    problem = await airep.add_knowledge("airep", "problem", "p", "b")
    await airep.move_knowledge(problem.id, "resolved", only_from="active")
    ids = lambda items: [i.id for i in items]  # noqa: E731
    assert ids(await airep.knowledge_items("airep")) == [problem.id, rule.id]  # newest first
    assert ids(await airep.knowledge_items("airep", kinds=["rule"])) == [rule.id]
    assert ids(await airep.knowledge_items("airep", statuses=["resolved"])) == [problem.id]
    assert ids(await airep.knowledge_items("airep", pinned=True)) == [rule.id]
    assert ids(await airep.knowledge_items("airep", ids=[rule.id])) == [rule.id]
    assert await airep.knowledge_items("airep", ids=[]) == []
    assert await airep.knowledge_items("other") == []


async def test_edit_checks_and_keeps_the_index_in_step(airep: Store, db_path: Path) -> None:
    item = await airep.add_knowledge("airep", "rule", "Discounts", "up to fifteen percent")
    edited = await airep.edit_knowledge(item.id, body="up to twenty percent", pinned=True)
    assert (edited.body, edited.pinned, edited.title) == ("up to twenty percent", True, "Discounts")
    assert edited.updated_at >= item.updated_at
    assert await airep.search_knowledge("airep", "fifteen") == []
    assert [i.id for i, _ in await airep.search_knowledge("airep", "twenty")] == [item.id]
    with pytest.raises(KnowledgeError, match="cannot edit origin, project"):
        await airep.edit_knowledge(item.id, project="x", origin="y")
    with pytest.raises(KnowledgeError, match="the body is empty"):
        await airep.edit_knowledge(item.id, body="")
    with pytest.raises(KnowledgeError, match="no knowledge item 999"):
        await airep.edit_knowledge(999, title="x")
    assert (await airep.edit_knowledge(item.id)).body == "up to twenty percent"  # no change
    fts_in_step(db_path)


async def test_move_changes_a_status_once(airep: Store) -> None:
    item = await airep.add_knowledge("airep", "decision", "d", "b", status="proposed")
    assert await airep.move_knowledge(item.id, "active", only_from="proposed") is True
    assert await airep.move_knowledge(item.id, "active", only_from="proposed") is False
    assert await airep.move_knowledge(item.id, "dismissed", only_from="proposed") is False
    assert (await airep.require_knowledge(item.id)).status == "active"
    assert await airep.move_knowledge(999, "active", only_from="proposed") is False
    with pytest.raises(KnowledgeError, match="status must be one of"):
        await airep.move_knowledge(item.id, "gone", only_from="active")


async def test_forget_removes_the_item_its_index_and_vectors(airep: Store, db_path: Path) -> None:
    item = await airep.add_knowledge("airep", "glossary", "Quote", "an offer with prices")
    await airep.save_knowledge_vectors("m", [(item.id, "d1", b"\1" * 8)])
    assert await airep.forget_knowledge(item.id) is True
    assert await airep.forget_knowledge(item.id) is False
    assert await airep.search_knowledge("airep", "offer") == []
    assert await airep.knowledge_vectors("airep", "m") == {}
    fts_in_step(db_path)


async def test_search_quotes_punctuation_and_ranks(airep: Store) -> None:
    status = await airep.add_knowledge(
        "airep", "schema", "orders", "orders.status is open, shipped or cancelled; don't reuse"
    )
    other = await airep.add_knowledge("airep", "rule", "Shipping", "ship within two days")
    for query in ("orders.status", "don't", 'a "quoted" (paren) OR NOT *', "ORDERS:status?"):
        found = await airep.search_knowledge("airep", query)
        assert found and found[0][0].id == status.id, query
    for query in ("...", "?!", "", "  "):
        assert await airep.search_knowledge("airep", query) == []
    assert fts_query("...") is None
    assert fts_query('say "hi" hi') == '"say" OR "hi"'
    ranked = await airep.search_knowledge("airep", "orders status shipped")
    assert ranked[0][0].id == status.id
    assert all(isinstance(rank, float) for _, rank in ranked)
    assert other.id not in [i.id for i, _ in await airep.search_knowledge("airep", "orders")]
    assert await airep.search_knowledge("airep", "orders", statuses=()) == []
    assert len(await airep.search_knowledge("airep", "orders ship", limit=1)) == 1


async def test_search_stays_inside_the_project_and_status(airep: Store) -> None:
    await airep.create_project("shop")
    mine = await airep.add_knowledge("airep", "rule", "VAT", "round per line")
    await airep.add_knowledge("shop", "rule", "VAT", "round per line")
    proposed = await airep.add_knowledge("airep", "rule", "VAT 2", "round total", status="proposed")
    assert [i.id for i, _ in await airep.search_knowledge("airep", "round")] == [mine.id]
    both = await airep.search_knowledge("airep", "round", statuses=("active", "proposed"))
    assert {i.id for i, _ in both} == {mine.id, proposed.id}


async def test_vectors_are_saved_per_model_and_replaced(airep: Store) -> None:
    a = await airep.add_knowledge("airep", "rule", "a", "b")
    b = await airep.add_knowledge("airep", "rule", "c", "d")
    await airep.save_knowledge_vectors(
        "mini", [(a.id, "d1", b"\1\0\0\0"), (b.id, "d2", b"\2\0\0\0")]
    )
    await airep.save_knowledge_vectors("mini", [(a.id, "d3", b"\3\0\0\0"), (999, "x", b"")])
    await airep.save_knowledge_vectors("other", [(a.id, "d9", b"\x09\0\0\0")])
    assert await airep.knowledge_vectors("airep", "mini") == {
        a.id: ("d3", b"\3\0\0\0"),
        b.id: ("d2", b"\2\0\0\0"),
    }
    assert set(await airep.knowledge_vectors("airep", "other")) == {a.id}
    assert await airep.knowledge_vectors("airep", "none") == {}


async def test_summaries_per_conversation(store: Store) -> None:
    key, thread = ConversationKey("slack", "C1"), ConversationKey("slack", "C1", "T1")
    assert await store.summary(key) is None
    await store.save_summary(key, Summary("they chose cents", 1, 40))
    await store.save_summary(key, Summary("they chose cents; VAT per line", 1, 80))
    assert await store.summary(key) == Summary("they chose cents; VAT per line", 1, 80)
    assert await store.summary(thread) is None
