"""Reading one streamed chat completion: text deltas, tool-call fragments and usage.

A stream can break in ways a plain request cannot: the connection drops after some
chunks (the SDK reports it as a connection error while iterating, after its own retries
are long over), or the body is not an event stream at all (the SDK then finds no event
and the answer reads as empty). Both are told apart here, so the client can ask again or
say what happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openai

ChatMessage = dict[str, Any]
OnText = Callable[[str], Awaitable[None]]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def of(cls, usage: Any) -> Usage:
        """From a response's `usage` (None when the endpoint sent none)."""
        if usage is None:
            return cls()
        return cls(usage.prompt_tokens or 0, usage.completion_tokens or 0)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass
class ToolCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class Round:
    """What one completion said: its text, the tools it asked for, its token counts."""

    text: str
    calls: list[ToolCall]
    usage: Usage


class StreamBroken(Exception):
    """The connection dropped mid-stream; `shown` says whether text already reached the
    user (then asking again would show a second, different beginning)."""

    def __init__(self, cause: openai.APIConnectionError, *, shown: bool) -> None:
        super().__init__(str(cause))
        self.shown = shown


class NotAnEventStream(Exception):
    """The body held no event and was not `text/event-stream`: a JSON or HTML reply."""

    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


async def read_stream(
    stream: Any, on_text: OnText | None, messages: Sequence[ChatMessage]
) -> Round:
    """Read one streamed completion to its end (the stream is closed whatever happens)."""
    parts: list[str] = []
    calls: dict[int, ToolCall] = {}
    usage: Usage | None = None
    chunks = 0
    shown = False
    try:
        async for chunk in stream:
            chunks += 1
            if chunk.usage:
                usage = Usage.of(chunk.usage)
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    parts.append(delta.content)
                    if on_text:
                        shown = True
                        await on_text(delta.content)
                for fragment in delta.tool_calls or ():
                    _merge_fragment(calls.setdefault(fragment.index, ToolCall()), fragment)
    except openai.APIConnectionError as exc:  # timeouts too: a stream that stalled
        raise StreamBroken(exc, shown=shown) from exc
    finally:
        await stream.close()
    if not chunks and "text/event-stream" not in (kind := _content_type(stream)):
        raise NotAnEventStream(kind)
    text = "".join(parts)
    # Servers that ignore stream_options send no usage; an estimate beats a silent zero.
    usage = usage or Usage(estimate_tokens_of(messages), estimate_tokens(text))
    return Round(text, [calls[i] for i in sorted(calls)], usage)


def _content_type(stream: Any) -> str:
    return str(stream.response.headers.get("content-type", ""))  # the SDK's AsyncStream


def _merge_fragment(call: ToolCall, fragment: Any) -> None:
    if fragment.id:
        call.id = fragment.id
    if fragment.function:
        call.name += fragment.function.name or ""
        call.arguments += fragment.function.arguments or ""


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate (about four characters a token for English text)."""
    return max(1, len(text) // 4) if text else 0


def estimate_tokens_of(messages: Sequence[ChatMessage]) -> int:
    return sum(estimate_tokens(str(message.get("content") or "")) + 4 for message in messages)
