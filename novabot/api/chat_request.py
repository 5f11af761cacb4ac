"""A chat-completions request body, read and checked: what Nova needs from it.

Nova answers with its own agents' prompts, so of the history a client sends it keeps the
user and assistant turns (system messages are the agent's job; tool turns belong to the
client's own tools). Sampling options (temperature, max_tokens …) are the agent's too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from novabot.adapters.text import clean_text
from novabot.api.errors import ApiError, bad_request

MAX_BODY = 1024 * 1024
"""Larger bodies get 413 before they are read."""
MAX_CONVERSATION_ID = 128
CONVERSATION_HEADER = "X-Nova-Conversation"
KEPT_ROLES = ("user", "assistant")
KNOWN_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclass(frozen=True)
class ChatRequest:
    model: str
    text: str
    """The new message: the last one, from the user."""
    earlier: tuple[tuple[str, str], ...]
    """The user and assistant turns before it, oldest first, as (role, text)."""
    stream: bool = False
    include_usage: bool = False
    conversation: str | None = None
    """Set: Nova keeps this conversation's history itself (the header, or `user`)."""


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused with 413 past `limit` bytes (declared or actually sent)."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_chat(raw: bytes, conversation_header: str | None) -> ChatRequest:
    body = _json_object(raw)
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise bad_request("you must provide a model parameter", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty array of messages", "messages")
    turns = [_turn(index, message) for index, message in enumerate(messages)]
    role, text = turns[-1]
    if role != "user" or not text.strip():
        raise bad_request("the last message must be the user's, with text", "messages")
    earlier = tuple((r, t) for r, t in turns[:-1] if r in KEPT_ROLES and t.strip())
    options = body.get("stream_options")
    return ChatRequest(
        model=model.strip(),
        text=text,
        earlier=earlier,
        stream=body.get("stream") is True,
        include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        conversation=_conversation(conversation_header, body.get("user")),
    )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("We could not parse the JSON body of your request.") from None
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _turn(index: int, message: object) -> tuple[str, str]:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise bad_request(f"{where} must be an object", where)
    role = message.get("role")
    if role not in KNOWN_ROLES:
        raise bad_request(f"{where}.role must be one of {', '.join(KNOWN_ROLES)}", f"{where}.role")
    return str(role), clean_text(_content(message.get("content"), f"{where}.content"))


def _content(content: object, where: str) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise bad_request(f"{where}: Nova's agents read text parts only", where)
            texts.append(str(part.get("text", "")))
        return "\n".join(texts)
    raise bad_request(f"{where} must be a string or a list of text parts", where)


def _conversation(header: str | None, user: object) -> str | None:
    if header is not None:
        value, where = header, CONVERSATION_HEADER
    elif isinstance(user, str):
        value, where = user, "user"
    else:
        return None
    value = clean_text(value.strip())
    if not value or len(value) > MAX_CONVERSATION_ID or not value.isprintable():
        raise bad_request(
            f"{where} must be a conversation id of 1 to {MAX_CONVERSATION_ID} printable characters",
            where,
        )
    return value


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the request body is larger than {limit} bytes", code="request_too_large")
