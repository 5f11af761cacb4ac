"""Event de-duplication: platforms redeliver events, and each must be answered once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from novabot.store.conversations import StoreBase
from novabot.store.records import now_text


class EventsMixin(StoreBase):
    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time (platform, event_id) is claimed, False ever after.

        A single INSERT OR IGNORE decides it, so it is atomic across coroutines and
        across processes sharing the file: exactly one caller sees the row inserted.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "INSERT OR IGNORE INTO processed_events (platform, event_id, processed_at)"
                " VALUES (?, ?, ?) RETURNING 1",
                (platform, event_id, now_text()),
            )
        return bool(rows)

    async def prune_events(self, older_than: timedelta) -> int:
        """Forget claims older than `older_than` (platforms stop redelivering within
        minutes), so the table stays small; returns how many were removed."""
        cutoff = (datetime.now(UTC) - older_than).isoformat(timespec="microseconds")
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "DELETE FROM processed_events WHERE processed_at < ? RETURNING 1", (cutoff,)
            )
        return len(rows)
