"""Conversation rows: how a ConversationKey maps to a row, and the base the mixins share."""

from __future__ import annotations

from pathlib import Path

from novabot.core.message import ConversationKey
from novabot.store.database import Database, Transaction

MATCH_KEY = "c.platform = ? AND c.channel_id = ? AND c.thread_id = ?"
"""WHERE fragment matching alias `c` (conversations) to `key_params(key)`.

Reads join through it instead of looking the id up first: one statement, and a read
for an unknown key never creates a conversation.
"""


def key_params(key: ConversationKey) -> tuple[str, str, str]:
    # None is stored as '' so the UNIQUE constraint sees "no thread" as one value.
    return (key.platform, key.channel_id, key.thread_id or "")


async def ensure_conversation(
    tx: Transaction, key: ConversationKey, now: str, *, touch: bool
) -> int:
    """Get-or-create the conversation's id in one statement; `touch` bumps updated_at."""
    # A no-op DO UPDATE (rather than DO NOTHING) makes RETURNING yield the existing row.
    update = "excluded.updated_at" if touch else "conversations.updated_at"
    row = await tx.fetchone(
        "INSERT INTO conversations (platform, channel_id, thread_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (platform, channel_id, thread_id)"
        f" DO UPDATE SET updated_at = {update}"
        " RETURNING id",
        (*key_params(key), now, now),
    )
    assert row is not None  # an upsert with RETURNING always yields its row
    return int(row["id"])


class StoreBase:
    """What every concern mixin relies on: the database and its path."""

    path: Path
    _db: Database
