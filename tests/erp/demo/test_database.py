"""The full demo database in SQLite: sizes, keys, and the situations the agents look for."""

from __future__ import annotations

import sqlite3

from novabot.erp.demo.generate import REFERENCE_DATE
from novabot.erp.demo.schema import TABLE_NAMES

SIZES = {
    "products": (450, 550),
    "warehouses": (3, 3),
    "stock": (900, 1500),
    "stock_movements": (1500, 10_000),
    "customers": (200, 200),
    "suppliers": (40, 40),
    "supplier_prices": (500, 1500),
    "sales_orders": (5000, 5000),
    "sales_order_lines": (10_000, 20_000),
    "shipments": (4500, 5000),
    "invoices": (4500, 5000),
    "payments": (3500, 5500),
    "credit_notes": (50, 300),
    "purchase_orders": (400, 1200),
    "purchase_order_lines": (1500, 6000),
}
TODAY = REFERENCE_DATE.isoformat()


def one(conn: sqlite3.Connection, sql: str, *params: object) -> object:
    return conn.execute(sql, params).fetchone()[0]


def test_exactly_the_named_tables_in_size(full_db: sqlite3.Connection) -> None:
    names = [r[0] for r in full_db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert sorted(n for n in names if not n.startswith("sqlite_")) == sorted(TABLE_NAMES)
    for table, (low, high) in SIZES.items():
        assert low <= one(full_db, f"SELECT count(*) FROM {table}") <= high, table  # type: ignore[operator]


def test_every_foreign_key_resolves(full_db: sqlite3.Connection) -> None:
    assert full_db.execute("PRAGMA foreign_key_check").fetchall() == []
    keys = full_db.execute("SELECT count(*) FROM pragma_foreign_key_list('invoices')").fetchone()
    assert keys[0] == 2  # the check above had keys to check


def test_some_stock_below_its_reorder_point(full_db: sqlite3.Connection) -> None:
    low = one(full_db, "SELECT count(*) FROM stock WHERE on_hand < reorder_point")
    rows = one(full_db, "SELECT count(*) FROM stock")
    assert 0.03 < low / rows < 0.2  # type: ignore[operator]
    # Some of those are already on order, some are not: both answers exist.
    on_order = """SELECT count(DISTINCT s.product_id || '/' || s.warehouse_id)
        FROM stock s JOIN purchase_order_lines l ON l.product_id = s.product_id
        JOIN purchase_orders o ON o.id = l.purchase_order_id AND o.warehouse_id = s.warehouse_id
        WHERE s.on_hand < s.reorder_point AND o.status IN ('sent', 'draft')"""
    assert 0 < one(full_db, on_order) < low  # type: ignore[operator]


def test_some_invoices_overdue_at_the_reference_date(full_db: sqlite3.Connection) -> None:
    overdue = one(
        full_db, "SELECT count(*) FROM invoices WHERE status != 'paid' AND due_on < ?", TODAY
    )
    invoices = one(full_db, "SELECT count(*) FROM invoices")
    assert 0.01 < overdue / invoices < 0.15  # type: ignore[operator]
    assert one(full_db, "SELECT count(*) FROM invoices WHERE due_on >= ?", TODAY)  # not yet due


def test_the_600_mm_gutter_brush_is_in_stock(full_db: sqlite3.Connection) -> None:
    matches = full_db.execute(
        "SELECT p.id, p.category, sum(s.on_hand) FROM products p"
        " JOIN stock s ON s.product_id = p.id"
        " WHERE p.name LIKE '%600 mm gutter brush%' GROUP BY p.id"
    ).fetchall()
    assert len(matches) == 1  # the question has one answer, not three
    assert matches[0][1] == "gutter brooms"
    assert matches[0][2] > 0


def test_stock_movements_add_up_to_on_hand(full_db: sqlite3.Connection) -> None:
    wrong = one(
        full_db,
        """SELECT count(*) FROM stock s WHERE s.on_hand != (SELECT sum(m.quantity)
        FROM stock_movements m WHERE m.product_id = s.product_id
        AND m.warehouse_id = s.warehouse_id)""",
    )
    assert wrong == 0
    kinds = {r[0] for r in full_db.execute("SELECT DISTINCT kind FROM stock_movements")}
    assert {"count", "receipt", "shipment"} <= kinds


def test_amounts_agree_across_tables(full_db: sqlite3.Connection) -> None:
    order_vs_lines = """SELECT count(*) FROM sales_orders o WHERE abs(o.net_amount -
        (SELECT sum(l.line_amount) FROM sales_order_lines l WHERE l.sales_order_id = o.id))
        > 0.005"""
    assert one(full_db, order_vs_lines) == 0
    assert one(full_db, "SELECT count(*) FROM invoices i JOIN sales_orders o ON o.id = "
               "i.sales_order_id WHERE abs(i.net_amount - o.net_amount) > 0.005") == 0  # fmt: skip
    overpaid = """SELECT count(*) FROM invoices i WHERE
        coalesce((SELECT sum(amount) FROM payments p WHERE p.invoice_id = i.id), 0) +
        coalesce((SELECT sum(amount) FROM credit_notes c WHERE c.invoice_id = i.id), 0)
        > i.total_amount + 0.005"""
    assert one(full_db, overpaid) == 0
    paid_but_owing = """SELECT count(*) FROM invoices i WHERE i.status = 'paid' AND
        coalesce((SELECT sum(amount) FROM payments p WHERE p.invoice_id = i.id), 0) +
        coalesce((SELECT sum(amount) FROM credit_notes c WHERE c.invoice_id = i.id), 0)
        < i.total_amount - 0.005"""
    assert one(full_db, paid_but_owing) == 0


def test_sales_this_week_exist(full_db: sqlite3.Connection) -> None:
    week = one(
        full_db,
        "SELECT count(*) FROM sales_orders WHERE order_date > date(?, '-7 days')",
        TODAY,
    )
    assert week > 10  # type: ignore[operator]
    assert one(full_db, "SELECT max(order_date) FROM sales_orders") == TODAY
