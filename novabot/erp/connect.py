"""Opening an ERP database by its URL, with the limits the settings give."""

from __future__ import annotations

from novabot.config import ErpSettings
from novabot.erp.database import ErpDatabase, Limits
from novabot.erp.url import ErpUrl, parse_url


def limits_of(settings: ErpSettings) -> Limits:
    return Limits(
        timeout_s=settings.timeout_s, max_rows=settings.max_rows, max_bytes=settings.max_bytes
    )


def open_database(url: ErpUrl | str, limits: Limits) -> ErpDatabase:
    """The database at `url` (nothing is connected until it is used)."""
    where = parse_url(url) if isinstance(url, str) else url
    if where.kind == "postgresql":
        # psycopg is imported only by those who use PostgreSQL.
        from novabot.erp.postgres import PostgresErp

        return PostgresErp(where, limits)
    from novabot.erp.sqlite import SqliteErp

    return SqliteErp(where, limits)
