"""A conversation's history, laid out within the token budget an agent's prompt can afford.

Two layouts share one rule (the newest turns are kept verbatim, the end of a conversation
being what a follow-up refers to): `fit_history` drops the oldest turns that do not fit;
`lay_out` puts a rolling summary of the older turns first (projects/compaction.py keeps it)
and gives the rest of the budget to the newest turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from novabot.core.message import ConversationKey
from novabot.llm.client import ChatMessage, estimate_tokens
from novabot.store import StoredMessage

_ROLES = {"user", "assistant"}
_FRAMING = 4
"""Tokens each message costs beyond its text (role and separators)."""

SUMMARY_PREFIX = "Summary of the earlier conversation: "
SUMMARY_SHARE = 3
"""A summary takes at most a third of the budget, so the newest turns always have room."""


class HistoryFitter(Protocol):
    """What the bot asks for a turn's history: the prompt messages for `history`."""

    async def fit(
        self, key: ConversationKey, history: Sequence[StoredMessage]
    ) -> list[ChatMessage]: ...


class DropOldest:
    """Drop the oldest turns that do not fit the budget (no summary)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget

    async def fit(
        self, key: ConversationKey, history: Sequence[StoredMessage]
    ) -> list[ChatMessage]:
        return fit_history(history, self.budget)


@dataclass(frozen=True)
class Split:
    """A conversation's messages not yet summarised, cut where the budget ends."""

    overflow: list[StoredMessage]
    """The older ones that do not fit, oldest first: what the next compaction folds in."""
    tail: list[StoredMessage]
    """The newest ones that fit, oldest first: what the prompt carries verbatim."""


def message_cost(content: str) -> int:
    return estimate_tokens(content) + _FRAMING


def chat_messages(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    """The user and assistant turns (what a prompt or a summary is made of)."""
    return [message for message in messages if message.role in _ROLES]


def split_history(
    messages: Sequence[StoredMessage], budget: int, *, after_id: int | None = None
) -> Split:
    """Cut the turns after `after_id` (a summary's end) into overflow and verbatim tail.

    The tail is contiguous: once one turn does not fit, every older one overflows too, so
    the prompt never skips a turn in the middle.
    """
    fresh = [m for m in chat_messages(messages) if after_id is None or m.id > after_id]
    spent = 0
    start = len(fresh)
    while start > 0 and spent + message_cost(fresh[start - 1].content) <= budget:
        start -= 1
        spent += message_cost(fresh[start].content)
    return Split(overflow=fresh[:start], tail=fresh[start:])


def fit_history(messages: Sequence[StoredMessage], budget: int) -> list[ChatMessage]:
    """The newest messages that fit in `budget` tokens, oldest first.

    Older turns are dropped first: the end of a conversation is what a follow-up refers to.
    """
    return _verbatim(split_history(messages, budget).tail)


def summary_room(budget: int) -> int:
    """The most a summary message costs, so the turns after it always have the rest."""
    return budget // SUMMARY_SHARE


def summary_message(text: str, budget: int) -> ChatMessage | None:
    """The summary as a system message, cut to its share of `budget` (None if no room)."""
    # One token less: the prefix and the body, counted together, may round up by one.
    allowed = summary_room(budget) - message_cost(SUMMARY_PREFIX) - 1
    if not text.strip() or allowed <= 0:
        return None
    body = text.strip()
    if estimate_tokens(body) > allowed:
        # A model that wrote more than it was asked for: keep the beginning, which the
        # prompt asks to hold the most important points.
        body = body[: allowed * 4 - 1].rstrip() + "…"
    return {"role": "system", "content": SUMMARY_PREFIX + body}


def lay_out(
    messages: Sequence[StoredMessage],
    budget: int,
    *,
    summary: str | None = None,
    after_id: int | None = None,
) -> tuple[list[ChatMessage], Split]:
    """The prompt history (the summary, then the newest turns verbatim) and the split it
    was made from; everything fits in `budget` tokens."""
    head = summary_message(summary, budget) if summary else None
    room = budget - (message_cost(str(head["content"])) if head else 0)
    split = split_history(messages, room, after_id=after_id)
    return ([head] if head else []) + _verbatim(split.tail), split


def _verbatim(messages: Sequence[StoredMessage]) -> list[ChatMessage]:
    return [{"role": m.role, "content": m.content} for m in messages]
