"""A scripted, OpenAI-compatible HTTP server for tests and manual trials.

The real ``openai.AsyncOpenAI`` client talks to it over 127.0.0.1, so tests exercise the
SDK's real request building, SSE parsing, retries and timeouts instead of a mocked client.

    async with FakeOpenAI() as fake:
        fake.script(Text("hi"), ToolCalls((Call("get_time", {}),)), Fail(429, retry_after=0.1))
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="test")

Faults beyond HTTP errors: `Slow` (a timeout), `Disconnect` (no response at all), `Cut`
(a stream dropped after some chunks), `RawBody` (a 200 whose body is not what was asked,
e.g. JSON or HTML to a streamed request). A base URL without /v1 gets 404 for every path.

``/v1/embeddings`` answers every request with a deterministic bag-of-words vector (see
`fake_embedding`), so texts sharing words are close; `script_embeddings` makes the next
embedding requests fail, stall or drop instead.

By hand: ``python -m tests.fakes.serve_openai [--port 8765] [--reply TEXT]``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.openai_wire import (
    EMBEDDING_DIMENSION,
    JSON,
    Answer,
    Call,
    Cut,
    Disconnect,
    Fail,
    RawBody,
    RecordedRequest,
    Reply,
    Slow,
    Text,
    ToolCalls,
    embedding_list,
    error_response,
    fake_embedding,
    stream_deltas,
    usage_json,
    user_text,
)

__all__ = [
    "ANY_MODEL",
    "Call",
    "Cut",
    "Disconnect",
    "Fail",
    "FakeOpenAI",
    "RawBody",
    "RecordedRequest",
    "Reply",
    "Slow",
    "Text",
    "ToolCalls",
    "fake_embedding",
]
ANY_MODEL = "*"  # put in `models` to accept every model name (handy for manual trials)
_SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
_WAIT_LIMIT_S = 5.0  # a test waiting for a request that never comes fails instead of hanging
EmbeddingReply = Fail | Slow | Disconnect  # a success needs no script: it is the default


class FakeOpenAI(LoopbackServer):
    """Scripted OpenAI-compatible server; each chat-completions request consumes one reply."""

    def __init__(
        self,
        *,
        models: Iterable[str] = ("fake-model",),
        api_key: str | None = None,
        default: Callable[[JSON], Reply] | None = None,
        port: int = 0,
        embedding_dimension: int = EMBEDDING_DIMENSION,
    ) -> None:
        self.models = tuple(models)
        self.api_key = api_key
        self.default = default
        self.embedding_dimension = embedding_dimension
        self.requests: list[RecordedRequest] = []
        # Kept apart so the indexes of chat requests that tests assert on never shift.
        self.embedding_requests: list[RecordedRequest] = []
        self.served_usage: list[tuple[JSON, JSON]] = []
        """(request body, usage) of every chat answer whose token counts were sent, in order:
        what a client's token accounting must add up to."""
        self._queue: deque[Reply] = deque()
        self._embedding_queue: deque[EmbeddingReply] = deque()
        super().__init__(port)
        self._inflight: set[asyncio.Task[Any]] = set()
        self._arrived = asyncio.Event()
        self._call_ids = itertools.count(1)  # own counter so the first call is always call_1
        self._ids = itertools.count(1)

    # lifecycle

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        app.on_response_prepare.append(self._stamp)

    async def before_stop(self) -> None:
        # Cancel slow/streaming handlers first so cleanup() has nothing to wait for.
        for task in list(self._inflight):
            task.cancel()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # scripting

    def script(self, *replies: Reply) -> None:
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"not a scripted reply: {reply!r}")
        self._queue.extend(replies)

    def script_embeddings(self, *replies: EmbeddingReply) -> None:
        """Failures, stalls or drops for the next embedding requests, one each.

        `Slow(delay, then=Text(""))` is a slow success: a Text in place of an embedding
        reply stands for the usual vectors.
        """
        for reply in replies:
            if not isinstance(reply, Fail | Slow | Disconnect):
                raise TypeError(f"not a scripted embedding reply: {reply!r}")
        self._embedding_queue.extend(replies)

    def assert_all_consumed(self) -> None:
        left = [*self._queue, *self._embedding_queue]
        if left:
            raise AssertionError(f"{len(left)} scripted replies not consumed: {left!r}")

    async def wait_for_requests(self, count: int) -> None:
        """Wait (up to 5 s) until `count` chat requests arrived, e.g. to act mid-request."""
        async with asyncio.timeout(_WAIT_LIMIT_S):
            while len(self.requests) < count:
                await self._arrived.wait()
                self._arrived.clear()

    def last_user_text(self) -> str:
        if not self.requests:
            raise AssertionError("no chat-completions request was received")
        return user_text(self.requests[-1].body)

    # handlers

    async def _stamp(self, request: web.Request, response: web.StreamResponse) -> None:
        # The SDK exposes x-request-id as `_request_id`; real responses always carry it.
        response.headers.setdefault("x-request-id", f"req_fake_{next(self._ids)}")

    def _auth_error(self, request: web.Request) -> web.Response | None:
        expected = f"Bearer {self.api_key}"
        if self.api_key is None or request.headers.get("Authorization") == expected:
            return None
        return error_response(401, "Incorrect API key provided.", code="invalid_api_key")

    def _accepts(self, model: object) -> bool:
        return isinstance(model, str) and (ANY_MODEL in self.models or model in self.models)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._tracked(self._chat_inner(request))

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        return await self._tracked(self._embeddings_inner(request))

    async def _tracked(self, handling: Awaitable[web.StreamResponse]) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)  # so stop() can cancel a sleeping or streaming handler
        try:
            return await handling
        finally:
            self._inflight.discard(task)

    async def _chat_inner(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request, self.requests)
        self._arrived.set()
        if (refused := self._refusal(request, body)) is not None:
            return refused
        assert body is not None
        reply = self._queue.popleft() if self._queue else self._default_reply(body)
        return await self._play(request, reply, lambda final: self._answer(request, body, final))

    async def _embeddings_inner(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request, self.embedding_requests)
        if (refused := self._refusal(request, body)) is not None:
            return refused
        assert body is not None
        if (invalid := self._invalid_embedding_input(body)) is not None:
            return invalid
        reply = self._embedding_queue.popleft() if self._embedding_queue else None
        # Unscripted, or Slow(then=Text): the vectors themselves.
        return await self._play(request, reply, lambda _: self._vectors(body))

    async def _record(self, request: web.Request, log: list[RecordedRequest]) -> JSON | None:
        """Parse and record a request; None for a body that is not a JSON object."""
        try:
            body = await request.json()
        except ValueError:
            body = None  # answered with 400 after the request is recorded
        body = body if isinstance(body, dict) else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        log.append(RecordedRequest(request.path, headers, body or {}, time.monotonic()))
        return body

    def _refusal(self, request: web.Request, body: JSON | None) -> web.Response | None:
        """What the API says to a bad key, an unreadable body, or a model it lacks."""
        if (denied := self._auth_error(request)) is not None:
            return denied
        if body is None:
            return error_response(400, "We could not parse the JSON body of your request.")
        model = body.get("model")
        if not model:
            return error_response(400, "you must provide a model parameter")
        if not self._accepts(model):
            missing = f"The model `{model}` does not exist or you do not have access to it."
            return error_response(404, missing, code="model_not_found")
        return None

    def _default_reply(self, body: JSON) -> Reply:
        if self.default is not None:
            return self.default(body)
        return Text("echo: " + user_text(body))

    async def _play(
        self,
        request: web.Request,
        reply: Reply | None,
        finish: Callable[[Reply | None], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Act out the scripted delays and failures; `finish` gives the real answer."""
        match reply:
            case Slow(delay_s=delay, then=then):
                await asyncio.sleep(delay)  # cancelled by stop() or by the client hanging up
                return await self._play(request, then, finish)
            case Fail(status=status, message=message, retry_after=retry_after, code=code):
                return error_response(status, message, code=code, retry_after=retry_after)
            case Disconnect():
                return await self._disconnect(request)
            case RawBody(body=text, content_type=content_type):
                return web.Response(text=text, content_type=content_type)
        return await finish(reply)

    async def _answer(
        self, request: web.Request, body: JSON, reply: Reply | None
    ) -> web.StreamResponse:
        cut_after: int | None = None
        if isinstance(reply, Cut):
            reply, cut_after = reply.reply, reply.after
        if not isinstance(reply, Text | ToolCalls):
            raise TypeError(f"not a scripted reply: {reply!r}")
        answer = within_limit(self._resolve(reply), body.get("max_tokens"))
        if body.get("stream"):
            return await self._stream(request, body, answer, cut_after)
        if cut_after is not None:
            return await self._disconnect(request)
        self.served_usage.append((body, answer.usage))
        return web.json_response(self._completion(body, answer))

    def _invalid_embedding_input(self, body: JSON) -> web.Response | None:
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return error_response(400, "'input' must be a string or a non-empty list of strings")
        if body.get("encoding_format", "float") not in ("float", "base64"):
            return error_response(400, "'encoding_format' must be 'float' or 'base64'")
        return None

    async def _vectors(self, body: JSON) -> web.StreamResponse:
        return web.json_response(embedding_list(body, self.embedding_dimension))

    @staticmethod
    async def _disconnect(request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.close()
        # With handler_cancellation, losing the connection cancels this handler silently;
        # returning or raising instead would make aiohttp log a write to a closed socket.
        await asyncio.sleep(60)
        raise ConnectionResetError("scripted disconnect was not noticed")

    def _resolve(self, reply: Text | ToolCalls) -> Answer:
        """Assign tool-call ids and encode arguments; token counts default to word counts."""
        if isinstance(reply, Text):
            content, calls = reply.content, ()
        else:
            content, calls = None, tuple(self._encode(call) for call in reply.calls)
        words = len((content or " ".join(args for _, _, args in calls)).split())
        completion = words if reply.completion_tokens is None else reply.completion_tokens
        delay = reply.chunk_delay_s if isinstance(reply, Text) else 0.0
        return Answer(content, calls, usage_json(reply.prompt_tokens, completion), delay)

    def _encode(self, call: Call) -> tuple[str, str, str]:
        # A str is sent verbatim so tests can script malformed arguments.
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        return call.id or f"call_{next(self._call_ids)}", call.name, args

    def _envelope(self, body: JSON, kind: str) -> JSON:
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": kind,
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": None,
        }

    def _completion(self, body: JSON, answer: Answer) -> JSON:
        message: JSON = {"role": "assistant", "content": answer.content, "refusal": None}
        if answer.calls:
            message["tool_calls"] = [
                {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                for i, n, a in answer.calls
            ]
        finish = answer.finish_reason
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        envelope = self._envelope(body, "chat.completion")
        return {**envelope, "choices": [choice], "usage": answer.usage}

    async def _stream(
        self, request: web.Request, body: JSON, answer: Answer, cut_after: int | None = None
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers=_SSE_HEADERS)
        await response.prepare(request)
        options = body.get("stream_options") or {}
        with_usage = bool(options.get("include_usage"))
        envelope = self._envelope(body, "chat.completion.chunk")  # one id for the whole stream
        for sent, (delta, finish) in enumerate(stream_deltas(answer)):
            if sent == cut_after:  # what was written still reaches the client, then EOF
                return await self._disconnect(request)
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            chunk: JSON = {**envelope, "choices": [choice]}
            if with_usage:
                chunk["usage"] = None  # the real API sends null until the final usage chunk
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
            if answer.chunk_delay_s:
                await asyncio.sleep(answer.chunk_delay_s)
        if with_usage:
            chunk = {**envelope, "choices": [], "usage": answer.usage}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.served_usage.append((body, answer.usage))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _list_models(self, request: web.Request) -> web.Response:
        if (denied := self._auth_error(request)) is not None:
            return denied
        data = [self._model(m) for m in self.models if m != ANY_MODEL]
        return web.json_response({"object": "list", "data": data})

    @staticmethod
    def _model(model: str) -> JSON:
        return {"id": model, "object": "model", "created": 0, "owned_by": "nova-tests"}

    @staticmethod
    async def _unknown(request: web.Request) -> web.Response:
        return error_response(404, f"Invalid URL ({request.method} {request.path})")


def within_limit(answer: Answer, max_tokens: object) -> Answer:
    """As the real API does with `max_tokens`: a text longer than the limit (a word a
    token here) stops there, with finish_reason `length`."""
    completion = int(answer.usage["completion_tokens"])
    if not isinstance(max_tokens, int) or answer.content is None or completion <= max_tokens:
        return answer
    content = " ".join(answer.content.split()[:max_tokens])
    usage = usage_json(int(answer.usage["prompt_tokens"]), max_tokens)
    return replace(answer, content=content, usage=usage, cut_at_limit=True)
