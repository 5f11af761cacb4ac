"""Answers on platforms whose messages can be edited: post, edit in place, split when long.

A `Surface` is what a platform adapter implements (post, edit, delete one message);
`SurfaceResponder` turns it into a full `Responder`. A streamed answer is a placeholder
edited with the text so far at most once per `interval_s`, then replaced by the final
text, split on paragraph and code-fence boundaries into as many messages as it needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from novabot.adapters.chunking import split_message
from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from novabot.core.responder import LiveMessage, OnPlaceholder, Responder, Stream

log = logging.getLogger(__name__)

CUT_SHORT = "_(answer cut short)_"
ANSWERED_BELOW = "_(interrupted — answered below)_"


class RateLimited(Exception):
    """The platform refused a progress edit for now; skip edits for `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate-limited for {retry_after}s")
        self.retry_after = retry_after


class Surface(ABC):
    """One conversation on one platform, seen as messages Nova can post and edit."""

    limit: int = 2000
    """The platform's message length limit, in characters."""
    interval_s: float = 1.0
    """The least time between two progress edits of one message."""
    errors: tuple[type[Exception], ...] = ()
    """What the platform's client raises when a call fails (already logged by the surface)."""

    def render(self, markdown: str) -> str:
        """The model's Markdown as the platform displays it (and with pings disarmed)."""
        return markdown

    @abstractmethod
    async def post(self, text: str, *, tag: str | None = None) -> Any:
        """Post one rendered message; returns a handle `edit` and `delete` accept. `tag`
        marks it so `find_tagged` can find it later (or the platform drops a repeat)."""

    async def find_tagged(self, tag: str) -> str | None:
        """The id of a message posted with `tag`, if the platform can look it up; None
        where it cannot (Discord drops a repeated nonce itself instead)."""
        return None

    def handle_id(self, handle: Any) -> str:
        """A handle as text, to keep in the store."""
        return str(handle)

    def handle_for(self, message_id: str) -> Any:
        """A stored id back as a handle `edit` and `delete` accept."""
        return message_id

    @abstractmethod
    async def edit(self, handle: Any, text: str, *, final: bool) -> None:
        """Replace a message's text; a progress edit (`final=False`) may raise RateLimited."""

    @abstractmethod
    async def delete(self, handle: Any) -> None: ...

    def placeholder(self, agent: str | None) -> str:
        return f"_{agent or 'Nova'} is thinking…_"

    async def say(self, markdown: str) -> None:
        for chunk in split_message(self.render(markdown), self.limit):
            await self.post(chunk)


class SurfaceResponder(Responder):
    def __init__(self, surface: Surface, key: ConversationKey | None = None) -> None:
        self.surface = surface
        self.key = key

    async def say(self, text: str, *, agent: str | None = None) -> None:
        await self.surface.say(text)

    def stream(self, *, agent: str | None = None) -> Stream:
        return EditedStream(self.surface, agent)

    def held_stream(
        self, *, agent: str | None, anchor: str | None, on_placeholder: OnPlaceholder
    ) -> Stream:
        handle = None if anchor is None else self.surface.handle_for(anchor)
        return EditedStream(
            self.surface, agent, anchor=handle, on_placeholder=on_placeholder, hold=True
        )

    async def deliver(self, post: Post) -> str:
        chunks = split_message(self.surface.render(post.text), self.surface.limit)
        first = await self._replace_anchor(post, chunks[0]) if post.anchor else None
        start = 0 if first is None else 1
        for index, chunk in enumerate(chunks[start:], start=start):
            sent = await self._send_part(post, index, chunk)
            first = first or sent
        return first or ""

    async def _replace_anchor(self, post: Post, text: str) -> str | None:
        """The first part into the placeholder; None if it cannot be edited (deleted, or
        the platform keeps failing), then the whole answer goes out as new messages."""
        assert post.anchor is not None
        handle = self.surface.handle_for(post.anchor)
        try:
            await self.surface.edit(handle, text, final=True)
            return post.anchor
        except self.surface.errors:
            log.warning("could not replace the placeholder; posting the answer below it")
        with contextlib.suppress(*self.surface.errors):
            await self.surface.edit(handle, ANSWERED_BELOW, final=True)
        return None

    async def _send_part(self, post: Post, index: int, text: str) -> str:
        tag = post.tag(index)
        if post.recheck:
            found = await self.surface.find_tagged(tag)
            if found is not None:
                return found
        return self.surface.handle_id(await self.surface.post(text, tag=tag))

    async def live(self, text: str) -> LiveMessage:
        return await SurfaceLive.post(self.surface, text)


class Editor:
    """Keeps one message showing `current()`: at most one edit per `interval_s`, skipping
    edits the platform refuses for now; `stop()` leaves the last edit to the caller."""

    def __init__(self, surface: Surface, handle: Any, current: Callable[[], str]) -> None:
        self.surface = surface
        self.handle = handle
        self.current = current
        self._shown = ""
        self._pause_until = 0.0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopped = False
        self._task = asyncio.create_task(self._loop())

    def poke(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """End the loop. An edit already in flight lands first: cancelling a request midway
        can leave the platform client waiting out a rate-limit bucket for seconds, and the
        caller's final edit must come after it anyway."""
        self._stopped = True
        await self._idle.wait()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = time.monotonic()
            if self._stopped:
                return
            if started >= self._pause_until:
                self._idle.clear()
                try:
                    await self._show()
                finally:
                    self._idle.set()
            # The interval runs from when an edit was sent; an edit that took longer than
            # that still leaves the platform a quarter of it before the next one.
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(self.surface.interval_s / 4, self.surface.interval_s - elapsed))

    async def _show(self) -> None:
        text = self.current()
        if len(text) > self.surface.limit:
            text = text[: self.surface.limit - 1] + "…"
        if not text.strip() or text == self._shown:
            return
        try:
            await self.surface.edit(self.handle, text, final=False)
            self._shown = text
        except RateLimited as limited:  # skip edits for a while; the final one waits
            self._pause_until = time.monotonic() + limited.retry_after
        except self.surface.errors:
            pass  # a progress edit is not worth failing the answer for


class EditedStream(Stream):
    """A placeholder message edited as the answer grows, then replaced by the final text."""

    def __init__(
        self,
        surface: Surface,
        agent: str | None,
        *,
        anchor: Any = None,
        on_placeholder: OnPlaceholder | None = None,
        hold: bool = False,
    ) -> None:
        super().__init__()
        self.surface = surface
        self.agent = agent
        self.placeholder: Any = anchor
        self.on_placeholder = on_placeholder
        self.hold = hold
        """Leave the final text to the caller (`deliver`); only a cut answer is shown here."""
        self._editor: Editor | None = None

    async def __aenter__(self) -> EditedStream:
        try:
            await self._show_placeholder()
        except self.surface.errors:
            self.placeholder = None  # the answer is posted whole at the end instead
        else:
            self._editor = Editor(self.surface, self.placeholder, self._preview)
        return self

    async def _show_placeholder(self) -> None:
        thinking = self.surface.placeholder(self.agent)
        if self.placeholder is not None:  # an earlier attempt's: it starts over in place
            await self.surface.edit(self.placeholder, thinking, final=True)
            return
        self.placeholder = await self.surface.post(thinking)
        if self.on_placeholder is not None:
            await self.on_placeholder(self.surface.handle_id(self.placeholder))

    def _preview(self) -> str:
        return self.surface.render(self.text)

    async def on_delta(self, delta: str) -> None:
        if self._editor:
            self._editor.poke()

    async def finish(self, *, failed: bool) -> None:
        if self._editor:
            await self._editor.stop()
        text = self.text.rstrip()
        if self.hold and not failed:
            return
        if failed and text:
            text += f"\n\n{CUT_SHORT}"
        if not text:
            await self._remove_placeholder()
            return
        chunks = split_message(self.surface.render(text), self.surface.limit)
        if self.placeholder is not None:
            await self.surface.edit(self.placeholder, chunks.pop(0), final=True)
        for chunk in chunks:
            await self.surface.post(chunk)

    async def _remove_placeholder(self) -> None:
        if self.placeholder is not None:
            with contextlib.suppress(*self.surface.errors):  # a stray "thinking…" is harmless
                await self.surface.delete(self.placeholder)


class SurfaceLive(LiveMessage):
    """A progress message on an editable platform, edited at the surface's pace."""

    def __init__(self, surface: Surface, handle: Any, text: str) -> None:
        self.surface = surface
        self.handle = handle
        self.text = text
        self.editor = Editor(surface, handle, lambda: surface.render(self.text))

    @classmethod
    async def post(cls, surface: Surface, text: str) -> SurfaceLive:
        handle = await surface.post(surface.render(text)[: surface.limit])
        return cls(surface, handle, text)

    async def update(self, text: str) -> None:
        self.text = text
        self.editor.poke()

    async def close(self) -> None:
        await self.editor.stop()
        final = self.surface.render(self.text)[: self.surface.limit]
        with contextlib.suppress(*self.surface.errors):  # logged; the steps' states are kept
            await self.surface.edit(self.handle, final, final=True)
