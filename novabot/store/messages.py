"""Conversation history: appending messages and reading them back."""

from __future__ import annotations

from novabot.core.message import ConversationKey
from novabot.store.conversations import MATCH_KEY, StoreBase, ensure_conversation, key_params
from novabot.store.database import Transaction
from novabot.store.records import StoredMessage, from_row, now_text

ROLES = frozenset({"user", "assistant", "system", "tool"})


class MessagesMixin(StoreBase):
    async def add_message(
        self,
        key: ConversationKey,
        role: str,
        content: str,
        *,
        agent: str | None = None,
        user_id: str | None = None,
        user_name: str | None = None,
        tokens: int | None = None,
    ) -> int:
        """Append a message (creating the conversation on first use); return its id."""
        # Fail here with a readable error rather than on the CHECK constraint.
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        async with self._db.transaction() as tx:
            return await insert_message(
                tx,
                key,
                role,
                content,
                now_text(),
                agent=agent,
                user_id=user_id,
                user_name=user_name,
                tokens=tokens,
            )

    async def history(self, key: ConversationKey, *, limit: int = 100) -> list[StoredMessage]:
        """The most recent `limit` messages of the conversation, oldest first."""
        if limit < 1:
            return []
        # Ordered by id, not created_at: ids follow commit order even within one microsecond.
        rows = await self._db.fetchall(
            "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {MATCH_KEY} ORDER BY m.id DESC LIMIT ?",
            (*key_params(key), limit),
        )
        return [from_row(StoredMessage, row) for row in reversed(rows)]

    async def last_agent(self, key: ConversationKey) -> str | None:
        """The agent that last answered in this conversation (assistant messages only)."""
        # Assistant rows without an agent (none expected) are skipped rather than
        # returned as None, which would read as "nobody has answered yet".
        row = await self._db.fetchone(
            "SELECT m.agent FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {MATCH_KEY} AND m.role = 'assistant' AND m.agent IS NOT NULL"
            " ORDER BY m.id DESC LIMIT 1",
            key_params(key),
        )
        return None if row is None else str(row["agent"])


async def insert_message(
    tx: Transaction,
    key: ConversationKey,
    role: str,
    content: str,
    now: str,
    *,
    agent: str | None = None,
    user_id: str | None = None,
    user_name: str | None = None,
    tokens: int | None = None,
) -> int:
    """Append a message inside a caller's transaction (the inbox and outbox store the
    history in the same transaction as their own state)."""
    conversation_id = await ensure_conversation(tx, key, now, touch=True)
    row = await tx.fetchone(
        "INSERT INTO messages"
        " (conversation_id, role, content, agent, user_id, user_name, tokens, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (conversation_id, role, content, agent, user_id, user_name, tokens, now),
    )
    assert row is not None
    return int(row["id"])
