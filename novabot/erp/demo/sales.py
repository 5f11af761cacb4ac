"""Sales: orders with lines, their shipments, invoices, payments and credit notes.

Orders fall on weekdays over the two years before the reference date. An order ships a
few days after it is placed (the newest are still open), is invoiced when it ships, and
is paid according to its customer's habits: most on time, some late, a few not at all,
so some invoices are overdue at the reference date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from novabot.erp.demo.master import Customer, Product, Row, money

HISTORY_DAYS = 730
VAT_PERCENT = 20
CARRIERS = ("DPD", "DHL Freight", "UPS", "Own van")
CREDIT_REASONS = ("damaged in transit", "wrong part shipped", "price correction", "returned goods")


@dataclass(frozen=True)
class Movement:
    """A change of stock the sales or purchasing side caused (for stock_movements)."""

    moved_on: date
    product_id: int
    warehouse_id: int
    quantity: int
    kind: str
    reference: str


@dataclass
class Sales:
    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    shipments: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    credit_notes: list[Row] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class SalesBuilder:
    def __init__(
        self,
        rng: random.Random,
        reference: date,
        products: list[Product],
        customers: list[Customer],
        stocked: set[tuple[int, int]],
    ) -> None:
        self.rng = rng
        self.reference = reference
        self.products = products
        self.customers = customers
        self.stocked = stocked
        # Cumulative weights, computed once: `choices(weights=…)` would redo it every call.
        self.product_weights = list(accumulate(p.popularity for p in products))
        self.customer_weights = list(accumulate(rng.paretovariate(1.3) for _ in customers))
        self.sales = Sales()

    def build(self, count: int) -> Sales:
        days = weekdays(self.reference - timedelta(days=HISTORY_DAYS - 1), self.reference)
        dates = sorted(self.rng.choice(days) for _ in range(count))
        for order_id, ordered in enumerate(dates, start=1):
            customer = self.rng.choices(self.customers, cum_weights=self.customer_weights)[0]
            self.order(order_id, ordered, customer)
        return self.sales

    def order(self, order_id: int, ordered: date, customer: Customer) -> None:
        chosen = self.pick_products()
        warehouse = customer.warehouse_id
        if any((p.id, warehouse) not in self.stocked for p in chosen):
            warehouse = 1  # the main warehouse stocks every product
        net = 0
        items: list[tuple[int, int]] = []
        for line_no, product in enumerate(chosen, start=1):
            quantity = self.rng.randint(1, max(3, product.batch * 2))
            items.append((product.id, quantity))
            discount = customer.discount_pct if self.rng.random() < 0.8 else 0
            amount = round(quantity * product.price_cents * (100 - discount) / 100)
            net += amount
            self.sales.lines.append(
                (len(self.sales.lines) + 1, order_id, line_no, product.id, quantity,
                 money(product.price_cents), money(discount * 100), money(amount))
            )  # fmt: skip
        status = self.ship(order_id, ordered, customer, warehouse, items, net)
        self.sales.orders.append(
            (order_id, f"SO-{100000 + order_id}", customer.id, warehouse, ordered, status,
             money(net))
        )  # fmt: skip

    def pick_products(self) -> list[Product]:
        size = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 25, 20, 12, 8, 5))[0]
        chosen: list[Product] = []
        for _ in range(size * 3):
            product = self.rng.choices(self.products, cum_weights=self.product_weights)[0]
            if product not in chosen:
                chosen.append(product)
            if len(chosen) == size:
                break
        return chosen

    def ship(
        self,
        order_id: int,
        ordered: date,
        customer: Customer,
        warehouse: int,
        items: list[tuple[int, int]],
        net: int,
    ) -> str:
        """Ship and invoice the order if its day has come; returns the order's status."""
        if self.rng.random() < 0.02:
            return "cancelled"
        shipped = next_weekday(ordered + timedelta(days=self.rng.randint(0, 4)))
        backordered = (self.reference - ordered).days < 60 and self.rng.random() < 0.03
        if shipped > self.reference or backordered:
            return "open"
        number = f"SH-{100000 + order_id}"
        delivered: date | None = shipped + timedelta(days=self.rng.randint(1, 3))
        if delivered is not None and delivered > self.reference:
            delivered = None
        carrier = self.rng.choice(CARRIERS)
        tracking = f"{carrier[:3].upper().strip()}{self.rng.randint(10**9, 10**10 - 1)}"
        shipment_id = len(self.sales.shipments) + 1
        self.sales.shipments.append(
            (shipment_id, number, order_id, warehouse, shipped, delivered, carrier, tracking)
        )
        for product_id, quantity in items:
            self.sales.movements.append(
                Movement(shipped, product_id, warehouse, -quantity, "shipment", number)
            )
        self.invoice(order_id, shipped, customer, net)
        return "shipped"

    def invoice(self, order_id: int, issued: date, customer: Customer, net: int) -> None:
        invoice_id = len(self.sales.invoices) + 1
        tax = round(net * VAT_PERCENT / 100)
        total = net + tax
        credited = self.credit_note(invoice_id, issued, customer, total)
        paid = self.payments(invoice_id, issued, customer, total - credited)
        status = "paid" if paid + credited >= total else "partially_paid" if paid else "open"
        self.sales.invoices.append(
            (invoice_id, f"INV-{100000 + invoice_id}", order_id, customer.id, issued,
             issued + timedelta(days=customer.terms), money(net), money(tax), money(total),
             status)
        )  # fmt: skip

    def credit_note(self, invoice_id: int, issued: date, customer: Customer, total: int) -> int:
        if self.rng.random() >= 0.03:
            return 0
        on = issued + timedelta(days=self.rng.randint(3, 30))
        if on > self.reference:
            return 0
        amount = round(total * self.rng.uniform(0.1, 0.5))
        note_id = len(self.sales.credit_notes) + 1
        self.sales.credit_notes.append(
            (note_id, f"CN-{10000 + note_id}", invoice_id, customer.id, on, money(amount),
             self.rng.choice(CREDIT_REASONS))
        )  # fmt: skip
        return amount

    def payments(self, invoice_id: int, issued: date, customer: Customer, owed: int) -> int:
        """Record what was paid by the reference date; returns the amount in cents."""
        if self.rng.random() < customer.lateness * 0.12:
            return 0  # this one is not paid at all
        due = issued + timedelta(days=customer.terms)
        paid_on = due + timedelta(days=round(self.rng.uniform(-10, 5) + customer.lateness * 90))
        paid_on = max(paid_on, issued + timedelta(days=1))
        instalments = [(paid_on, owed)]
        if self.rng.random() < 0.06:  # paid in two parts, a fortnight apart
            first = owed // 2
            instalments = [(paid_on - timedelta(days=15), first), (paid_on, owed - first)]
        paid = 0
        for on, amount in instalments:
            if on > self.reference or amount <= 0:
                continue
            method = self.rng.choices(("bank transfer", "card", "direct debit"), (85, 5, 10))[0]
            payment_id = len(self.sales.payments) + 1
            self.sales.payments.append(
                (payment_id, invoice_id, customer.id, max(on, issued), money(amount), method)
            )
            paid += amount
        return paid
