"""Who asks the ops tools, and what they may see.

- Admins (NOVA_ADMINS, and the terminal's user) see everything: usage and pipelines of
  every channel, the errors in the log, the endpoint's address.
- Anyone else sees their own channel's usage and pipelines (the channel with its
  threads), and health and the agent list without addresses. Errors are refused: a
  traceback may quote another channel's messages.
- Without a conversation (a pipeline step or a scheduled job runs an agent with no
  user's turn), nothing channel-bound or admin-only is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from novabot.core.message import ConversationKey
from novabot.store.ops import Channel

ERRORS_ARE_FOR_ADMINS = (
    "error: only a Nova admin can read Nova's errors (a traceback may quote other channels);"
    " give the error id to an admin"
)
NO_CONVERSATION = "error: this needs a user's conversation (none in a pipeline step or job)"
ONLY_THIS_CHANNEL = "Only a Nova admin sees every channel's {what}; these are this channel's only."


@dataclass(frozen=True)
class Caller:
    key: ConversationKey | None
    """The conversation asking; None when an agent runs without a user's turn."""
    admin: bool

    @property
    def channel(self) -> Channel | None:
        return None if self.key is None else (self.key.platform, self.key.channel_id)

    def scope(self, everywhere: bool, what: str) -> tuple[Channel | None, str, str]:
        """(the channel to limit to, or None for all; the words for where; a note to
        put first, or ""). A non-admin asking for everywhere gets their channel, told so."""
        if self.admin and everywhere:
            return None, "all channels", ""
        if self.key is None:
            raise PermissionError(NO_CONVERSATION)
        note = ONLY_THIS_CHANNEL.format(what=what) if everywhere else ""
        return self.channel, f"in this channel ({self.key.platform}:{self.key.channel_id})", note
