"""The inbox: every platform message Nova takes, claimed and stored in one transaction.

A message moves `received → answering → answered` (or `failed`, when the answer could not
be made and the user was told). While it is open it is leased to one `nova run` process
(`owner`, `lease_expires_at`); the owner's heartbeat keeps the lease fresh (leases.py). A
platform retry of an open message is dropped while its owner lives, and taken over once
the owner is dead, so a message is neither lost in a crash nor answered twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from novabot.core.message import ConversationKey, Message
from novabot.store.conversations import StoreBase
from novabot.store.database import Transaction
from novabot.store.messages import insert_message
from novabot.store.records import json_list, now_text, parse_time, time_after

OPEN_STATES = ("received", "answering")
SETTLED_STATES = frozenset({"answered", "failed"})

_COLUMNS = (
    "id, platform, event_id, channel_id, thread_id, user_id, user_name, text, addressed,"
    " agent, state, owner, attempts, message_id, reply_handle, received_at"
)


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """An inbound message leased to this process, with what an earlier attempt left."""

    id: int
    message: Message
    state: str
    attempts: int
    """How many times it has been taken (1: this is the first attempt)."""
    message_id: int | None
    """The user's message in the history, once stored (a retry stores none again)."""
    reply_handle: str | None
    """The platform id of the message an earlier attempt was streaming the answer into."""

    @property
    def retried(self) -> bool:
        return self.attempts > 1


class InboxMixin(StoreBase):
    async def take_inbound(
        self, message: Message, owner: str, lease_s: float, *, dead: Collection[str] = ()
    ) -> InboxEntry | None:
        """Claim `message` for `owner`: stored and leased if new, taken over if its owner is
        in `dead` or its lease has expired; None when answered, or alive in other hands."""
        if not message.event_id:
            raise ValueError("only messages with a platform event id go through the inbox")
        now = now_text()
        expires = time_after(lease_s)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO inbox (platform, event_id, channel_id, thread_id, user_id,"
                " user_name, text, addressed, agent, state, owner, lease_expires_at, attempts,"
                " received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?,"
                f" 1, ?, ?) ON CONFLICT (platform, event_id) DO NOTHING RETURNING {_COLUMNS}",
                (
                    message.key.platform,
                    message.event_id,
                    message.key.channel_id,
                    message.key.thread_id,
                    message.user_id,
                    message.user_name,
                    message.text,
                    int(message.addressed),
                    message.agent,
                    owner,
                    expires,
                    now,
                    now,
                ),
            )
            if row is None:
                where = ("platform = ? AND event_id = ?", (message.key.platform, message.event_id))
                row = await _take_over(tx, *where, owner, expires, now, dead)
        return None if row is None else _entry(row)

    async def adopt_orphans(
        self,
        owner: str,
        lease_s: float,
        *,
        dead: Collection[str] = (),
        platforms: Collection[str] = (),
        limit: int = 100,
    ) -> list[InboxEntry]:
        """Take over open messages on `platforms` whose owner is dead or whose lease has
        expired, oldest first: what to answer at start, and whenever a lease runs out."""
        now = now_text()
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id FROM inbox WHERE state IN ('received', 'answering')"
                " AND platform IN (SELECT value FROM json_each(?))"
                f" AND ({orphaned()}) ORDER BY id LIMIT ?",
                (json_list(platforms), now, json_list(dead), limit),
            )
            taken = []
            for row in rows:
                entry = await _take_over(
                    tx, "id = ?", (row["id"],), owner, time_after(lease_s), now, dead
                )
                if entry is not None:
                    taken.append(_entry(entry))
        return taken

    async def store_inbound(self, inbox_id: int) -> int:
        """Keep the user's message in its conversation's history (once, however many
        attempts) and mark the inbox entry `answering`; returns the history message id."""
        now = now_text()
        async with self._db.transaction() as tx:
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM inbox WHERE id = ?", (inbox_id,))
            if row is None:
                raise ValueError(f"no inbox entry {inbox_id}")
            message_id = row["message_id"]
            if message_id is None:
                entry = _entry(row)
                message_id = await insert_message(
                    tx,
                    entry.message.key,
                    "user",
                    entry.message.text,
                    now,
                    user_id=entry.message.user_id,
                    user_name=entry.message.user_name,
                )
            await tx.fetchall(
                "UPDATE inbox SET state = 'answering', message_id = ?, updated_at = ?"
                " WHERE id = ? AND state IN ('received', 'answering')",
                (message_id, now, inbox_id),
            )
        return int(message_id)

    async def note_reply_handle(self, inbox_id: int, handle: str) -> None:
        """Where the answer is being streamed: a retry replaces that message's text."""
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "UPDATE inbox SET reply_handle = ?, updated_at = ? WHERE id = ?",
                (handle, now_text(), inbox_id),
            )

    async def settle_inbound(self, inbox_id: int, state: str) -> None:
        """The message is done with (`answered` or `failed`); its lease is let go."""
        if state not in SETTLED_STATES:
            raise ValueError(f"state must be one of {sorted(SETTLED_STATES)}, not {state!r}")
        async with self._db.transaction() as tx:
            await settle(tx, inbox_id, state, now_text())

    async def inbox_state(self, platform: str, event_id: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT state FROM inbox WHERE platform = ? AND event_id = ?", (platform, event_id)
        )
        return None if row is None else str(row["state"])

    async def prune_inbox(self, older_than: timedelta) -> int:
        """Forget settled messages older than `older_than` (platforms stop redelivering
        within minutes), so the table stays small; returns how many were removed."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "DELETE FROM inbox WHERE state IN ('answered', 'failed') AND received_at < ?"
                " RETURNING 1",
                (time_after(-older_than.total_seconds()),),
            )
        return len(rows)


def orphaned(owner_column: str = "owner") -> str:
    """WHERE fragment for a row nobody holds: its lease ran out, or its owner is known to be
    dead. Parameters: now, then the dead owners as a JSON list (`json_list`)."""
    return (
        "lease_expires_at IS NULL OR lease_expires_at < ?"
        f" OR {owner_column} IN (SELECT value FROM json_each(?))"
    )


async def _take_over(
    tx: Transaction,
    where: str,
    params: tuple[object, ...],
    owner: str,
    expires: str,
    now: str,
    dead: Collection[str],
) -> sqlite3.Row | None:
    """Lease an open entry to `owner` if its current owner is gone; the row, or None."""
    return await tx.fetchone(
        "UPDATE inbox SET owner = ?, lease_expires_at = ?, attempts = attempts + 1,"
        f" updated_at = ? WHERE {where} AND state IN ('received', 'answering')"
        f" AND ({orphaned()}) RETURNING {_COLUMNS}",
        (owner, expires, now, *params, now, json_list(dead)),
    )


async def settle(tx: Transaction, inbox_id: int, state: str, now: str) -> None:
    await tx.fetchall(
        "UPDATE inbox SET state = ?, owner = NULL, lease_expires_at = NULL, updated_at = ?"
        " WHERE id = ?",
        (state, now, inbox_id),
    )


def _entry(row: sqlite3.Row) -> InboxEntry:
    message = Message(
        key=ConversationKey(row["platform"], row["channel_id"], row["thread_id"] or None),
        text=row["text"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        addressed=bool(row["addressed"]),
        agent=row["agent"],
        event_id=row["event_id"],
        timestamp=parse_time(row["received_at"]),
    )
    return InboxEntry(
        id=int(row["id"]),
        message=message,
        state=row["state"],
        attempts=int(row["attempts"]),
        message_id=row["message_id"],
        reply_handle=row["reply_handle"],
    )
