"""A scripted, OpenAI-compatible HTTP server for tests and manual trials.

The real ``openai.AsyncOpenAI`` client talks to it over 127.0.0.1, so tests exercise the
SDK's real request building, SSE parsing, retries and timeouts instead of a mocked client.

    async with FakeOpenAI() as fake:
        fake.script(Text("hi"), ToolCalls((Call("get_time", {}),)), Fail(429, retry_after=0.1))
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="test")

``/v1/embeddings`` answers every request with a deterministic bag-of-words vector (see
`fake_embedding`), so texts sharing words are close; `script_embeddings` makes the next
embedding requests fail, stall or drop instead.

By hand: ``python -m tests.fakes.openai_server [--port 8765] [--reply TEXT]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import re
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.openai_wire import (
    JSON,
    Answer,
    Call,
    Disconnect,
    Fail,
    RecordedRequest,
    Reply,
    Slow,
    Text,
    ToolCalls,
    error_response,
    stream_deltas,
    usage_json,
    user_text,
)

__all__ = [
    "ANY_MODEL",
    "Call",
    "Disconnect",
    "Fail",
    "FakeOpenAI",
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
EMBEDDING_DIMENSION = 64
_EMBEDDING_WORD = re.compile(r"[a-z0-9]+")
EmbeddingReply = Fail | Slow | Disconnect  # a success needs no script: it is the default


def fake_embedding(text: str, dimension: int = EMBEDDING_DIMENSION) -> list[float]:
    """Hashed bag of lower-cased words, L2-normalised: shared words mean a high cosine."""
    vector = [0.0] * dimension
    for word in _EMBEDDING_WORD.findall(text.lower()):
        bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        vector[bucket % dimension] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0  # no words: the zero vector
    return [v / norm for v in vector]


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
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)  # so stop() can cancel a sleeping or streaming handler
        try:
            return await self._chat_inner(request)
        finally:
            self._inflight.discard(task)

    async def _chat_inner(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None  # answered with 400 below, after the request is recorded
        body = body if isinstance(body, dict) else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(RecordedRequest(request.path, headers, body or {}, time.monotonic()))
        self._arrived.set()
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
        reply = self._queue.popleft() if self._queue else self._default_reply(body)
        return await self._respond(request, body, reply)

    def _default_reply(self, body: JSON) -> Reply:
        if self.default is not None:
            return self.default(body)
        return Text("echo: " + user_text(body))

    async def _respond(self, request: web.Request, body: JSON, reply: Reply) -> web.StreamResponse:
        match reply:
            case Slow(delay_s=delay, then=then):
                await asyncio.sleep(delay)  # cancelled by stop() or by the client hanging up
                return await self._respond(request, body, then)
            case Fail(status=status, message=message, retry_after=retry_after, code=code):
                return error_response(status, message, code=code, retry_after=retry_after)
            case Disconnect():
                return await self._disconnect(request)
            case Text() | ToolCalls():
                answer = self._resolve(reply)
                if body.get("stream"):
                    return await self._stream(request, body, answer)
                return web.json_response(self._completion(body, answer))
        raise TypeError(f"not a scripted reply: {reply!r}")

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)  # a scripted Slow must be cancellable by stop() too
        try:
            return await self._embeddings_inner(request)
        finally:
            self._inflight.discard(task)

    async def _embeddings_inner(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        recorded = RecordedRequest(request.path, headers, body or {}, time.monotonic())
        self.embedding_requests.append(recorded)
        if (denied := self._auth_error(request)) is not None:
            return denied
        if body is None:
            return error_response(400, "We could not parse the JSON body of your request.")
        if (invalid := self._invalid_embedding_body(body)) is not None:
            return invalid
        reply = self._embedding_queue.popleft() if self._embedding_queue else None
        return await self._respond_embedding(request, body, reply)

    async def _respond_embedding(
        self, request: web.Request, body: JSON, reply: Reply | None
    ) -> web.StreamResponse:
        match reply:
            case Slow(delay_s=delay, then=then):
                await asyncio.sleep(delay)  # cancelled by stop() or by the client hanging up
                return await self._respond_embedding(request, body, then)
            case Fail(status=status, message=message, retry_after=retry_after, code=code):
                return error_response(status, message, code=code, retry_after=retry_after)
            case Disconnect():
                return await self._disconnect(request)
        return web.json_response(self._embedding_list(body))  # unscripted, or Slow(then=Text)

    def _invalid_embedding_body(self, body: JSON) -> web.Response | None:
        model = body.get("model")
        if not model:
            return error_response(400, "you must provide a model parameter")
        if not self._accepts(model):
            missing = f"The model `{model}` does not exist or you do not have access to it."
            return error_response(404, missing, code="model_not_found")
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return error_response(400, "'input' must be a string or a non-empty list of strings")
        if body.get("encoding_format", "float") not in ("float", "base64"):
            return error_response(400, "'encoding_format' must be 'float' or 'base64'")
        return None

    def _embedding_list(self, body: JSON) -> JSON:
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        as_base64 = body.get("encoding_format") == "base64"  # the SDK's default
        data = []
        for index, text in enumerate(texts):
            vector = fake_embedding(text, self.embedding_dimension)
            encoded: object = _base64_floats(vector) if as_base64 else vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(text.split()) for text in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return {"object": "list", "data": data, "model": body["model"], "usage": usage}

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

    async def _stream(self, request: web.Request, body: JSON, answer: Answer) -> web.StreamResponse:
        response = web.StreamResponse(headers=_SSE_HEADERS)
        await response.prepare(request)
        options = body.get("stream_options") or {}
        with_usage = bool(options.get("include_usage"))
        envelope = self._envelope(body, "chat.completion.chunk")  # one id for the whole stream
        for delta, finish in stream_deltas(answer):
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


def _base64_floats(vector: list[float]) -> str:
    # What api.openai.com sends for encoding_format=base64: little-endian float32 bytes.
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


async def _serve(args: argparse.Namespace) -> None:
    default = (lambda _body: Text(args.reply)) if args.reply is not None else None
    fake = FakeOpenAI(
        models=args.model or (ANY_MODEL,), api_key=args.api_key, default=default, port=args.port
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stopped.set)
    async with fake:
        print(fake.base_url, flush=True)
        await stopped.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake OpenAI-compatible API.")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--reply", help="answer every request with this text (default: echo)")
    parser.add_argument("--model", action="append", help="accepted model (repeat; default any)")
    parser.add_argument("--api-key", help="require this bearer key")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
