"""Rolling summaries of long conversations: the older turns, compacted, never deleted."""

from __future__ import annotations

from dataclasses import dataclass

from novabot.core.message import ConversationKey
from novabot.store.conversations import MATCH_KEY, StoreBase, ensure_conversation, key_params
from novabot.store.records import now_text


@dataclass(frozen=True, slots=True)
class Summary:
    text: str
    first_message_id: int
    last_message_id: int
    """The summary covers the conversation's messages up to this id; later ones are verbatim."""


class SummariesMixin(StoreBase):
    async def summary(self, key: ConversationKey) -> Summary | None:
        row = await self._db.fetchone(
            "SELECT s.summary, s.first_message_id, s.last_message_id"
            " FROM conversation_summaries s JOIN conversations c ON c.id = s.conversation_id"
            f" WHERE {MATCH_KEY}",
            key_params(key),
        )
        if row is None:
            return None
        return Summary(row["summary"], int(row["first_message_id"]), int(row["last_message_id"]))

    async def save_summary(self, key: ConversationKey, summary: Summary) -> None:
        now = now_text()
        async with self._db.transaction() as tx:
            conversation_id = await ensure_conversation(tx, key, now, touch=False)
            await tx.fetchall(
                "INSERT OR REPLACE INTO conversation_summaries (conversation_id, summary,"
                " first_message_id, last_message_id, updated_at) VALUES (?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    summary.text,
                    summary.first_message_id,
                    summary.last_message_id,
                    now,
                ),
            )
