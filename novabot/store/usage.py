"""Token accounting per conversation, agent and model."""

from __future__ import annotations

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

    async def usage(self, key: ConversationKey | None = None) -> list[UsageRow]:
        """Totals grouped by (agent, model), sorted; for one conversation or for all."""
        if key is None:
            rows = await self._db.fetchall(_TOTALS + _GROUP)
        else:
            rows = await self._db.fetchall(
                _TOTALS
                + f" JOIN conversations c ON c.id = u.conversation_id WHERE {MATCH_KEY}"
                + _GROUP,
                key_params(key),
            )
        return [from_row(UsageRow, row) for row in rows]
