"""Posting for a store only this process can see: the in-memory pipeline store's partner.

It keeps the outbox's promise within one process (each ref posted once, and its text
added to the history), which is all such a store can promise.
"""

from __future__ import annotations

from novabot.core.message import ConversationKey
from novabot.core.responder import Responder
from novabot.store.protocols import MessageLog


class LoggedPoster:
    def __init__(self, history: MessageLog) -> None:
        self.history = history
        self.posted: set[str] = set()

    async def post(
        self,
        ref: str,
        responder: Responder,
        key: ConversationKey,
        text: str,
        *,
        agent: str | None = None,
    ) -> bool:
        if ref in self.posted:
            return True
        self.posted.add(ref)
        await self.history.add_message(key, "assistant", text, agent=agent)
        await responder.say(text, agent=agent)
        return True
