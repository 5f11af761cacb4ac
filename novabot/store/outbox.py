"""The outbox: every answer Nova posts, recorded before it is sent.

`record_post` stores a pending post (with the answer joining its conversation's history,
and the inbox entry it answers marked answered, in the same transaction); the sender
marks it `sent` with the platform's message id. A pending post found later (its sender
died) is taken over like an inbox entry and sent again, parts already there being found
on the platform first (core/delivery.py), so it is neither lost nor doubled.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from novabot.store.conversations import StoreBase
from novabot.store.inbox import orphaned, settle
from novabot.store.messages import insert_message
from novabot.store.records import json_list, now_text, time_after

MAX_ATTEMPTS = 5
"""After this many failed sends a post is given up on (`failed`), not retried forever."""

_COLUMNS = "id, platform, channel_id, thread_id, text, agent, anchor, state, attempts"


class OutboxMixin(StoreBase):
    async def record_post(
        self,
        ref: str,
        key: ConversationKey,
        text: str,
        *,
        owner: str,
        lease_s: float,
        agent: str | None = None,
        anchor: str | None = None,
        history: bool = True,
        tokens: int | None = None,
        answers: int | None = None,
    ) -> Post:
        """Store a pending post under `ref` (one post per ref, ever); `history` adds the
        text to the conversation as the assistant's, `answers` settles that inbox entry.
        A ref already recorded returns the stored post (`sent` tells if it went out)."""
        now = now_text()
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO outbox (ref, platform, channel_id, thread_id, text, agent, anchor,"
                " state, owner, lease_expires_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
                f" ON CONFLICT (ref) DO NOTHING RETURNING {_COLUMNS}",
                (
                    ref,
                    key.platform,
                    key.channel_id,
                    key.thread_id,
                    text,
                    agent,
                    anchor,
                    owner,
                    time_after(lease_s),
                    now,
                ),
            )
            if row is None:  # recorded before: an earlier attempt may have sent parts of it
                row = await tx.fetchone(f"SELECT {_COLUMNS} FROM outbox WHERE ref = ?", (ref,))
                assert row is not None
                return _post(row, recheck=True)
            if history:
                await insert_message(tx, key, "assistant", text, now, agent=agent, tokens=tokens)
            if answers is not None:
                await settle(tx, answers, "answered", now)
        return _post(row)

    async def mark_posted(self, post_id: int, platform_message_id: str) -> None:
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "UPDATE outbox SET state = 'sent', platform_message_id = ?, sent_at = ?,"
                " owner = NULL, lease_expires_at = NULL WHERE id = ?",
                (platform_message_id, now_text(), post_id),
            )

    async def post_failed(self, post_id: int, error: str) -> bool:
        """Count a failed send; after MAX_ATTEMPTS the post is given up on. Returns
        whether it was (False: it stays pending, to be tried again later)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE outbox SET attempts = attempts + 1, error = ?,"
                f" state = CASE WHEN attempts + 1 >= {MAX_ATTEMPTS} THEN 'failed' ELSE state END"
                " WHERE id = ? RETURNING state",
                (error, post_id),
            )
        return row is not None and row["state"] == "failed"

    async def take_pending_posts(
        self,
        owner: str,
        lease_s: float,
        *,
        dead: Collection[str] = (),
        platforms: Collection[str] = (),
        limit: int = 100,
    ) -> list[Post]:
        """Take pending posts on `platforms` that nobody else holds (their sender died or
        let go; or `owner` holds them, after a failed send), oldest first. Each comes back
        with `recheck` set, since some of its parts may already be out."""
        now = now_text()
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE outbox SET owner = ?, lease_expires_at = ?"
                " WHERE id IN (SELECT id FROM outbox WHERE state = 'pending'"
                " AND platform IN (SELECT value FROM json_each(?))"
                f" AND (owner = ? OR {orphaned()}) ORDER BY id LIMIT ?) RETURNING {_COLUMNS}",
                (
                    owner,
                    time_after(lease_s),
                    json_list(platforms),
                    owner,
                    now,
                    json_list(dead),
                    limit,
                ),
            )
        return sorted((_post(row, recheck=True) for row in rows), key=lambda post: post.id)

    async def post_state(self, ref: str) -> str | None:
        row = await self._db.fetchone("SELECT state FROM outbox WHERE ref = ?", (ref,))
        return None if row is None else str(row["state"])

    async def posted_message(self, ref: str) -> tuple[ConversationKey, str] | None:
        """Where the post recorded under `ref` went and its platform message id (its
        first message), once sent; None before that."""
        row = await self._db.fetchone(
            "SELECT platform, channel_id, thread_id, platform_message_id FROM outbox"
            " WHERE ref = ? AND state = 'sent' AND platform_message_id IS NOT NULL",
            (ref,),
        )
        if row is None:
            return None
        key = ConversationKey(row["platform"], row["channel_id"], row["thread_id"] or None)
        return key, str(row["platform_message_id"])


def _post(row: sqlite3.Row, *, recheck: bool = False) -> Post:
    return Post(
        id=int(row["id"]),
        key=ConversationKey(row["platform"], row["channel_id"], row["thread_id"] or None),
        text=row["text"],
        agent=row["agent"],
        anchor=row["anchor"],
        recheck=recheck or int(row["attempts"]) > 0,
        sent=row["state"] == "sent",
    )
