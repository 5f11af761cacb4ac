"""Master data: products, warehouses, stock, customers, suppliers and their prices."""

from __future__ import annotations

import random
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from decimal import Decimal

from novabot.erp.demo.catalog import parts

Row = tuple[object, ...]

GUTTER_BRUSH = "600 mm gutter brush"
"""The product the demo's first question asks about: always stocked in the main warehouse."""

WAREHOUSES: tuple[Row, ...] = (
    (1, "MAIN", "Main warehouse", "Riverton"),
    (2, "NORTH", "North depot", "Highmoor"),
    (3, "SOUTH", "South depot", "Baywater"),
)

TOWN_STARTS = (
    "Ash", "Bel", "Brook", "Clay", "Dun", "Elm", "Fair", "Glen", "Hart", "Holm", "Kings",
    "Lang", "Marsh", "Nor", "Oak", "Pen", "Red", "Rose", "Stan", "Thorn", "Wal", "West",
    "Whit", "Wood",
)  # fmt: skip
TOWN_ENDS = (
    "bury", "by", "field", "ford", "ham", "ley", "mouth", "stead", "ton", "wick", "worth",
    "dale", "gate", "haven",
)  # fmt: skip
SURNAMES = (
    "Abbott", "Barker", "Carter", "Dawson", "Ellis", "Fletcher", "Grant", "Hughes", "Irwin",
    "Jensen", "Keller", "Lowe", "Moreau", "Nolan", "Olsen", "Price", "Quinn", "Russo",
    "Sutton", "Turner", "Underwood", "Vogel", "Walsh", "Young",
)  # fmt: skip
COUNTRIES = ("GB", "GB", "GB", "IE", "NL", "BE", "DE", "DK")

# What each kind of supplier makes: the categories it quotes prices for.
SUPPLIER_TRADES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Brushes", ("gutter brooms", "main brooms", "weed brushes", "brush parts")),
    ("Filtration", ("filters",)),
    ("Rubber Products", ("squeegees and flaps", "wear parts")),
    ("Hydraulics", ("hydraulic hoses", "hydraulic fittings", "hydraulic motors and cylinders")),
    ("Bearings", ("bearings",)),
    ("Fabrication", ("hoppers", "wear parts", "brush parts")),
    ("Fluid Systems", ("suction system", "water system")),
    ("Electrics", ("electrical",)),
    ("Wheels & Drives", ("wheels and drive",)),
    ("Workshop Supplies", ("consumables", "hydraulic fittings")),
)


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    category: str
    cost_cents: int
    price_cents: int
    popularity: float
    """Relative weight with which orders pick this product."""
    batch: int
    """A typical quantity on one order line."""


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def make_products(rng: random.Random) -> list[Product]:
    products = []
    for index, part in enumerate(parts(), start=1):
        cost = round(rng.uniform(*part.cost) * 100)
        price = round(cost * rng.uniform(1.35, 1.9) / 5) * 5  # list prices end in 0 or 5 cents
        popularity = rng.paretovariate(1.6)
        if part.name == GUTTER_BRUSH:
            popularity = max(popularity, 4.0)
        batch = 1 if cost > 20_000 else 4 if cost > 3_000 else 12
        products.append(Product(index, part.name, part.category, cost, price, popularity, batch))
    return products


def product_rows(products: list[Product]) -> list[Row]:
    rows: list[Row] = []
    serial: dict[str, int] = {}
    for product, part in zip(products, parts(), strict=True):
        serial[part.prefix] = serial.get(part.prefix, 1000) + 1
        sku = f"{part.prefix}-{serial[part.prefix]}"
        rows.append(
            (product.id, sku, product.name, product.category, part.unit,
             money(product.cost_cents), money(product.price_cents))
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class Stock:
    product_id: int
    warehouse_id: int
    bin: str
    on_hand: int
    reorder_point: int
    reorder_qty: int

    def row(self) -> Row:
        return astuple(self)


def make_stock(rng: random.Random, products: list[Product]) -> list[Stock]:
    """Every product in the main warehouse, most in the depots; about one row in ten
    below its reorder point (a few at zero)."""
    stock: list[Stock] = []
    for product in products:
        aisle = "ABCDEFGHJKLMNPQR"[hash_category(product.category) % 16]
        for warehouse_id, share in ((1, 1.0), (2, 0.6), (3, 0.5)):
            if warehouse_id > 1 and rng.random() > 0.65:
                continue
            reorder_point = max(1, round(product.popularity * share * product.batch / 2))
            reorder_qty = max(product.batch, reorder_point * 2)
            if rng.random() < 0.1 and product.name != GUTTER_BRUSH:
                on_hand = 0 if rng.random() < 0.3 else rng.randint(0, reorder_point - 1)
            else:
                on_hand = reorder_point + rng.randint(1, reorder_qty * 2)
            bin_code = f"{aisle}{rng.randint(1, 24):02d}-{rng.randint(1, 5)}"
            stock.append(
                Stock(product.id, warehouse_id, bin_code, on_hand, reorder_point, reorder_qty)
            )
    return stock


def hash_category(category: str) -> int:
    """A stable number for a category (Python's hash() of a str changes per process)."""
    return sum(ord(char) * (i + 1) for i, char in enumerate(category))


def towns(rng: random.Random, count: int) -> list[str]:
    names = [start + end for start in TOWN_STARTS for end in TOWN_ENDS]
    return rng.sample(names, count)


@dataclass(frozen=True)
class Customer:
    id: int
    terms: int
    warehouse_id: int
    lateness: float
    """How this customer pays: 0 on time, 1 very late or not at all."""
    discount_pct: int
    since: date


def make_customers(
    rng: random.Random, count: int, reference: date
) -> tuple[list[Customer], list[Row]]:
    customers: list[Customer] = []
    rows: list[Row] = []
    used: set[str] = set()
    for index, town in enumerate(towns(rng, count), start=1):
        roll = rng.random()
        if roll < 0.45:
            kind, terms, discount = "municipality", rng.choice((30, 45, 60)), rng.randint(5, 15)
            name = rng.choice((f"City of {town}", f"{town} Borough Council",
                               f"{town} Municipal Works"))  # fmt: skip
        elif roll < 0.8:
            kind, terms, discount = "contractor", rng.choice((14, 30)), rng.randint(0, 10)
            surname = rng.choice(SURNAMES)
            name = rng.choice((f"{surname} Sweeping Ltd", f"{town} Road Services",
                               f"{surname} & {rng.choice(SURNAMES)} Contractors"))  # fmt: skip
        elif roll < 0.9:
            kind, terms, discount = "facility services", 30, rng.randint(0, 8)
            name = f"{town} Facility Services"
        else:
            kind, terms, discount = "airport or port", 45, rng.randint(3, 12)
            name = rng.choice((f"{town} Airport", f"Port of {town}"))
        if name in used:  # two contractors of one surname: the town tells them apart
            name = f"{town} Road Services"
        used.add(name)
        since = reference - timedelta(days=rng.randint(800, 4000))
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        limit = rng.choice((5_000, 10_000, 25_000, 50_000, 100_000))
        lateness = rng.random() ** 2.5  # most pay on time, a few are very late
        customers.append(
            Customer(index, terms, 1 + index % 3 if rng.random() < 0.7 else 1,
                     lateness, discount, since)
        )  # fmt: skip
        rows.append(
            (index, f"C-{1000 + index}", name, kind, town, rng.choice(COUNTRIES),
             f"accounts@{slug}.example", terms, money(limit * 100), since)
        )  # fmt: skip
    return customers, rows


def make_suppliers(rng: random.Random, count: int) -> tuple[list[tuple[str, ...]], list[Row]]:
    """Suppliers and the categories each quotes for; every trade has at least one."""
    trades: list[tuple[str, ...]] = []
    rows: list[Row] = []
    names = rng.sample([s + e for s in TOWN_STARTS for e in TOWN_ENDS], count)
    for index in range(1, count + 1):
        trade, categories = SUPPLIER_TRADES[(index - 1) % len(SUPPLIER_TRADES)]
        name = f"{names[index - 1]} {trade}"
        country = rng.choice(("GB", "DE", "NL", "IT", "PL", "DK", "SE", "FR"))
        suffix = {"DE": " GmbH", "NL": " B.V.", "IT": " S.r.l.", "FR": " SAS"}.get(country, " Ltd")
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        trades.append(categories)
        rows.append(
            (index, f"S-{100 + index}", name + suffix, country, f"orders@{slug}.example",
             rng.choice((30, 45, 60)))
        )  # fmt: skip
    return trades, rows


@dataclass(frozen=True)
class Offer:
    supplier_id: int
    product_id: int
    cents: int
    lead_time_days: int
    min_order_qty: int


def make_offers(
    rng: random.Random, products: list[Product], trades: list[tuple[str, ...]]
) -> list[Offer]:
    """One to three suppliers per product, each with its price and lead time."""
    lead_base = [rng.randint(5, 45) for _ in trades]
    offers = []
    for product in products:
        able = [sid for sid, cats in enumerate(trades, start=1) if product.category in cats]
        for supplier_id in sorted(rng.sample(able, min(len(able), rng.randint(1, 3)))):
            cents = round(product.cost_cents * rng.uniform(0.9, 1.12))
            lead = max(2, lead_base[supplier_id - 1] + rng.randint(-4, 10))
            moq = rng.choice((1, 1, 5, 10)) if product.batch > 1 else 1
            offers.append(Offer(supplier_id, product.id, cents, lead, moq))
    return offers


def offer_rows(offers: list[Offer]) -> list[Row]:
    return [
        (o.supplier_id, o.product_id, money(o.cents), o.lead_time_days, o.min_order_qty)
        for o in offers
    ]
