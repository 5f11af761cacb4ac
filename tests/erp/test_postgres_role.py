"""The read-only role README recommends, on a real server: what a read-only transaction
allows (a lock, a server file read by a superuser) the role itself is refused."""

from __future__ import annotations

import pytest

from novabot.erp import QueryRefused
from novabot.erp.connect import open_database
from tests.erp.conftest import LIMITS, snapshot_postgres

BEYOND_THE_TRANSACTION = {
    "lock": "LOCK TABLE stock IN ACCESS EXCLUSIVE MODE",
    "server-file": "SELECT pg_read_file('PG_VERSION')",
    "copy-to-file": "COPY stock TO '/tmp/nova-stock.csv'",
}


@pytest.mark.parametrize("sql", BEYOND_THE_TRANSACTION.values(), ids=BEYOND_THE_TRANSACTION.keys())
async def test_the_read_only_role_is_refused_what_the_transaction_allows(
    pg_url: str, sql: str
) -> None:
    role_url = pg_url.replace("://nova@", "://nova_ro@")
    before = snapshot_postgres(pg_url)
    with pytest.raises(QueryRefused) as caught:
        await open_database(role_url, LIMITS).query(sql)
    assert "permission denied" in caught.value.line or "must be" in caught.value.line
    assert "\n" not in caught.value.line
    assert snapshot_postgres(pg_url) == before


async def test_the_read_only_role_reads(pg_url: str) -> None:
    role_url = pg_url.replace("://nova@", "://nova_ro@")
    result = await open_database(role_url, LIMITS).query("SELECT count(*) FROM stock")
    assert result.rows == [(6,)]
