"""The whole demo data set, from a seed: same seed, same rows, in any process.

Everything is drawn from one `random.Random(seed)` in a fixed order, and dates count
back from `REFERENCE_DATE` (not from today), so a seed names one data set for good.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from novabot.erp.demo import master
from novabot.erp.demo.master import Row
from novabot.erp.demo.purchasing import PurchasingBuilder, movement_rows, purchase_rows
from novabot.erp.demo.sales import SalesBuilder
from novabot.erp.demo.schema import TABLE_NAMES

REFERENCE_DATE = date(2026, 6, 26)
"""'Today' in the demo data (a Friday): orders run up to it, invoices fall due around it."""
DEFAULT_SEED = 1
CUSTOMERS = 200
SUPPLIERS = 40
SALES_ORDERS = 5000
PURCHASE_ORDERS = 700


@dataclass(frozen=True)
class DemoData:
    seed: int
    reference_date: date
    rows: dict[str, list[Row]]
    """Each table's rows, in the columns and order of `schema.TABLES`."""

    def counts(self) -> dict[str, int]:
        return {name: len(self.rows[name]) for name in TABLE_NAMES}


def generate(seed: int = DEFAULT_SEED, *, scale: float = 1.0) -> DemoData:
    """The demo data set for `seed`; `scale` shrinks or grows the orders (tests use less)."""
    rng = random.Random(seed)
    reference = REFERENCE_DATE
    products = master.make_products(rng)
    stock = master.make_stock(rng, products)
    stocked = {(row.product_id, row.warehouse_id) for row in stock}
    customers, customer_rows = master.make_customers(rng, CUSTOMERS, reference)
    trades, supplier_rows = master.make_suppliers(rng, SUPPLIERS)
    offers = master.make_offers(rng, products, trades)

    sales = SalesBuilder(rng, reference, products, customers, stocked).build(
        max(1, round(SALES_ORDERS * scale))
    )
    buying = PurchasingBuilder(rng, reference, products, offers, stocked)
    orders = buying.history(max(1, round(PURCHASE_ORDERS * scale))) + buying.reorders(stock)
    po_rows, po_lines, receipts = purchase_rows(rng, reference, orders)

    rows: dict[str, list[Row]] = {
        "products": master.product_rows(products),
        "warehouses": list(master.WAREHOUSES),
        "stock": [row.row() for row in stock],
        "stock_movements": movement_rows(reference, stock, sales.movements + receipts),
        "customers": customer_rows,
        "suppliers": supplier_rows,
        "supplier_prices": master.offer_rows(offers),
        "sales_orders": sales.orders,
        "sales_order_lines": sales.lines,
        "shipments": sales.shipments,
        "invoices": sales.invoices,
        "payments": sales.payments,
        "credit_notes": sales.credit_notes,
        "purchase_orders": po_rows,
        "purchase_order_lines": po_lines,
    }
    return DemoData(seed, reference, rows)
