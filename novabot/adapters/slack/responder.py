"""Answering in Slack: whole messages, and streamed answers edited in place.

A streamed answer is a placeholder message edited with the text so far at most once per
`update_interval_s`, then replaced by the final text (split over several messages when
long). Intermediate edits go through a client without rate-limit retries, so a 429
drops an edit instead of stalling the answer; the final text uses the retrying client
and always arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from novabot.adapters.slack.format import to_mrkdwn
from novabot.chunking import split_message
from novabot.responder import Responder, Stream

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 3900
"""Slack shows about 4,000 characters of a message before cutting it; stay under."""
CUT_SHORT = "_(answer cut short)_"


@dataclass(frozen=True)
class SlackClients:
    main: AsyncWebClient
    """Retries rate-limited calls (Retry-After honoured): for text that must arrive."""
    best_effort: AsyncWebClient
    """No rate-limit retries: for edits that may be skipped."""
    update_interval_s: float = 1.0


class SlackResponder(Responder):
    """Answers in one Slack channel, in the thread `thread_ts` (None: in the channel)."""

    def __init__(self, clients: SlackClients, channel: str, thread_ts: str | None) -> None:
        self.clients = clients
        self.channel = channel
        self.thread_ts = thread_ts

    async def say(self, text: str, *, agent: str | None = None) -> None:
        for chunk in split_message(to_mrkdwn(text), MESSAGE_LIMIT):
            await self.post(chunk)

    def stream(self, *, agent: str | None = None) -> Stream:
        return SlackStream(self, agent)

    async def thread(self, title: str) -> Responder:
        ts = await self.post(to_mrkdwn(title))
        return SlackResponder(self.clients, self.channel, ts)

    async def post(self, mrkdwn: str) -> str:
        """Post one already formatted message; returns its ts."""
        with logged_slack_errors(self.channel, "chat.postMessage"):
            response = await self.clients.main.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=mrkdwn, unfurl_links=False
            )
        return str(response["ts"])

    async def update(self, ts: str, mrkdwn: str, *, must_arrive: bool) -> None:
        client = self.clients.main if must_arrive else self.clients.best_effort
        with logged_slack_errors(self.channel, "chat.update"):
            await client.chat_update(channel=self.channel, ts=ts, text=mrkdwn)

    async def delete(self, ts: str) -> None:
        with logged_slack_errors(self.channel, "chat.delete"):
            await self.clients.main.chat_delete(channel=self.channel, ts=ts)


class SlackStream(Stream):
    def __init__(self, responder: SlackResponder, agent: str | None) -> None:
        super().__init__()
        self.responder = responder
        self.agent = agent
        self.placeholder: str | None = None
        self._shown = ""
        self._pause_until = 0.0
        self._wake = asyncio.Event()
        self._editor: asyncio.Task[None] | None = None

    async def __aenter__(self) -> SlackStream:
        who = f"{self.agent} is" if self.agent else "Nova is"
        try:
            self.placeholder = await self.responder.post(f"_{who} thinking…_")
        except SlackClientError:
            pass  # logged; the answer is posted whole at the end instead
        else:
            self._editor = asyncio.create_task(self._edit_loop())
        return self

    async def on_delta(self, delta: str) -> None:
        self._wake.set()

    async def finish(self, *, failed: bool) -> None:
        await self._stop_editor()
        text = self.text.rstrip()
        if failed and text:
            text += f"\n\n{CUT_SHORT}"
        if not text:
            await self._remove_placeholder()
            return
        chunks = split_message(to_mrkdwn(text), MESSAGE_LIMIT)
        if self.placeholder is None:
            for chunk in chunks:
                await self.responder.post(chunk)
            return
        await self.responder.update(self.placeholder, chunks[0], must_arrive=True)
        for chunk in chunks[1:]:
            await self.responder.post(chunk)

    async def _edit_loop(self) -> None:
        """Show the text so far, at most once per interval, skipping edits Slack refuses."""
        interval = self.responder.clients.update_interval_s
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = time.monotonic()
            if started >= self._pause_until:
                await self._show_progress()
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _show_progress(self) -> None:
        preview = to_mrkdwn(self.text)
        if len(preview) > MESSAGE_LIMIT:
            preview = preview[: MESSAGE_LIMIT - 1] + "…"
        if not preview.strip() or preview == self._shown or self.placeholder is None:
            return
        try:
            await self.responder.update(self.placeholder, preview, must_arrive=False)
            self._shown = preview
        except SlackApiError as exc:
            if exc.response.status_code == 429:  # skip edits for a while; the final one waits
                retry_after = float(exc.response.headers.get("Retry-After", 1))
                self._pause_until = time.monotonic() + retry_after
        except SlackClientError:
            pass  # logged; a progress edit is not worth failing the answer for

    async def _stop_editor(self) -> None:
        if self._editor is None:
            return
        self._editor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._editor
        self._editor = None

    async def _remove_placeholder(self) -> None:
        if self.placeholder is not None:
            with contextlib.suppress(SlackClientError):  # logged; a stray "thinking…" is harmless
                await self.responder.delete(self.placeholder)


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
