"""The generator: one seed names one data set, byte for byte, in a SQLite file too."""

from __future__ import annotations

from pathlib import Path

from novabot.erp.demo.generate import REFERENCE_DATE, generate
from novabot.erp.demo.schema import TABLE_NAMES, TABLES
from novabot.erp.demo.writers import write_sqlite
from tests.erp.demo.conftest import digest, sqlite_content


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    first, again, other = (generate(seed, scale=0.2) for seed in (7, 7, 8))
    assert first.rows == again.rows
    assert repr(first.rows) == repr(again.rows)  # the same types and digits, not just equal
    assert other.rows["sales_orders"] != first.rows["sales_orders"]
    assert other.rows["stock"] != first.rows["stock"]


def test_same_seed_same_database_content(tmp_path: Path) -> None:
    paths = [tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"]
    for path, seed in zip(paths, (3, 3, 4), strict=True):
        write_sqlite(path, generate(seed, scale=0.1))
    hashes = [digest(sqlite_content(path)) for path in paths]
    assert hashes[0] == hashes[1]
    assert hashes[2] != hashes[0]


def test_every_row_fits_its_table() -> None:
    data = generate(scale=0.05)
    assert list(data.rows) == list(TABLE_NAMES)
    for table in TABLES:
        assert data.rows[table.name], table.name
        assert {len(row) for row in data.rows[table.name]} == {len(table.columns)}, table.name


def test_scale_shrinks_the_orders_not_the_catalogue() -> None:
    small, larger = generate(scale=0.05).counts(), generate(scale=0.1).counts()
    assert (small["sales_orders"], larger["sales_orders"]) == (250, 500)
    assert small["products"] == larger["products"] > 450


def test_no_order_after_the_reference_date() -> None:
    data = generate(scale=0.1)
    ordered = [row[4] for row in data.rows["sales_orders"]]
    assert max(ordered) <= REFERENCE_DATE  # type: ignore[operator]
