"""`Store`: Nova's persistent memory, one SQLite file per process, one connection."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from novabot.store.activity import ActivityMixin
from novabot.store.api_keys import ApiKeysMixin
from novabot.store.channels import ChannelsMixin
from novabot.store.dashboard_login import DashboardLoginMixin
from novabot.store.database import Database
from novabot.store.digests import DigestsMixin
from novabot.store.inbox import InboxMixin
from novabot.store.knowledge import KnowledgeMixin
from novabot.store.leases import LeasesMixin
from novabot.store.messages import MessagesMixin
from novabot.store.migrations import LATEST_VERSION, migrate, newer_schema_error, user_version
from novabot.store.ops import OpsMixin
from novabot.store.outbox import OutboxMixin
from novabot.store.pipelines import PipelinesMixin
from novabot.store.projects import ProjectsMixin
from novabot.store.routing import RoutingMixin
from novabot.store.schedule_runs import ScheduleRunsMixin
from novabot.store.schedules import SchedulesMixin
from novabot.store.summaries import SummariesMixin
from novabot.store.usage import UsageMixin


class Store(
    MessagesMixin,
    RoutingMixin,
    InboxMixin,
    OutboxMixin,
    LeasesMixin,
    UsageMixin,
    ChannelsMixin,
    PipelinesMixin,
    ProjectsMixin,
    KnowledgeMixin,
    SummariesMixin,
    SchedulesMixin,
    ScheduleRunsMixin,
    DigestsMixin,
    OpsMixin,
    ApiKeysMixin,
    DashboardLoginMixin,
    ActivityMixin,
):
    """Conversations, routing, the inbox and outbox, leases, token usage, channel bindings,
    pipelines, projects and their knowledge, conversation summaries, schedules, API keys,
    the dashboard's login.

    Create with `await Store.open(path)`; use as `async with await Store.open(path) as store`.
    Safe to share between coroutines: writes are serialised (see database.py).
    """

    def __init__(self, db: Database) -> None:
        # Private: open() is the only way to get a connected, migrated store.
        self._db = db
        self.path = db.path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Connect (creating the file and its directory), set pragmas, migrate to latest."""
        db = await Database.connect(Path(path))
        try:
            # Checked here too (migrate also checks) so the error names the path as given.
            found = await user_version(db.connection)
            if found > LATEST_VERSION:
                raise newer_schema_error(db.path, found)
            await migrate(db.connection)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        """Close the connection; calling it again is harmless."""
        await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await self._db.fetchone("PRAGMA user_version")
        assert row is not None
        return int(row[0])

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"
