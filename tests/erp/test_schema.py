"""What `schema()` tells about each engine's tables, how it reads for the model, and the
one-line errors of a database that is not there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from novabot.erp import ErpUnavailable, QueryResult
from novabot.erp.connect import open_database
from novabot.erp.render import QueryRecord, render_queries, render_result, render_schema
from novabot.store.knowledge import KnowledgeItem
from tests.erp.conftest import LIMITS, Engine
from tests.erp.erp_data import TABLE_NAMES
from tests.helpers import free_port


async def test_tables_columns_keys_and_counts(engine: Engine) -> None:
    tables = {table.name: table for table in await engine.db.schema()}
    assert set(tables) == set(TABLE_NAMES)
    stock = tables["stock"]
    assert stock.rows == 6 and not stock.approximate and not stock.view
    assert [c.name for c in stock.columns] == [
        "product_id", "warehouse_id", "bin", "on_hand", "reorder_point",
    ]  # fmt: skip
    assert {c.name for c in stock.columns if c.primary_key} == {"product_id", "warehouse_id", "bin"}
    assert {(k.column, k.table, k.ref_column) for k in stock.foreign_keys} == {
        ("product_id", "products", "id"),
        ("warehouse_id", "warehouses", "id"),
    }
    assert tables["payments"].rows == 1


def item(item_id: int, title: str, body: str) -> KnowledgeItem:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    return KnowledgeItem(
        id=item_id, project="sweep", kind="schema", title=title, body=body, tags="",
        pinned=False, status="active", supersedes=None, source="", source_link=None,
        author="", origin=None, created_at=now, updated_at=now,
    )  # fmt: skip


async def test_the_schema_reads_with_notes_beside_their_table(sqlite_engine: Engine) -> None:
    notes = [
        item(7, "stock.on_hand counts pieces", "Not boxes: a box of brushes is 4 pieces."),
        item(8, "Prices are in euros", "Every amount column is EUR, VAT excluded."),
    ]
    text = render_schema(await sqlite_engine.db.schema(), notes, "(SQLite dialect)")
    assert text.startswith("ERP database (SQLite dialect): 15 tables and views")
    block = text.split("\n\n")[[b.split(" ")[0] for b in text.split("\n\n")].index("stock")]
    assert "stock (table, 6 rows)" in block
    assert "product_id INTEGER PK" in block and "product_id → products.id" in block
    assert "note (schema #7): stock.on_hand counts pieces: Not boxes" in block
    assert "stock_movements" not in block  # "stock" alone names the stock table only
    assert text.endswith(
        "note (schema #8): Prices are in euros: Every amount column is EUR, VAT excluded."
    )


def test_a_result_reads_as_a_table_and_says_when_it_was_cut() -> None:
    result = QueryResult(["sku", "note"], [("GB-600", "a|b"), ("GB-700", None)], False, 0.012)
    assert render_result(result, LIMITS) == (
        "2 rows in 12 ms\nsku | note\nGB-600 | a\\|b\nGB-700 | NULL"
    )
    cut = render_result(QueryResult(["n"], [(1,)], True, 0.001), LIMITS)
    assert "TRUNCATED" in cut.splitlines()[0] and "100 rows / 64 KB" in cut


def test_the_queries_block_is_a_quote_one_line_each() -> None:
    assert render_queries([]) == ""
    block = render_queries([
        QueryRecord("SELECT sku\n  FROM products", "5 rows, 3 ms"),
        QueryRecord("DELETE FROM stock", "refused"),
        QueryRecord("SELECT `odd` FROM t", "error"),
    ])  # fmt: skip
    assert block.splitlines() == [
        "> **Queries** (3) — where the numbers come from:",
        "> 1. `SELECT sku FROM products` — 5 rows, 3 ms",
        "> 2. `DELETE FROM stock` — refused",
        "> 3. `` SELECT `odd` FROM t `` — error",
    ]


async def test_a_missing_sqlite_file_is_one_line_and_is_not_created(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "nothing.db"), LIMITS)
    for call in (db.schema(), db.query("SELECT 1")):
        with pytest.raises(ErpUnavailable, match="does not exist"):
            await call
    assert not (tmp_path / "nothing.db").exists()


async def test_a_server_that_is_not_there_is_one_line() -> None:
    db = open_database(f"postgresql://ro:secret@127.0.0.1:{free_port()}/erp", LIMITS)
    with pytest.raises(ErpUnavailable) as caught:
        await db.query("SELECT 1")
    line = caught.value.line
    assert line.startswith("error: cannot connect to postgresql://ro:***@127.0.0.1")
    assert "\n" not in line and "secret" not in line
