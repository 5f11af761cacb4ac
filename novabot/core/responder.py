"""How an agent answers: the one interface every adapter implements.

Agents only ever use a `Responder`; an adapter decides what "say", "stream" and
"thread" mean on its platform (a Slack thread, a Discord message edit, a terminal line).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

from novabot.core.delivery import Post
from novabot.core.message import ConversationKey

ResponderFor = Callable[[ConversationKey], "Responder | None"]
"""Where to answer in a stored conversation (an adapter's `responder_for`): recovery,
pending posts and resumed pipelines find their way back to the platform through it."""

OnPlaceholder = Callable[[str], Awaitable[None]]
"""Told the platform id of the message a held stream shows its progress in."""


class Stream(ABC):
    """An answer being written piece by piece; used as `async with responder.stream()`."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def write(self, delta: str) -> None:
        self.parts.append(delta)
        await self.on_delta(delta)

    async def on_delta(self, delta: str) -> None:  # noqa: B027 (optional hook, no-op by default)
        """Show a new piece at once; platforms that cannot edit messages wait for `finish`."""

    @abstractmethod
    async def finish(self, *, failed: bool) -> None:
        """Show the final text; `failed` is True when the answer was cut by an error."""

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.finish(failed=exc_type is not None)


class LiveMessage(ABC):
    """A message replaced as things change (a pipeline's progress); the latest text wins."""

    @abstractmethod
    async def update(self, text: str) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Show the latest text for good."""


@dataclass(frozen=True)
class Choice:
    """A button that runs a `/nova` command when clicked (Confirm, Dismiss …); platforms
    without buttons show the command to type instead."""

    label: str
    command: str
    args: str = ""

    @property
    def line(self) -> str:
        """The command as typed: `knowledge confirm 12`."""
        return f"{self.command} {self.args}".strip()


def typed_choices(choices: Sequence[Choice]) -> str:
    """The text fallback of buttons: `/nova knowledge confirm 12` · …"""
    return " · ".join(f"`/nova {choice.line}`" for choice in choices)


class Responder(ABC):
    """Answers in one conversation (a channel, or a thread inside it)."""

    key: ConversationKey | None = None
    """The conversation answered in, where the adapter knows it (threads it opened)."""

    @abstractmethod
    async def say(self, text: str, *, agent: str | None = None) -> None:
        """Post a whole message; `agent` names who speaks, for platforms that show it."""

    async def whisper(self, user_id: str, text: str) -> None:
        """Tell one user something only they see; platforms without that say it in place."""
        await self.say(text)

    def stream(self, *, agent: str | None = None) -> Stream:
        """Start an answer that grows as the model writes it."""
        return _SayWhenDone(self, agent)

    def held_stream(
        self, *, agent: str | None, anchor: str | None, on_placeholder: OnPlaceholder
    ) -> Stream:
        """A stream whose final text is not posted by the stream but by `deliver` (through
        the outbox, so it is posted once whatever happens). Platforms that can edit show
        the answer as it grows, in a placeholder: `anchor` when an earlier attempt left
        one, else a new message whose id goes to `on_placeholder`. Cut by an error, the
        stream still shows what it had, marked as cut short."""
        return _Collected()

    async def deliver(self, post: Post) -> str:
        """Post `post` in full, once: returns the platform id of its first message ('' on
        platforms without ids). Platforms that can, replace `post.anchor`'s text with the
        first part, tag each part with `post.tag(i)`, and when `post.recheck` is set look
        for parts already sent before sending them."""
        await self.say(post.text, agent=post.agent)
        return ""

    async def thread(self, title: str) -> Responder:
        """A responder bound to a new thread; platforms without threads answer in place."""
        return self

    async def offer(self, text: str, choices: Sequence[Choice]) -> None:
        """Post `text` with buttons that run commands; whoever clicks runs the command as
        themselves, so its own rules (admins only, once only) apply. Without buttons, the
        commands to type follow the text."""
        await self.say(f"{text}\n{typed_choices(choices)}")

    async def live(self, text: str) -> LiveMessage:
        """Post a message that `update` replaces; platforms that cannot edit post at close."""
        return _PostWhenClosed(self, text)


class ResponderProxy(Responder):
    """A responder that passes everything on to `inner`: the base of wrappers that change
    one thing (where a stream's final text goes, who may see a message), so that what they
    do not change keeps working as the platform's own responder does it."""

    def __init__(self, inner: Responder) -> None:
        self.inner = inner
        self.key = inner.key

    async def say(self, text: str, *, agent: str | None = None) -> None:
        await self.inner.say(text, agent=agent)

    async def whisper(self, user_id: str, text: str) -> None:
        await self.inner.whisper(user_id, text)

    def stream(self, *, agent: str | None = None) -> Stream:
        return self.inner.stream(agent=agent)

    def held_stream(
        self, *, agent: str | None, anchor: str | None, on_placeholder: OnPlaceholder
    ) -> Stream:
        return self.inner.held_stream(agent=agent, anchor=anchor, on_placeholder=on_placeholder)

    async def deliver(self, post: Post) -> str:
        return await self.inner.deliver(post)

    async def thread(self, title: str) -> Responder:
        return await self.inner.thread(title)

    async def offer(self, text: str, choices: Sequence[Choice]) -> None:
        await self.inner.offer(text, choices)

    async def live(self, text: str) -> LiveMessage:
        return await self.inner.live(text)


class _PostWhenClosed(LiveMessage):
    def __init__(self, responder: Responder, text: str) -> None:
        self._responder = responder
        self._text = text

    async def update(self, text: str) -> None:
        self._text = text

    async def close(self) -> None:
        await self._responder.say(self._text)


class _SayWhenDone(Stream):
    """The fallback stream: collect the pieces, post them once at the end."""

    def __init__(self, responder: Responder, agent: str | None) -> None:
        super().__init__()
        self._responder = responder
        self._agent = agent

    async def finish(self, *, failed: bool) -> None:
        if self.text.strip():
            await self._responder.say(self.text, agent=self._agent)


class _Collected(Stream):
    """The fallback held stream: shows nothing; `deliver` posts the answer whole."""

    async def finish(self, *, failed: bool) -> None:
        pass
