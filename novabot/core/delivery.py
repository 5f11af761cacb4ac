"""What "posted exactly once" needs from every part: a post with an id of its own.

The core records an answer as a `Post` (in the outbox) before anything is sent; an
adapter's responder sends it with `Responder.deliver`, tagging each message it sends
with `Post.tag(i)` so that a second attempt after a crash can find what the first one
already sent (Slack: message metadata; Discord: the nonce) instead of sending it twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from novabot.core.message import ConversationKey

TAG_PREFIX = "nova-"


@dataclass(frozen=True, slots=True)
class Post:
    """One answer to post once, in one conversation."""

    id: int
    """The outbox id: unique in this Nova's database, the root of every part's tag."""
    key: ConversationKey
    text: str
    agent: str | None = None
    anchor: str | None = None
    """The platform id of a message already showing this answer in part (a streamed
    placeholder): the first part replaces its text instead of becoming a new message."""
    recheck: bool = False
    """An earlier attempt may have sent some parts: look for them before sending."""
    sent: bool = False

    def tag(self, part: int) -> str:
        """The idempotency key of part `part` (at most 25 characters: Discord's nonce)."""
        return f"{TAG_PREFIX}{self.id}-{part}"
