-- airep ERP: the tables the sales rep reads and writes.

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    vat_id        TEXT,                      -- EU VAT number; empty for consumers
    country       TEXT NOT NULL DEFAULT 'DE',
    credit_hold   INTEGER NOT NULL DEFAULT 0 -- 1: no new orders (see the rules)
);

CREATE TABLE quotes (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'expired')),
    discount_pct  REAL NOT NULL DEFAULT 0,
    approved_by   TEXT,                      -- a manager, when discount_pct > 15
    valid_until   DATE NOT NULL,
    total_cents   INTEGER NOT NULL
);

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    quote_id      INTEGER NOT NULL UNIQUE REFERENCES quotes(id),
    status        TEXT NOT NULL CHECK (status IN ('open', 'shipped', 'cancelled')),
    ordered_at    TIMESTAMP NOT NULL
);

CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    number        TEXT NOT NULL UNIQUE,      -- 2026-0417
    net_cents     INTEGER NOT NULL,
    vat_cents     INTEGER NOT NULL,          -- the sum of the lines' rounded VAT
    issued_at     DATE NOT NULL
);

CREATE INDEX quotes_by_customer ON quotes (customer_id);
