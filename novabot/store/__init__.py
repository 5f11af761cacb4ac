"""Nova's persistent store: SQLite via aiosqlite, migrated at open.

async with await Store.open("~/.nova/nova.db") as store:
    await store.add_message(key, "user", "hello", user_id="U1")
"""

from novabot.store.errors import StoreError
from novabot.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from novabot.store.records import RoutingRecord, StoredMessage, UsageRow
from novabot.store.store import Store

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "RoutingRecord",
    "Store",
    "StoreError",
    "StoredMessage",
    "UsageRow",
    "migrate",
]
