"""Slack at start: the tokens checked and Socket Mode connected, each in bounded time.

Bolt checks the bot token only when the first event arrives, and slack_sdk's Socket Mode
client retries a connection that fails forever (a refused token, an unreachable Slack):
either would look like a service that started and never answers, or one that never
finishes starting. Here each problem is one line (a ConfigError) at start instead.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from novabot.config import ConfigError

log = logging.getLogger(__name__)


class _RetriesAreWarnings(logging.Filter):
    """slack_sdk logs each failed Socket Mode connection attempt as an error, with its
    traceback, before retrying: a warning for the log file, not a line on the terminal
    every few seconds (what finally fails is said once, by whoever gives up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and record.getMessage().startswith("Failed to connect"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


SOCKET_LOG = logging.getLogger("novabot.slack.socket")
SOCKET_LOG.addFilter(_RetriesAreWarnings())

SOCKET_CONNECT_TIMEOUT_S = 15.0
"""How long the first Socket Mode connection may take before start gives up."""
SOCKET_CLOSE_TIMEOUT_S = 5.0
"""How long closing it may take: a Slack that vanished never answers the close."""
UNREACHABLE = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)
"""What a Web API call raises when Slack cannot be reached (after the client's retries)."""


async def verify_bot_token(client: AsyncWebClient) -> None:
    """`auth.test` with the bot token: a refused token is reported now, in one line."""
    try:
        await client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            _refused(exc, "NOVA_SLACK_BOT_TOKEN", "the Bot User OAuth Token (xoxb-…)")
        ) from None
    except UNREACHABLE as exc:
        raise ConfigError(f"cannot reach Slack at {client.base_url}: {exc}") from None


async def open_socket_mode(
    app: AsyncApp, client: AsyncWebClient, app_token: str
) -> AsyncSocketModeHandler:
    """Connect to Socket Mode, or raise a ConfigError saying why not.

    The WebSocket URL is asked for here (so a refused app token is one line, not an
    endless retry) and handed to the handler, which would otherwise ask again: Slack
    allows few `apps.connections.open` calls a minute. A start that is cancelled or
    times out closes what it opened.
    """
    try:
        opened = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        raise ConfigError(
            _refused(exc, "NOVA_SLACK_APP_TOKEN", "the app-level token (xapp-…)")
        ) from None
    except UNREACHABLE as exc:
        raise ConfigError(f"cannot reach Slack at {client.base_url}: {exc}") from None
    handler = AsyncSocketModeHandler(app, app_token, logger=SOCKET_LOG)
    handler.client.wss_uri = str(opened["url"])
    try:
        async with asyncio.timeout(SOCKET_CONNECT_TIMEOUT_S):
            await handler.connect_async()
    except TimeoutError:
        await close_socket_mode(handler)
        raise ConfigError(
            f"Slack's Socket Mode WebSocket did not accept a connection within "
            f"{SOCKET_CONNECT_TIMEOUT_S:g}s; check that this host can reach it (see the log)"
        ) from None
    except BaseException:
        await close_socket_mode(handler)
        raise
    return handler


async def close_socket_mode(handler: AsyncSocketModeHandler) -> None:
    """Close the Socket Mode client (its reconnection loop too), in bounded time."""
    try:
        async with asyncio.timeout(SOCKET_CLOSE_TIMEOUT_S):
            await handler.close_async()
    except TimeoutError:
        log.warning(
            "Slack's Socket Mode connection did not close within %gs", SOCKET_CLOSE_TIMEOUT_S
        )


def _refused(exc: SlackApiError, setting: str, what: str) -> str:
    status = exc.response.status_code
    if status >= 500 or status == 429:
        return f"Slack answered HTTP {status} at start; try again later"
    code = exc.response.get("error") or f"HTTP {status}"
    return f"{setting} was refused by Slack ({code}); copy {what} again"
