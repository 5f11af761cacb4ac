"""Purchasing and the stock ledger: purchase orders with lines, and stock movements.

Purchase orders spread over the same two years as sales; the old ones are received, the
recent ones are still on their way. About half of the stock rows below their reorder
point already have an open order, so "what should we reorder" has a real answer: the
other half.

stock_movements holds the last 90 days: a stock count on the first day, then every
shipment and receipt, and a write-off where the count and the ledger disagree, so that
the movements of a stock row always add up to its on_hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from novabot.erp.demo.master import Offer, Product, Row, Stock, money
from novabot.erp.demo.sales import HISTORY_DAYS, Movement, next_weekday, weekdays

LEDGER_DAYS = 90


@dataclass
class Order:
    supplier_id: int
    warehouse_id: int
    ordered_on: date
    status: str
    lines: list[tuple[Offer, int]]


class PurchasingBuilder:
    def __init__(
        self,
        rng: random.Random,
        reference: date,
        products: list[Product],
        offers: list[Offer],
        stocked: set[tuple[int, int]],
    ) -> None:
        self.rng = rng
        self.reference = reference
        self.batches = {p.id: p.batch for p in products}
        self.offers = offers
        self.stocked = stocked
        self.by_supplier: dict[int, list[Offer]] = {}
        for offer in offers:
            self.by_supplier.setdefault(offer.supplier_id, []).append(offer)

    def history(self, count: int) -> list[Order]:
        days = weekdays(self.reference - timedelta(days=HISTORY_DAYS - 1), self.reference)
        suppliers = sorted(self.by_supplier)
        orders = []
        for _ in range(count):
            supplier = self.rng.choice(suppliers)
            warehouse = self.rng.choices((1, 2, 3), weights=(6, 2, 2))[0]
            stocked = [
                o for o in self.by_supplier[supplier] if (o.product_id, warehouse) in self.stocked
            ]
            if not stocked:
                continue
            picked = self.rng.sample(stocked, min(len(stocked), self.rng.randint(1, 8)))
            lines = [
                (o, max(o.min_order_qty, self.batches[o.product_id] * self.rng.randint(1, 4)))
                for o in picked
            ]
            orders.append(Order(supplier, warehouse, self.rng.choice(days), "", lines))
        return orders

    def reorders(self, stock: list[Stock]) -> list[Order]:
        """Open orders for about half of the rows below their reorder point, from the
        cheapest supplier, placed in the last ten days."""
        cheapest: dict[int, Offer] = {}
        for offer in self.offers:
            best = cheapest.get(offer.product_id)
            if best is None or offer.cents < best.cents:
                cheapest[offer.product_id] = offer
        grouped: dict[tuple[int, int], list[tuple[Offer, int]]] = {}
        for row in stock:
            if row.on_hand >= row.reorder_point or self.rng.random() < 0.5:
                continue
            offer = cheapest[row.product_id]
            key = (offer.supplier_id, row.warehouse_id)
            grouped.setdefault(key, []).append((offer, max(offer.min_order_qty, row.reorder_qty)))
        recent = weekdays(self.reference - timedelta(days=10), self.reference)
        return [
            Order(supplier, warehouse, self.rng.choice(recent), "sent", lines)
            for (supplier, warehouse), lines in sorted(grouped.items())
        ]


def purchase_rows(
    rng: random.Random, reference: date, orders: list[Order]
) -> tuple[list[Row], list[Row], list[Movement]]:
    """Number the orders by date and settle each: received, sent, draft or cancelled."""
    heads: list[Row] = []
    lines: list[Row] = []
    receipts: list[Movement] = []
    ordered = sorted(enumerate(orders), key=lambda pair: (pair[1].ordered_on, pair[0]))
    for po_id, (_, order) in enumerate(ordered, start=1):
        number = f"PO-{20000 + po_id}"
        lead = max(offer.lead_time_days for offer, _ in order.lines)
        expected = next_weekday(order.ordered_on + timedelta(days=lead))
        received: date | None = next_weekday(expected + timedelta(days=rng.randint(-2, 7)))
        status = order.status
        if not status:
            status = "cancelled" if rng.random() < 0.02 else "received"
        if status == "received" and received is not None and received > reference:
            status = "draft" if (reference - order.ordered_on).days < 3 else "sent"
        if status != "received":
            received = None
        net = 0
        for line_no, (offer, quantity) in enumerate(order.lines, start=1):
            got = quantity if received is not None else 0
            net += offer.cents * quantity
            lines.append(
                (
                    len(lines) + 1,
                    po_id,
                    line_no,
                    offer.product_id,
                    quantity,
                    money(offer.cents),
                    got,
                )
            )
            if received is not None:
                receipts.append(
                    Movement(received, offer.product_id, order.warehouse_id, got, "receipt", number)
                )
        heads.append(
            (po_id, number, order.supplier_id, order.warehouse_id, order.ordered_on, expected,
             received, status, money(net))
        )  # fmt: skip
    return heads, lines, receipts


def movement_rows(reference: date, stock: list[Stock], events: list[Movement]) -> list[Row]:
    """The last 90 days of each stock row: a count, its movements, and any write-off."""
    first = reference - timedelta(days=LEDGER_DAYS - 1)
    recent: dict[tuple[int, int], list[Movement]] = {}
    for event in sorted(events, key=lambda e: (e.moved_on, e.kind, e.reference, e.product_id)):
        if event.moved_on >= first:
            recent.setdefault((event.product_id, event.warehouse_id), []).append(event)
    ledger: list[Movement] = []
    for row in stock:
        product_id, warehouse_id, on_hand = row.product_id, row.warehouse_id, row.on_hand
        moves = recent.get((product_id, warehouse_id), [])
        running = list(accumulate(move.quantity for move in moves))
        # Enough at the count that the shelf never goes below zero, and at least what the
        # movements leave behind; any surplus left over was written off at the end.
        opening = max(on_hand - (running[-1] if running else 0), -min([0, *running]))
        ledger.append(Movement(first, product_id, warehouse_id, opening, "count", "COUNT"))
        ledger.extend(moves)
        surplus = opening + (running[-1] if running else 0) - on_hand
        if surplus:
            ledger.append(
                Movement(reference, product_id, warehouse_id, -surplus, "adjustment", "WRITE-OFF")
            )
    ledger.sort(key=lambda m: (m.moved_on, m.product_id, m.warehouse_id))
    return [
        (index, m.product_id, m.warehouse_id, m.moved_on, m.kind, m.quantity, m.reference)
        for index, m in enumerate(ledger, start=1)
    ]
