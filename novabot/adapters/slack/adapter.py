"""The Slack adapter: one bolt `AsyncApp`, served over Socket Mode or the Events API."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from novabot.adapters.http_server import HttpServer
from novabot.adapters.slack import actions, commands, events, verify
from novabot.adapters.slack.events import PLATFORM
from novabot.adapters.slack.responder import SlackClients, SlackResponder
from novabot.adapters.slack.startup import close_socket_mode, open_socket_mode, verify_bot_token
from novabot.config import ConfigError, Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

log = logging.getLogger(__name__)

EVENTS_PREFIX = "/slack"
EVENTS_PATH = f"{EVENTS_PREFIX}/events"
SLACK_API_URL = "https://slack.com/api/"


class SlackAdapter:
    """Started and stopped by `nova run`; translates between Slack and the bot core."""

    name = "slack"

    def __init__(self, bot: Bot, settings: Settings, http: HttpServer | None = None) -> None:
        """`http`: the server shared with Nova's other HTTP parts, which the Events API
        is mounted on; without one, the adapter serves it on a server of its own."""
        if settings.slack.bot_token is None:
            raise ConfigError("NOVA_SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.socket_mode = settings.slack.app_token is not None
        if not self.socket_mode and settings.slack.signing_secret is None:
            raise ConfigError(
                "NOVA_SLACK_SIGNING_SECRET is required when Slack uses the Events API over "
                "HTTP (or set NOVA_SLACK_APP_TOKEN for Socket Mode)"
            )
        self.clients = make_clients(settings)
        secret = settings.slack.signing_secret
        self.app = AsyncApp(
            client=self.clients.main,
            signing_secret=secret.get_secret_value() if secret else "",
            # Socket Mode requests come over an authenticated WebSocket, not signed HTTP.
            request_verification_enabled=not self.socket_mode,
            logger=logging.getLogger("novabot.slack.bolt"),
        )
        events.register(self.app, bot, self.clients)
        commands.register(self.app, bot, self.clients)
        actions.register(self.app, bot, self.clients)
        self._socket: AsyncSocketModeHandler | None = None
        self._own_server = http is None
        self.http = http
        if http is not None and not self.socket_mode:
            http.mount(EVENTS_PREFIX, self._events_app())

    @property
    def started(self) -> bool:
        return self._socket is not None or (self.http is not None and self.http.started)

    @property
    def description(self) -> str:
        if self.socket_mode:
            return "Slack (Socket Mode)"
        host, port = self.settings.http.host, self.settings.http.port
        return f"Slack (Events API at http://{host}:{port}{EVENTS_PATH})"

    async def start(self) -> None:
        await verify_bot_token(self.clients.main)
        if self.socket_mode:
            token = self.settings.slack.app_token
            assert token is not None
            self._socket = await open_socket_mode(
                self.app, self.clients.main, token.get_secret_value()
            )
            return
        if self._own_server:  # a fresh one each start: a served application is frozen
            self.http = HttpServer(self.settings.http, close_wait_s=OWN_SERVER_CLOSE_WAIT_S)
            self.http.mount(EVENTS_PREFIX, self._events_app())
        assert self.http is not None
        await self.http.start()

    def _events_app(self) -> web.Application:
        secret = self.settings.slack.signing_secret
        return verify.events_app(self.app, secret, EVENTS_PATH, mounted_at=EVENTS_PREFIX)

    async def stop(self) -> None:
        """Stop taking new events; the Web API clients stay usable for answers under way."""
        if self._socket is not None:
            await close_socket_mode(self._socket)
            self._socket = None
        if self.http is not None and not self.socket_mode:
            # Its own server goes at once; a shared one stops listening, and closes last.
            await (self.http.close() if self._own_server else self.http.stop())

    def responder_for(self, key: ConversationKey) -> Responder | None:
        """Where to answer in a conversation found in the store (a pipeline to resume)."""
        if key.platform != PLATFORM:
            return None
        return SlackResponder(self.clients, key.channel_id, key.thread_id)

    async def close(self) -> None:
        """The shared server, if any; the Web API clients open a session per call."""
        if self.http is not None and not self._own_server:
            await self.http.close()


OWN_SERVER_CLOSE_WAIT_S = 60.0
"""aiohttp's default: a server of its own stops before the bot drains, so the requests it
is handling (acks, which bolt sends before the answer) get the time they need."""
RATE_LIMIT_RETRIES = 6
"""How many 429s in a row a call that must arrive waits out (each for its Retry-After)."""
SERVER_ERROR_RETRIES = 2
"""How many 500/503s or dropped connections in a row a call tries again after (backoff)."""


def make_clients(settings: Settings) -> SlackClients:
    """The Web API clients, with slack_sdk's own retry handlers (it retries only dropped
    connections, once, unless told more). The best-effort client, used for progress
    edits, never waits out a rate limit: a 429 there skips edits instead."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    base_url = f"{settings.slack.api_url}/" if settings.slack.api_url else SLACK_API_URL
    main = AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            *_transient_retries(SERVER_ERROR_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
    best_effort = AsyncWebClient(
        token=token, base_url=base_url, retry_handlers=_transient_retries(1)
    )
    return SlackClients(main, best_effort, settings.slack.update_interval_s)


def _transient_retries(count: int) -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=count),
        AsyncServerErrorRetryHandler(max_retry_count=count),
    ]
