"""The demo ERP's tables: one DDL that SQLite and PostgreSQL both accept.

Only portable types are used: INTEGER, VARCHAR(n), NUMERIC(p,s) for money and DATE. Keys
are given explicitly by the generator (no SERIAL, no AUTOINCREMENT), so the same rows
land in either database. Amounts are net of tax unless a column says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    ddl: str


def _table(name: str, body: str) -> Table:
    lines = [line.strip().rstrip(",") for line in body.strip().splitlines()]
    columns = tuple(
        line.split()[0]
        for line in lines
        if line and not line.startswith(("PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CHECK"))
    )
    return Table(name, columns, f"CREATE TABLE {name} (\n    {body.strip()}\n)")


TABLES: tuple[Table, ...] = (
    _table(
        "products",
        """
        id INTEGER PRIMARY KEY,
        sku VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(120) NOT NULL,
        category VARCHAR(40) NOT NULL,
        unit VARCHAR(10) NOT NULL,
        unit_cost NUMERIC(12,2) NOT NULL,
        list_price NUMERIC(12,2) NOT NULL
        """,
    ),
    _table(
        "warehouses",
        """
        id INTEGER PRIMARY KEY,
        code VARCHAR(10) NOT NULL UNIQUE,
        name VARCHAR(60) NOT NULL,
        city VARCHAR(60) NOT NULL
        """,
    ),
    _table(
        "stock",
        """
        product_id INTEGER NOT NULL REFERENCES products(id),
        warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
        bin VARCHAR(12) NOT NULL,
        on_hand INTEGER NOT NULL,
        reorder_point INTEGER NOT NULL,
        reorder_qty INTEGER NOT NULL,
        PRIMARY KEY (product_id, warehouse_id)
        """,
    ),
    _table(
        "stock_movements",
        """
        id INTEGER PRIMARY KEY,
        product_id INTEGER NOT NULL REFERENCES products(id),
        warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
        moved_on DATE NOT NULL,
        kind VARCHAR(12) NOT NULL CHECK (kind IN ('count', 'receipt', 'shipment', 'adjustment')),
        quantity INTEGER NOT NULL,
        reference VARCHAR(20)
        """,
    ),
    _table(
        "customers",
        """
        id INTEGER PRIMARY KEY,
        customer_number VARCHAR(10) NOT NULL UNIQUE,
        name VARCHAR(120) NOT NULL,
        kind VARCHAR(20) NOT NULL,
        city VARCHAR(60) NOT NULL,
        country VARCHAR(2) NOT NULL,
        email VARCHAR(120) NOT NULL,
        payment_terms_days INTEGER NOT NULL,
        credit_limit NUMERIC(12,2) NOT NULL,
        created_on DATE NOT NULL
        """,
    ),
    _table(
        "suppliers",
        """
        id INTEGER PRIMARY KEY,
        supplier_number VARCHAR(10) NOT NULL UNIQUE,
        name VARCHAR(120) NOT NULL,
        country VARCHAR(2) NOT NULL,
        email VARCHAR(120) NOT NULL,
        payment_terms_days INTEGER NOT NULL
        """,
    ),
    _table(
        "supplier_prices",
        """
        supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
        product_id INTEGER NOT NULL REFERENCES products(id),
        unit_price NUMERIC(12,2) NOT NULL,
        lead_time_days INTEGER NOT NULL,
        min_order_qty INTEGER NOT NULL,
        PRIMARY KEY (supplier_id, product_id)
        """,
    ),
    _table(
        "sales_orders",
        """
        id INTEGER PRIMARY KEY,
        order_number VARCHAR(12) NOT NULL UNIQUE,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
        order_date DATE NOT NULL,
        status VARCHAR(12) NOT NULL CHECK (status IN ('open', 'shipped', 'cancelled')),
        net_amount NUMERIC(12,2) NOT NULL
        """,
    ),
    _table(
        "sales_order_lines",
        """
        id INTEGER PRIMARY KEY,
        sales_order_id INTEGER NOT NULL REFERENCES sales_orders(id),
        line_no INTEGER NOT NULL,
        product_id INTEGER NOT NULL REFERENCES products(id),
        quantity INTEGER NOT NULL,
        unit_price NUMERIC(12,2) NOT NULL,
        discount_pct NUMERIC(5,2) NOT NULL,
        line_amount NUMERIC(12,2) NOT NULL,
        UNIQUE (sales_order_id, line_no)
        """,
    ),
    _table(
        "shipments",
        """
        id INTEGER PRIMARY KEY,
        shipment_number VARCHAR(12) NOT NULL UNIQUE,
        sales_order_id INTEGER NOT NULL REFERENCES sales_orders(id),
        warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
        shipped_on DATE NOT NULL,
        delivered_on DATE,
        carrier VARCHAR(30) NOT NULL,
        tracking_number VARCHAR(30) NOT NULL
        """,
    ),
    _table(
        "invoices",
        """
        id INTEGER PRIMARY KEY,
        invoice_number VARCHAR(12) NOT NULL UNIQUE,
        sales_order_id INTEGER NOT NULL REFERENCES sales_orders(id),
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        issued_on DATE NOT NULL,
        due_on DATE NOT NULL,
        net_amount NUMERIC(12,2) NOT NULL,
        tax_amount NUMERIC(12,2) NOT NULL,
        total_amount NUMERIC(12,2) NOT NULL,
        status VARCHAR(16) NOT NULL CHECK (status IN ('open', 'partially_paid', 'paid'))
        """,
    ),
    _table(
        "payments",
        """
        id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES invoices(id),
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        paid_on DATE NOT NULL,
        amount NUMERIC(12,2) NOT NULL,
        method VARCHAR(20) NOT NULL
        """,
    ),
    _table(
        "credit_notes",
        """
        id INTEGER PRIMARY KEY,
        credit_note_number VARCHAR(12) NOT NULL UNIQUE,
        invoice_id INTEGER NOT NULL REFERENCES invoices(id),
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        issued_on DATE NOT NULL,
        amount NUMERIC(12,2) NOT NULL,
        reason VARCHAR(60) NOT NULL
        """,
    ),
    _table(
        "purchase_orders",
        """
        id INTEGER PRIMARY KEY,
        po_number VARCHAR(12) NOT NULL UNIQUE,
        supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
        warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
        ordered_on DATE NOT NULL,
        expected_on DATE NOT NULL,
        received_on DATE,
        status VARCHAR(12) NOT NULL
            CHECK (status IN ('draft', 'sent', 'received', 'cancelled')),
        net_amount NUMERIC(12,2) NOT NULL
        """,
    ),
    _table(
        "purchase_order_lines",
        """
        id INTEGER PRIMARY KEY,
        purchase_order_id INTEGER NOT NULL REFERENCES purchase_orders(id),
        line_no INTEGER NOT NULL,
        product_id INTEGER NOT NULL REFERENCES products(id),
        quantity INTEGER NOT NULL,
        unit_price NUMERIC(12,2) NOT NULL,
        received_quantity INTEGER NOT NULL,
        UNIQUE (purchase_order_id, line_no)
        """,
    ),
)
"""In dependency order: a table only refers to tables listed before it."""

TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)

INDEXES: tuple[str, ...] = (
    "CREATE INDEX stock_movements_product ON stock_movements (product_id, moved_on)",
    "CREATE INDEX sales_orders_customer ON sales_orders (customer_id, order_date)",
    "CREATE INDEX sales_orders_date ON sales_orders (order_date)",
    "CREATE INDEX sales_order_lines_order ON sales_order_lines (sales_order_id)",
    "CREATE INDEX sales_order_lines_product ON sales_order_lines (product_id)",
    "CREATE INDEX shipments_order ON shipments (sales_order_id)",
    "CREATE INDEX invoices_customer ON invoices (customer_id, due_on)",
    "CREATE INDEX invoices_order ON invoices (sales_order_id)",
    "CREATE INDEX payments_invoice ON payments (invoice_id)",
    "CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id)",
    "CREATE INDEX supplier_prices_product ON supplier_prices (product_id)",
    "CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, ordered_on)",
    "CREATE INDEX purchase_order_lines_order ON purchase_order_lines (purchase_order_id)",
    "CREATE INDEX purchase_order_lines_product ON purchase_order_lines (product_id)",
)
