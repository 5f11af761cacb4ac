"""Channel bindings: a channel's default agent, set by an operator."""

from __future__ import annotations

from novabot.store.conversations import StoreBase
from novabot.store.records import now_text


class ChannelsMixin(StoreBase):
    async def bind_channel(self, platform: str, channel_id: str, agent: str) -> None:
        """Make `agent` the channel's default, replacing any previous binding."""
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "INSERT INTO channel_bindings (platform, channel_id, agent, bound_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, channel_id)"
                " DO UPDATE SET agent = excluded.agent, bound_at = excluded.bound_at",
                (platform, channel_id, agent, now_text()),
            )

    async def unbind_channel(self, platform: str, channel_id: str) -> bool:
        """Remove the channel's binding; True if there was one."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "DELETE FROM channel_bindings WHERE platform = ? AND channel_id = ? RETURNING 1",
                (platform, channel_id),
            )
        return bool(rows)

    async def channel_agent(self, platform: str, channel_id: str) -> str | None:
        """The agent bound to the channel, or None."""
        row = await self._db.fetchone(
            "SELECT agent FROM channel_bindings WHERE platform = ? AND channel_id = ?",
            (platform, channel_id),
        )
        return None if row is None else str(row["agent"])
