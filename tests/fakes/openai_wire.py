"""What the fake OpenAI server can be scripted to answer, and how it goes on the wire.

The reply kinds (Text, ToolCalls, Fail, Slow, Disconnect, Cut, RawBody) and the JSON/SSE
shapes they become, laid out as api.openai.com lays them out so the real SDK parses them.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

JSON = dict[str, Any]


@dataclass(frozen=True)
class Text:
    """An assistant text answer; completion_tokens defaults to the word count."""

    content: str
    prompt_tokens: int = 10
    completion_tokens: int | None = None
    chunk_delay_s: float = 0.0
    """Pause between streamed chunks, to make a stream last as long as a real model's."""


@dataclass(frozen=True)
class Call:
    """One tool call; a str `arguments` is sent verbatim so tests can send malformed JSON."""

    name: str
    arguments: dict[str, Any] | str
    id: str | None = None


@dataclass(frozen=True)
class ToolCalls:
    """An assistant turn that asks for tools (finish_reason "tool_calls")."""

    calls: tuple[Call, ...]
    prompt_tokens: int = 10
    completion_tokens: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "calls", tuple(self.calls))  # accept a list too


@dataclass(frozen=True)
class Fail:
    """An OpenAI-style error response, optionally with a Retry-After header (seconds)."""

    status: int
    message: str = "scripted failure"
    retry_after: float | None = None
    code: str | None = None


@dataclass(frozen=True)
class Slow:
    """Wait delay_s (cancellably) before answering with `then`; used to trigger timeouts."""

    delay_s: float
    then: Reply


@dataclass(frozen=True)
class Disconnect:
    """Drop the connection without sending any response."""


@dataclass(frozen=True)
class Cut:
    """Stream the first `after` chunks of `reply`, then drop the connection (no [DONE]):
    a connection lost mid-answer. Asked without streaming, it drops at once."""

    reply: Text | ToolCalls
    after: int = 3


@dataclass(frozen=True)
class RawBody:
    """Answer HTTP 200 with this body whatever was asked, streamed or not: a JSON
    completion or an HTML page where Server-Sent Events were expected."""

    body: str
    content_type: str = "application/json"


Reply = Text | ToolCalls | Fail | Slow | Disconnect | Cut | RawBody


@dataclass(frozen=True)
class RecordedRequest:
    """A request to /v1/chat/completions. Header names are lower-cased (HTTP is
    case-insensitive); body is the parsed JSON ({} if it was not a JSON object)."""

    path: str
    headers: dict[str, str]
    body: JSON
    received_at: float  # time.monotonic()


@dataclass(frozen=True)
class Answer:
    """A Text/ToolCalls reply resolved into wire values (tool-call ids assigned)."""

    content: str | None
    calls: tuple[tuple[str, str, str], ...]  # (id, name, arguments JSON text)
    usage: JSON
    chunk_delay_s: float = 0.0
    cut_at_limit: bool = False
    """The answer was longer than the request's `max_tokens` and stops there."""

    @property
    def finish_reason(self) -> str:
        if self.cut_at_limit:
            return "length"
        return "tool_calls" if self.calls else "stop"


def user_text(body: JSON) -> str:
    """Content of the last user message; multimodal parts are joined as text."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content if isinstance(content, str) else ""
    return ""


def usage_json(prompt: int, completion: int) -> JSON:
    total = prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def error_response(
    status: int, message: str, *, code: str | None = None, retry_after: float | None = None
) -> web.Response:
    # Same shape as api.openai.com, so the SDK maps status -> exception and keeps `.code`.
    kind = "server_error" if status >= 500 else "invalid_request_error"
    kind = "requests" if status == 429 else kind  # what api.openai.com says for rate limits
    error = {"message": message, "type": kind, "param": None, "code": code}
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    return web.json_response({"error": error}, status=status, headers=headers)


def _words(text: str) -> list[str]:
    """Split like a tokenizer would stream: pieces that concatenate back to `text`."""
    return re.findall(r"\S+\s*|\s+", text)


def _fragments(text: str, parts: int = 4) -> list[str]:
    """Split tool arguments into several pieces, as the real API streams them."""
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


def stream_deltas(answer: Answer) -> Iterator[tuple[JSON, str | None]]:
    """(delta, finish_reason) per streamed chunk, mirroring the real API's layout."""
    if not answer.calls:
        yield {"role": "assistant", "content": "", "refusal": None}, None
        for piece in _words(answer.content or ""):
            yield {"content": piece}, None
    for index, (call_id, name, arguments) in enumerate(answer.calls):
        # id/name/type only on the first fragment of each call; later ones carry arguments.
        function = {"name": name, "arguments": ""}
        head = {"index": index, "id": call_id, "type": "function", "function": function}
        first: JSON = {"tool_calls": [head]}
        if index == 0:
            first = {"role": "assistant", "content": None, "refusal": None, **first}
        yield first, None
        for piece in _fragments(arguments):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, None
    yield {}, answer.finish_reason


EMBEDDING_DIMENSION = 64
_EMBEDDING_WORD = re.compile(r"[a-z0-9]+")


def fake_embedding(text: str, dimension: int = EMBEDDING_DIMENSION) -> list[float]:
    """Hashed bag of lower-cased words, L2-normalised: shared words mean a high cosine."""
    vector = [0.0] * dimension
    for word in _EMBEDDING_WORD.findall(text.lower()):
        bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        vector[bucket % dimension] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0  # no words: the zero vector
    return [v / norm for v in vector]


def embedding_list(body: JSON, dimension: int) -> JSON:
    """The /v1/embeddings response to a validated request body."""
    texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
    as_base64 = body.get("encoding_format") == "base64"  # the SDK's default
    data = []
    for index, text in enumerate(texts):
        vector = fake_embedding(text, dimension)
        encoded: object = _base64_floats(vector) if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(text.split()) for text in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": body["model"], "usage": usage}


def _base64_floats(vector: list[float]) -> str:
    # What api.openai.com sends for encoding_format=base64: little-endian float32 bytes.
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
