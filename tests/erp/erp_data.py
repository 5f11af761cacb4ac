"""A small street-sweeper parts ERP, the same SQL for SQLite and PostgreSQL: a few rows in
each table the demo database has, enough to query and to check nothing was changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

TABLES = """
CREATE TABLE products (
    id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    category TEXT NOT NULL, unit_price NUMERIC(10, 2) NOT NULL
);
CREATE TABLE warehouses (id INTEGER PRIMARY KEY, code TEXT NOT NULL, city TEXT NOT NULL);
CREATE TABLE stock (
    product_id INTEGER NOT NULL REFERENCES products(id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    bin TEXT NOT NULL, on_hand INTEGER NOT NULL, reorder_point INTEGER NOT NULL,
    PRIMARY KEY (product_id, warehouse_id, bin)
);
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id), quantity INTEGER NOT NULL,
    reason TEXT NOT NULL, moved_on DATE NOT NULL
);
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);
CREATE TABLE suppliers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE supplier_prices (
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    price NUMERIC(10, 2) NOT NULL, lead_time_days INTEGER NOT NULL,
    PRIMARY KEY (supplier_id, product_id)
);
CREATE TABLE sales_orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    ordered_on DATE NOT NULL, status TEXT NOT NULL
);
CREATE TABLE sales_order_lines (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES sales_orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    unit_price NUMERIC(10, 2) NOT NULL
);
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES sales_orders(id),
    shipped_on DATE NOT NULL, carrier TEXT NOT NULL
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES sales_orders(id),
    issued_on DATE NOT NULL, due_on DATE NOT NULL, amount NUMERIC(10, 2) NOT NULL
);
CREATE TABLE payments (
    id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    paid_on DATE NOT NULL, amount NUMERIC(10, 2) NOT NULL
);
CREATE TABLE credit_notes (
    id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    issued_on DATE NOT NULL, amount NUMERIC(10, 2) NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY, supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    ordered_on DATE NOT NULL, expected_on DATE NOT NULL, status TEXT NOT NULL
);
CREATE TABLE purchase_order_lines (
    id INTEGER PRIMARY KEY, purchase_order_id INTEGER NOT NULL REFERENCES purchase_orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    unit_cost NUMERIC(10, 2) NOT NULL
)
"""

ROWS = """
INSERT INTO products VALUES
    (1, 'GB-600', 'Gutter brush 600 mm', 'brushes', 84.50),
    (2, 'GB-700', 'Gutter brush 700 mm', 'brushes', 96.00),
    (3, 'SQ-1200', 'Rear squeegee blade 1200 mm', 'squeegees', 42.75),
    (4, 'FL-HY10', 'Hydraulic filter 10 micron', 'filters', 18.20),
    (5, 'HP-SEAL', 'Hopper door seal', 'hoppers', 31.00);
INSERT INTO warehouses VALUES (1, 'RTM', 'Rotterdam'), (2, 'LYO', 'Lyon');
INSERT INTO stock VALUES
    (1, 1, 'A-01', 42, 20), (1, 2, 'B-07', 5, 10), (2, 1, 'A-02', 12, 10),
    (3, 1, 'C-11', 3, 15), (4, 2, 'F-03', 140, 50), (5, 1, 'H-01', 0, 4);
INSERT INTO stock_movements VALUES
    (1, 1, 1, -6, 'sale', '2026-11-02'), (2, 3, 1, 30, 'receipt', '2026-11-03'),
    (3, 4, 2, -20, 'sale', '2026-11-04');
INSERT INTO customers VALUES
    (1, 'City of Ghent', 'Ghent'), (2, 'CleanStreets BV', 'Utrecht'), (3, 'Voirie Lyon', 'Lyon');
INSERT INTO suppliers VALUES (1, 'Brosserie Duval', 'FR'), (2, 'Hydro Parts GmbH', 'DE');
INSERT INTO supplier_prices VALUES
    (1, 1, 51.00, 21), (1, 2, 58.00, 21), (2, 4, 9.80, 7), (1, 3, 24.00, 14);
INSERT INTO sales_orders VALUES
    (1, 1, '2026-11-02', 'shipped'), (2, 2, '2026-11-05', 'open'), (3, 3, '2026-11-06', 'open');
INSERT INTO sales_order_lines VALUES
    (1, 1, 1, 6, 84.50), (2, 2, 4, 20, 18.20), (3, 3, 3, 4, 42.75);
INSERT INTO shipments VALUES (1, 1, '2026-11-03', 'DHL');
INSERT INTO invoices VALUES
    (1, 1, '2026-11-03', '2026-12-03', 507.00), (2, 2, '2026-10-01', '2026-10-31', 364.00);
INSERT INTO payments VALUES (1, 1, '2026-11-20', 507.00);
INSERT INTO credit_notes VALUES (1, 2, '2026-10-15', 36.40, 'damaged filter');
INSERT INTO purchase_orders VALUES (1, 1, '2026-11-01', '2026-11-22', 'open');
INSERT INTO purchase_order_lines VALUES (1, 1, 3, 40, 24.00)
"""

TABLE_NAMES = (
    "products warehouses stock stock_movements customers suppliers supplier_prices sales_orders "
    "sales_order_lines shipments invoices payments credit_notes purchase_orders "
    "purchase_order_lines"
).split()
"""The tables, as the demo database has them."""

STATEMENTS = [part.strip() for part in f"{TABLES};{ROWS}".split(";") if part.strip()]


def create_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(f"BEGIN; {';'.join(STATEMENTS)}; COMMIT;")  # one transaction: fast
    conn.close()
    return path


def snapshot_sqlite(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (and the list of tables), to prove a refused query changed nothing."""
    with sqlite3.connect(path) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master ORDER BY name")]
        found = {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in TABLE_NAMES}
    conn.close()
    found["<schema>"] = [(name,) for name in names]
    return found
