"""Answering in Slack: a `Surface` over chat.postMessage, chat.update and chat.delete.

Progress edits go through a client without rate-limit retries, so a 429 skips an edit
instead of stalling the answer; the final text uses the retrying client and always
arrives.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from novabot.adapters.slack.format import to_mrkdwn
from novabot.adapters.surface import RateLimited, Surface, SurfaceResponder
from novabot.core.message import ConversationKey
from novabot.core.responder import Choice, Responder, typed_choices

log = logging.getLogger(__name__)

TAG_EVENT = "nova_post"
"""The metadata event type of Nova's own posts; its payload carries the post's tag."""

MESSAGE_LIMIT = 3900
"""Slack shows about 4,000 characters of a message before cutting it; stay under."""


@dataclass(frozen=True)
class SlackClients:
    main: AsyncWebClient
    """Retries rate-limited calls (Retry-After honoured): for text that must arrive."""
    best_effort: AsyncWebClient
    """No rate-limit retries: for edits that may be skipped."""
    update_interval_s: float = 1.0


class SlackSurface(Surface):
    """One Slack channel, or one thread in it (`thread_ts`)."""

    limit = MESSAGE_LIMIT
    errors = (SlackClientError,)

    def __init__(self, clients: SlackClients, channel: str, thread_ts: str | None) -> None:
        self.clients = clients
        self.channel = channel
        self.thread_ts = thread_ts
        self.interval_s = clients.update_interval_s

    def render(self, markdown: str) -> str:
        return to_mrkdwn(markdown)

    async def post(self, text: str, *, tag: str | None = None) -> str:
        # The tag rides in the message's metadata, where `find_tagged` looks for it.
        metadata = None if tag is None else {"event_type": TAG_EVENT, "event_payload": {"tag": tag}}
        with logged_slack_errors(self.channel, "chat.postMessage"):
            response = await self.clients.main.chat_postMessage(
                channel=self.channel,
                thread_ts=self.thread_ts,
                text=text,
                unfurl_links=False,
                metadata=metadata,
            )
        return str(response["ts"])

    async def find_tagged(self, tag: str) -> str | None:
        """Look through the thread (or the channel's recent history) for the tag."""
        with logged_slack_errors(self.channel, "conversations.replies"):
            if self.thread_ts:
                response = await self.clients.main.conversations_replies(
                    channel=self.channel, ts=self.thread_ts, include_all_metadata=True, limit=200
                )
            else:
                response = await self.clients.main.conversations_history(
                    channel=self.channel, include_all_metadata=True, limit=100
                )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == TAG_EVENT and (
                (metadata.get("event_payload") or {}).get("tag") == tag
            ):
                return str(message["ts"])
        return None

    async def edit(self, handle: str, text: str, *, final: bool) -> None:
        client = self.clients.main if final else self.clients.best_effort
        try:
            with logged_slack_errors(self.channel, "chat.update"):
                await client.chat_update(channel=self.channel, ts=handle, text=text)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise RateLimited(float(exc.response.headers.get("Retry-After", 1))) from exc
            raise

    async def delete(self, handle: str) -> None:
        with logged_slack_errors(self.channel, "chat.delete"):
            await self.clients.main.chat_delete(channel=self.channel, ts=handle)


class SlackResponder(SurfaceResponder):
    surface: SlackSurface

    def __init__(self, clients: SlackClients, channel: str, thread_ts: str | None) -> None:
        super().__init__(
            SlackSurface(clients, channel, thread_ts), ConversationKey("slack", channel, thread_ts)
        )

    async def post(self, mrkdwn: str) -> str:
        """Post one already formatted message; returns its ts."""
        return await self.surface.post(mrkdwn)

    async def whisper(self, user_id: str, text: str) -> None:
        """An ephemeral message: only `user_id` sees it, in this channel or thread."""
        surface = self.surface
        with logged_slack_errors(surface.channel, "chat.postEphemeral"):
            await surface.clients.main.chat_postEphemeral(
                channel=surface.channel,
                user=user_id,
                text=to_mrkdwn(text),
                thread_ts=surface.thread_ts,
            )

    async def offer(self, text: str, choices: Sequence[Choice]) -> None:
        """The text with one button per choice (Block Kit); the notification text, shown
        where blocks are not, carries the commands to type instead."""
        surface = self.surface
        with logged_slack_errors(surface.channel, "chat.postMessage"):
            await surface.clients.main.chat_postMessage(
                channel=surface.channel,
                thread_ts=surface.thread_ts,
                text=to_mrkdwn(f"{text}\n{typed_choices(choices)}"),
                blocks=choice_blocks(to_mrkdwn(text), choices),
                unfurl_links=False,
            )

    async def thread(self, title: str) -> Responder:
        """A new thread under a new top-level message (Slack threads do not nest)."""
        channel_level = SlackSurface(self.surface.clients, self.surface.channel, None)
        ts = await channel_level.post(to_mrkdwn(title))
        return SlackResponder(self.surface.clients, self.surface.channel, ts)


CHOICE_ACTION = "nova_choice"
"""The prefix of a choice button's action_id (`nova_choice_0` …); its value is the command."""


def choice_blocks(mrkdwn: str, choices: Sequence[Choice]) -> list[dict[str, object]]:
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": choice.label},
            "action_id": f"{CHOICE_ACTION}_{i}",
            "value": choice.line,
        }
        for i, choice in enumerate(choices)
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}},
        {"type": "actions", "elements": buttons},
    ]


@contextlib.contextmanager
def logged_slack_errors(channel: str, method: str) -> Iterator[None]:
    """Log a failed Web API call with its channel and Slack's error code, then re-raise."""
    try:
        yield
    except SlackApiError as exc:
        code = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        log.warning("Slack %s failed in channel %s: %s", method, channel, code)
        raise
    except SlackClientError as exc:
        log.warning("Slack %s failed in channel %s: %s", method, channel, exc)
        raise
