"""Where an API request's answer goes: back in the HTTP response, whole or streamed.

The bot answers an API message as it answers any inbox message: the agent writes into a
held stream, and the outbox then delivers the final text once. Here the held stream
sends its pieces to the client as they come (when it asked for a stream), and delivery
sends whatever the stream did not show. Lines said outside the answer (an apology, a
refusal) are kept back until the outcome says whether they are an error.
"""

from __future__ import annotations

from novabot.api.sse import ChunkStream
from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from novabot.core.responder import OnPlaceholder, Responder, Stream


class ApiResponder(Responder):
    def __init__(self, key: ConversationKey, chunks: ChunkStream | None) -> None:
        self.key = key
        self.chunks = chunks
        self.said: list[str] = []
        """Lines said outside the answer, in order; they are an error's text, or part of
        the answer, depending on the outcome."""
        self.answers: list[str] = []
        """The answers delivered (normally one)."""
        self._streamed = ""
        self._unsent_said = 0
        self._sent_answer = False

    @property
    def text(self) -> str:
        """The whole reply of an answered request, as one message."""
        return "\n\n".join(part for part in (*self.said, *self.answers) if part.strip())

    async def say(self, text: str, *, agent: str | None = None) -> None:
        self.said.append(text)

    def held_stream(
        self, *, agent: str | None, anchor: str | None, on_placeholder: OnPlaceholder
    ) -> Stream:
        return _Pieces(self)

    async def deliver(self, post: Post) -> str:
        self.answers.append(post.text)
        if self.chunks is not None:
            streamed, self._streamed = self._streamed, ""
            # The stream showed the answer's beginning (normally all of it): send the rest.
            rest = post.text[len(streamed) :] if post.text.startswith(streamed) else post.text
            await self.send(rest)
        return ""

    async def send(self, text: str) -> None:
        """Stream `text`, after the lines said before it (now known not to be errors)."""
        assert self.chunks is not None
        for line in self.said[self._unsent_said :]:
            # Set apart from the answer, before or after it, as separate messages would be.
            await self.chunks.text(f"\n\n{line}" if self._sent_answer else f"{line}\n\n")
        self._unsent_said = len(self.said)
        await self.chunks.text(text)
        self._sent_answer = self._sent_answer or bool(text)

    async def flush_said(self) -> None:
        """Send lines said after the answer (the request succeeded)."""
        await self.send("")


class _Pieces(Stream):
    def __init__(self, responder: ApiResponder) -> None:
        super().__init__()
        self.responder = responder

    async def on_delta(self, delta: str) -> None:
        if self.responder.chunks is not None:
            self.responder._streamed += delta
            await self.responder.send(delta)

    async def finish(self, *, failed: bool) -> None:
        pass
