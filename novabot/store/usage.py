"""Token accounting per conversation, agent and model."""

from __future__ import annotations

from datetime import UTC, datetime

from novabot.core.message import ConversationKey
from novabot.store.conversations import MATCH_KEY, StoreBase, ensure_conversation, key_params
from novabot.store.records import UsageRow, from_row, now_text

_TOTALS = (
    "SELECT u.agent, u.model, COUNT(*) AS calls,"
    " SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.completion_tokens) AS completion_tokens"
    " FROM token_usage u"
)
_GROUP = " GROUP BY u.agent, u.model ORDER BY u.agent, u.model"


class UsageMixin(StoreBase):
    async def record_usage(
        self,
        key: ConversationKey,
        *,
        agent: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        run_id: int | None = None,
    ) -> None:
        """Record one model call's token counts against the conversation (and run)."""
        now = now_text()
        async with self._db.transaction() as tx:
            conversation_id = await ensure_conversation(tx, key, now, touch=False)
            await tx.fetchall(
                "INSERT INTO token_usage"
                " (conversation_id, agent, model, prompt_tokens, completion_tokens, created_at,"
                " run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, agent, model, prompt_tokens, completion_tokens, now, run_id),
            )

    async def usage(
        self, key: ConversationKey | None = None, *, since: datetime | None = None
    ) -> list[UsageRow]:
        """Totals grouped by (agent, model), sorted; for one conversation or for all, and
        only for calls at or after `since` when given (a naive time is local time)."""
        sql = _TOTALS
        where: list[str] = []
        params: tuple[str, ...] = ()
        if key is not None:
            sql += " JOIN conversations c ON c.id = u.conversation_id"
            where.append(MATCH_KEY)
            params += key_params(key)
        if since is not None:
            where.append("u.created_at >= ?")
            params += (stored_time(since),)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self._db.fetchall(sql + _GROUP, params)
        return [from_row(UsageRow, row) for row in rows]


def stored_time(moment: datetime) -> str:
    """A time as `now_text` stores it (UTC, fixed width), so text comparison is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
