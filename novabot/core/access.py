"""Who may do what: admins, and the optional allow-lists of users and channels.

The policy is built once from the settings (app.py) and handed to what needs it. The
terminal belongs to whoever runs Nova on the machine, so its user is always an admin and
never refused. Admins are never refused either: they are the ones who set the lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from novabot.config import ACCESS_PLATFORMS, Settings
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

log = logging.getLogger(__name__)

OWNER_PLATFORM = "cli"
"""The terminal adapter's platform: its user is the machine's owner."""

PlatformIds = frozenset[tuple[str, str]]

NOT_AN_ALLOWED_USER = (
    "Sorry, Nova answers only the people on its list (NOVA_ALLOWED_USERS); ask its admin."
)
NOT_AN_ALLOWED_CHANNEL = (
    "Sorry, Nova does not answer in this channel (NOVA_ALLOWED_CHANNELS); ask its admin."
)


@dataclass(frozen=True)
class AccessPolicy:
    """Admins and allow-lists as (platform, id) pairs; empty allow-lists let everyone in."""

    admins: PlatformIds = frozenset()
    allowed_users: PlatformIds = frozenset()
    allowed_channels: PlatformIds = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(settings.admins, settings.allowed_users, settings.allowed_channels)

    def is_admin(self, platform: str, user_id: str) -> bool:
        return platform == OWNER_PLATFORM or (platform, user_id) in self.admins

    def refusal(self, key: ConversationKey, user_id: str) -> str | None:
        """The one private line for a user or channel the allow-lists leave out, or None."""
        if self.is_admin(key.platform, user_id):
            return None
        if key.platform not in ACCESS_PLATFORMS:
            # The lists name chat users only; an API caller is its key, checked already.
            return None
        if self.allowed_users and (key.platform, user_id) not in self.allowed_users:
            return NOT_AN_ALLOWED_USER
        if self.allowed_channels and (key.platform, key.channel_id) not in self.allowed_channels:
            return NOT_AN_ALLOWED_CHANNEL
        return None

    def admin_refusal(self, command: str, key: ConversationKey, user_id: str) -> str:
        """Why a non-admin cannot run `command`, and, with no admin at all, how to set one."""
        if self.admins:
            return f"Only a Nova admin can use `{command}`."
        return (
            f"Only a Nova admin can use `{command}`, and none is set: whoever runs Nova can "
            f"add NOVA_ADMINS={key.platform}:{user_id} to its settings and restart it."
        )


async def whisper(responder: Responder, user_id: str, text: str) -> None:
    """Tell one user something privately; a platform failure is logged, never raised."""
    try:
        await responder.whisper(user_id, text)
    except Exception:
        log.exception("could not tell user %s privately: %s", user_id, text)
