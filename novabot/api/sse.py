"""OpenAI's streaming format: `chat.completion.chunk` events over SSE, then `[DONE]`."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from novabot.api.errors import ApiError
from novabot.llm.stream import Usage

log = logging.getLogger(__name__)

JSON = dict[str, Any]
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def usage_json(usage: Usage) -> JSON:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total,
    }


class Envelope:
    """What every object of one completion shares: its id, time and model."""

    def __init__(self, completion_id: str, created: int, model: str) -> None:
        self.completion_id = completion_id
        self.created = created
        self.model = model

    def of(self, kind: str, **fields: Any) -> JSON:
        return {
            "id": self.completion_id,
            "object": kind,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            **fields,
        }

    def completion(self, text: str, usage: Usage, finish: str) -> JSON:
        message = {"role": "assistant", "content": text, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        return self.of("chat.completion", choices=[choice], usage=usage_json(usage))

    def chunk(self, delta: JSON, finish: str | None = None, **fields: Any) -> JSON:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return self.of("chat.completion.chunk", choices=[choice], **fields)


class ChunkStream:
    """One streamed answer. The response starts at the first piece of text (its headers
    name the route, known by then); a client that hangs up stops the writing, not the
    answer, which is still kept in Nova's history."""

    def __init__(
        self,
        request: web.Request,
        envelope: Envelope,
        headers: Callable[[], Awaitable[Mapping[str, str]]],
        *,
        include_usage: bool,
    ) -> None:
        self.request = request
        self.envelope = envelope
        self.headers = headers
        self.include_usage = include_usage
        self.response: web.StreamResponse | None = None
        self.gone = False

    @property
    def started(self) -> bool:
        return self.response is not None

    async def text(self, text: str) -> None:
        if text:
            await self._open()
            await self._send(self._chunk({"content": text}))

    async def finish(self, usage: Usage, finish: str) -> web.StreamResponse:
        await self._open()
        await self._send(self._chunk({}, finish))
        if self.include_usage:
            await self._send(
                self.envelope.of("chat.completion.chunk", choices=[], usage=usage_json(usage))
            )
        return await self._done()

    async def fail(self, error: ApiError) -> web.StreamResponse:
        """An error after the stream started: OpenAI's clients raise on an `error` event."""
        await self._send(error.body)
        return await self._done()

    async def _open(self) -> None:
        if self.response is not None:
            return
        response = web.StreamResponse(headers={**SSE_HEADERS, **await self.headers()})
        self.response = response
        try:
            await response.prepare(self.request)
        except ConnectionError:
            self.gone = True
            return
        await self._send(self._chunk({"role": "assistant", "content": ""}))

    def _chunk(self, delta: JSON, finish: str | None = None) -> JSON:
        extra = {"usage": None} if self.include_usage else {}
        return self.envelope.chunk(delta, finish, **extra)

    async def _send(self, event: JSON | str) -> None:
        if self.gone or self.response is None:
            return
        data = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
        try:
            await self.response.write(f"data: {data}\n\n".encode())
        except ConnectionError:  # the client hung up: the answer goes on, unseen
            log.info("API client of %s hung up mid-stream", self.envelope.completion_id)
            self.gone = True

    async def _done(self) -> web.StreamResponse:
        assert self.response is not None
        await self._send("[DONE]")
        if not self.gone:
            try:
                await self.response.write_eof()
            except ConnectionError:
                self.gone = True
        return self.response
