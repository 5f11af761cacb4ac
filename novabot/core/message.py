"""The platform-neutral shapes every adapter produces: a conversation key and a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Where a conversation lives: one channel, optionally one thread inside it.

    Every record Nova keeps (messages, routing decisions, usage) hangs off this key, so
    two threads in one channel never share history.
    """

    platform: str
    channel_id: str
    thread_id: str | None = None

    def __str__(self) -> str:
        thread = f"/{self.thread_id}" if self.thread_id else ""
        return f"{self.platform}:{self.channel_id}{thread}"


@dataclass(frozen=True, slots=True)
class Message:
    """One inbound message, already translated from its platform's event."""

    key: ConversationKey
    text: str
    user_id: str
    user_name: str = ""
    addressed: bool = True
    """True when the user spoke to Nova directly (a mention, a DM, the terminal)."""
    agent: str | None = None
    """An agent named outside the text (`--agent`, a slash-command option)."""
    event_id: str | None = None
    """The platform's id for this delivery, used to answer each event once."""
    link: str | None = None
    """Where the message can be opened (a Slack archive link, a Discord jump URL), when the
    platform gives one: knowledge recorded from it points back there."""
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
