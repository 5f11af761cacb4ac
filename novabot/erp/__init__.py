"""ERP databases, read-only by construction: URLs, the interface, SQLite and PostgreSQL.

Nothing here knows a chat platform; the tools that use it are in cogs/erp.py.
"""

from novabot.erp.database import Column, ErpDatabase, ForeignKey, Limits, QueryResult, Table
from novabot.erp.errors import (
    ErpError,
    ErpUnavailable,
    ErpUrlError,
    QueryFailed,
    QueryRefused,
    QueryTimedOut,
)
from novabot.erp.url import ErpUrl, parse_url

__all__ = [
    "Column",
    "ErpDatabase",
    "ErpError",
    "ErpUnavailable",
    "ErpUrl",
    "ErpUrlError",
    "ForeignKey",
    "Limits",
    "QueryFailed",
    "QueryRefused",
    "QueryResult",
    "QueryTimedOut",
    "Table",
    "parse_url",
]
