"""A channel a slash command posts in, where Nova may not be allowed to post.

A slash command reaches Nova even from a channel it is not a member of, or cannot see;
its own reply goes back through the command (a response_url, an interaction follow-up),
which works anywhere. What the command posts in the channel itself (a pipeline's thread,
its progress, its answer) does not. `WatchedChannel` wraps that channel's responder: when
the platform refuses a post for lack of access, the command's user hears one private line
(once, even when the refusal comes later from a pipeline running in the background), and
the error goes on as before so the work stops.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from novabot.core.delivery import Post
from novabot.core.responder import LiveMessage, Responder, ResponderProxy

log = logging.getLogger(__name__)

Refused = Callable[[BaseException], bool]
"""Whether a platform error means "Nova may not post here" (not a passing failure)."""
Notify = Callable[[], Awaitable[None]]


class _Once:
    """Tells the user at most once, whichever responder (channel or thread) was refused."""

    def __init__(self, notify: Notify) -> None:
        self.notify = notify
        self.told = False

    async def __call__(self) -> None:
        if self.told:
            return
        self.told = True
        try:
            await self.notify()
        except Exception:  # the refusal itself is what the caller must see
            log.exception("could not tell the user that Nova cannot post here")


class WatchedChannel(ResponderProxy):
    def __init__(self, inner: Responder, refused: Refused, notify: Notify) -> None:
        super().__init__(inner)
        self.refused = refused
        # A thread opened from here shares it, so the user is told once in all.
        self._once = notify if isinstance(notify, _Once) else _Once(notify)

    @property
    def told(self) -> bool:
        """Whether the user has been told that Nova cannot post here."""
        return self._once.told

    async def say(self, text: str, *, agent: str | None = None) -> None:
        async with self._watch():
            await self.inner.say(text, agent=agent)

    async def whisper(self, user_id: str, text: str) -> None:
        async with self._watch():
            await self.inner.whisper(user_id, text)

    async def deliver(self, post: Post) -> str:
        async with self._watch():
            return await self.inner.deliver(post)

    async def thread(self, title: str) -> Responder:
        async with self._watch():
            thread = await self.inner.thread(title)
        return WatchedChannel(thread, self.refused, self._once)

    async def live(self, text: str) -> LiveMessage:
        async with self._watch():
            return await self.inner.live(text)

    @contextlib.asynccontextmanager
    async def _watch(self) -> AsyncIterator[None]:
        try:
            yield
        except Exception as exc:
            if self.refused(exc):
                await self._once()
            raise
