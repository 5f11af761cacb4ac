"""Where a schedule posts, as the platform sees it: a target channel checked before a
schedule is stored (when Nova has the platform's token), and a link to a post made.

The platform clients are imported here, inside the functions, so that commands which never
reach a platform do not pay for loading them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.core.message import ConversationKey
from novabot.schedules.plans import target_text

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 10.0
"""How long a target check waits for the platform before adding the schedule anyway."""
UNKNOWN_DISCORD_CHANNEL = 10003


@dataclass(frozen=True, slots=True)
class Unchecked:
    """The platform could not say whether the target exists; the schedule is added anyway."""

    reason: str

    def warning(self, key: ConversationKey) -> str:
        return f"could not check {target_text(key)} ({self.reason}); added it anyway"


async def check_target(settings: Settings, key: ConversationKey) -> Unchecked | None:
    """Refuse (UsageError) a target the platform says does not exist; say when it could not
    be asked. Nothing is asked without the platform's token."""
    if key.platform == "discord" and not (key.channel_id + (key.thread_id or "0")).isdigit():
        raise UsageError(f"{target_text(key)} is not a Discord channel: its id is a number")
    if key.platform == "slack" and settings.slack.bot_token is not None:
        return await _check_slack(settings, key)
    if key.platform == "discord" and settings.discord.token is not None:
        return await _check_discord(settings, key)
    return None


async def _check_slack(settings: Settings, key: ConversationKey) -> Unchecked | None:
    import aiohttp
    from slack_sdk.errors import SlackApiError

    try:
        await slack_client(settings).conversations_info(channel=key.channel_id)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        if error == "channel_not_found":
            raise UsageError(
                f"Slack has no channel {key.channel_id} that Nova can see "
                "(invite Nova to it, or check the id)"
            ) from None
        return Unchecked(f"Slack answered {error}")
    except (OSError, TimeoutError, aiohttp.ClientError) as exc:
        log.info("could not reach Slack to check %s: %r", key, exc)
        return Unchecked("Slack cannot be reached")
    return None


def slack_client(settings: Settings) -> Any:
    """Slack's Web API client as Nova's bot, for one quick question (no retries)."""
    from slack_sdk.web.async_client import AsyncWebClient

    from novabot.adapters.slack.adapter import SLACK_API_URL

    assert settings.slack.bot_token is not None
    base_url = f"{settings.slack.api_url}/" if settings.slack.api_url else SLACK_API_URL
    # No retry handlers: a check that fails says so at once rather than waiting out retries.
    return AsyncWebClient(
        token=settings.slack.bot_token.get_secret_value(),
        base_url=base_url,
        timeout=int(CHECK_TIMEOUT_S),
        retry_handlers=[],
    )


async def _check_discord(settings: Settings, key: ConversationKey) -> Unchecked | None:
    status, body = await discord_channel(settings, key.thread_id or key.channel_id)
    if status == 404 and body.get("code") == UNKNOWN_DISCORD_CHANNEL:
        raise UsageError(
            f"Discord has no channel {key.thread_id or key.channel_id} that Nova can see "
            "(add Nova to its server, or check the id)"
        )
    if status != 200:
        reason = "Discord cannot be reached" if status == 0 else f"Discord answered {status}"
        return Unchecked(reason)
    return None


async def discord_channel(settings: Settings, channel_id: str) -> tuple[int, dict[str, Any]]:
    """Discord's `GET /channels/{id}`: its status and body; status 0 when unreachable."""
    return await discord_get(settings, f"/channels/{channel_id}")


async def discord_get(settings: Settings, path: str) -> tuple[int, dict[str, Any]]:
    """`GET path` from Discord's API as Nova's bot: the status and the body (a JSON object,
    else empty); status 0 when Discord cannot be reached."""
    import aiohttp

    from novabot.adapters.discord.adapter import DISCORD_API_URL

    assert settings.discord.token is not None
    base = settings.discord.api_url or DISCORD_API_URL
    headers = {"Authorization": f"Bot {settings.discord.token.get_secret_value()}"}
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"{base}{path}", headers=headers) as response,
        ):
            body = await response.json(content_type=None)
            return response.status, body if isinstance(body, dict) else {}
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("could not reach Discord for %s: %r", path, exc)
        return 0, {}


class PostLinks:
    """Links that open posts; on Discord, only the message id when the channel's server
    cannot be learnt (no token, or Discord not reachable). Asks once per channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._guilds: dict[str, str | None] = {}

    async def link(self, key: ConversationKey, message_id: str) -> str:
        if key.platform == "slack":
            from novabot.adapters.slack.events import archive_link

            return archive_link(key.channel_id, message_id, key.thread_id)
        channel = key.thread_id or key.channel_id
        if key.platform == "discord":
            if channel not in self._guilds:
                self._guilds[channel] = await self._discord_guild(channel)
            guild = self._guilds[channel]
            if guild is not None:
                return f"https://discord.com/channels/{guild}/{channel}/{message_id}"
        return f"message {message_id}"

    async def _discord_guild(self, channel_id: str) -> str | None:
        """The server a channel belongs to (`@me` for a direct message), when Discord says."""
        if self.settings.discord.token is None:
            return None
        status, body = await discord_channel(self.settings, channel_id)
        if status != 200:
            return None
        return str(body.get("guild_id") or "@me")
