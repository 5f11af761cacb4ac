"""Nova's persistent store: SQLite via aiosqlite, migrated at open.

async with await Store.open("~/.nova/nova.db") as store:
    await store.add_message(key, "user", "hello", user_id="U1")
"""

from novabot.store.errors import StoreError
from novabot.store.memory import MemoryPipelineStore
from novabot.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from novabot.store.protocols import MessageLog, PipelineStore
from novabot.store.records import (
    PipelineRunRecord,
    PipelineStepRecord,
    RoutingRecord,
    StoredMessage,
    UsageRow,
)
from novabot.store.statuses import RUN_STATUSES, STEP_STATUSES, RunStatus, StepStatus
from novabot.store.store import Store

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "RUN_STATUSES",
    "STEP_STATUSES",
    "MemoryPipelineStore",
    "MessageLog",
    "PipelineRunRecord",
    "PipelineStepRecord",
    "PipelineStore",
    "RoutingRecord",
    "RunStatus",
    "StepStatus",
    "Store",
    "StoreError",
    "StoredMessage",
    "UsageRow",
    "migrate",
]
