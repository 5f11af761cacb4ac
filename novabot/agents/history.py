"""A conversation's history, trimmed to the token budget an agent's prompt can afford."""

from __future__ import annotations

from collections.abc import Sequence

from novabot.llm.client import ChatMessage, estimate_tokens
from novabot.store import StoredMessage

_ROLES = {"user", "assistant"}


def fit_history(messages: Sequence[StoredMessage], budget: int) -> list[ChatMessage]:
    """The newest messages that fit in `budget` tokens, oldest first.

    Older turns are dropped first: the end of a conversation is what a follow-up refers to.
    """
    kept: list[ChatMessage] = []
    spent = 0
    for message in reversed(messages):
        if message.role not in _ROLES:
            continue
        cost = estimate_tokens(message.content) + 4  # per-message framing overhead
        if spent + cost > budget:
            break
        kept.append({"role": message.role, "content": message.content})
        spent += cost
    kept.reverse()
    return kept
