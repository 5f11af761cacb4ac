"""Routing decisions: which agent got a message, by which rule, and why."""

from __future__ import annotations

import json
from collections.abc import Sequence

from novabot.core.message import ConversationKey
from novabot.store.conversations import MATCH_KEY, StoreBase, ensure_conversation, key_params
from novabot.store.records import RoutingRecord, from_row, now_text


class RoutingMixin(StoreBase):
    async def record_decision(
        self,
        key: ConversationKey,
        *,
        agent: str,
        rule: str,
        reason: str,
        score: float,
        message_id: int | None = None,
        candidates: Sequence[tuple[str, float]] = (),
        knowledge_ids: Sequence[int] = (),
    ) -> int:
        """Persist a routing decision (optionally linked to the routed message, with the
        knowledge items its prompt carries); return its id."""
        now = now_text()
        ranked = json.dumps([[agent_name, round(value, 4)] for agent_name, value in candidates])
        used = json.dumps([int(item_id) for item_id in knowledge_ids])
        async with self._db.transaction() as tx:
            conversation_id = await ensure_conversation(tx, key, now, touch=False)
            row = await tx.fetchone(
                "INSERT INTO routing_decisions (conversation_id, message_id, agent, rule,"
                " reason, score, candidates, knowledge_ids, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (conversation_id, message_id, agent, rule, reason, float(score), ranked, used, now),
            )
        assert row is not None
        return int(row["id"])

    async def last_decision(self, key: ConversationKey) -> RoutingRecord | None:
        """The conversation's latest decision, with the routed message's text if linked."""
        return await self._latest_decision(MATCH_KEY, key_params(key))

    async def last_channel_decision(self, platform: str, channel_id: str) -> RoutingRecord | None:
        """The latest decision in any conversation (thread) of a channel."""
        where = "c.platform = ? AND c.channel_id = ?"
        return await self._latest_decision(where, (platform, channel_id))

    async def _latest_decision(self, where: str, params: tuple[str, ...]) -> RoutingRecord | None:
        row = await self._db.fetchone(
            "SELECT r.agent, r.rule, r.reason, r.score, r.created_at, r.message_id,"
            " r.candidates, r.knowledge_ids, m.content AS message_text"
            " FROM routing_decisions r JOIN conversations c ON c.id = r.conversation_id"
            " LEFT JOIN messages m ON m.id = r.message_id"
            f" WHERE {where} ORDER BY r.id DESC LIMIT 1",
            params,
        )
        if row is None:
            return None
        candidates = tuple((str(a), float(s)) for a, s in json.loads(row["candidates"]))
        used = tuple(int(i) for i in json.loads(row["knowledge_ids"]))
        return from_row(RoutingRecord, row, candidates=candidates, knowledge_ids=used)
