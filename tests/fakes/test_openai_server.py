"""The fake must behave like api.openai.com as seen by the real `openai` SDK."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx2
import openai
import pytest

from tests.fakes.openai_server import (
    Call,
    Cut,
    Disconnect,
    Fail,
    FakeOpenAI,
    RawBody,
    Slow,
    Text,
    ToolCalls,
)

MODEL = "fake-model"
USER = [{"role": "user", "content": "what time is it?"}]


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()


def client_for(fake: FakeOpenAI, **kwargs: object) -> openai.AsyncOpenAI:
    options: dict[str, object] = {"api_key": "test", "max_retries": 0, **kwargs}
    return openai.AsyncOpenAI(base_url=fake.base_url, **options)  # type: ignore[arg-type]


async def test_plain_text_reply_with_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("It is noon.", prompt_tokens=7))
    async with client_for(fake_openai) as client:
        raw = await client.chat.completions.with_raw_response.create(model=MODEL, messages=USER)
    completion = raw.parse()

    assert raw.headers["content-type"].startswith("application/json")
    assert completion.choices[0].message.content == "It is noon."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 3)
    assert completion.usage.total_tokens == 10
    recorded = fake_openai.requests[0]
    assert recorded.path == "/v1/chat/completions"
    assert recorded.headers["authorization"] == "Bearer test"
    assert recorded.body["messages"] == USER
    assert fake_openai.last_user_text() == "what time is it?"
    [(body, served)] = fake_openai.served_usage
    assert body == recorded.body and served == completion.usage.model_dump(exclude_none=True)
    fake_openai.assert_all_consumed()


async def test_echo_default_and_custom_default(fake_openai: FakeOpenAI) -> None:
    async with client_for(fake_openai) as client:
        echoed = await client.chat.completions.create(model=MODEL, messages=USER)
        fake_openai.default = lambda body: Text(f"{len(body['messages'])} message(s)")
        custom = await client.chat.completions.create(model=MODEL, messages=USER)

    assert echoed.choices[0].message.content == "echo: what time is it?"
    assert custom.choices[0].message.content == "1 message(s)"


async def test_streamed_text_reassembles_and_reports_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("The time is twelve o'clock."))
    async with client_for(fake_openai) as client:
        stream = await client.chat.completions.create(
            model=MODEL, messages=USER, stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]

    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) > 1, "text should arrive in several chunks"
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "The time is twelve o'clock."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    assert len({c.id for c in chunks}) == 1
    [(_, served)] = fake_openai.served_usage
    assert served == chunks[-1].usage.model_dump(exclude_none=True)


async def test_stream_without_include_usage_has_no_usage_chunk(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("hi there"))
    async with client_for(fake_openai) as client:
        raw = await client.chat.completions.with_raw_response.create(
            model=MODEL, messages=USER, stream=True
        )
        assert raw.headers["content-type"].startswith("text/event-stream")
        chunks = [chunk async for chunk in raw.parse()]

    assert all(c.choices and c.usage is None for c in chunks)
    assert fake_openai.served_usage == []  # no token counts went out


async def test_non_streamed_tool_call(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(ToolCalls((Call("get_time", {"tz": "UTC"}), Call("noop", "{oops"))))
    async with client_for(fake_openai) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=USER)

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls or []
    assert [c.id for c in calls] == ["call_1", "call_2"]
    assert [c.function.name for c in calls] == ["get_time", "noop"]  # type: ignore[union-attr]
    assert json.loads(calls[0].function.arguments) == {"tz": "UTC"}  # type: ignore[union-attr]
    assert calls[1].function.arguments == "{oops"  # type: ignore[union-attr]


async def test_streamed_tool_call_fragments_reassemble(fake_openai: FakeOpenAI) -> None:
    args = {"city": "Paris", "units": "metric"}
    fake_openai.script(ToolCalls((Call("weather", args, id="call_w"), Call("clock", {}))))
    async with client_for(fake_openai) as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]

    # Reassemble exactly as a streaming consumer must: by index, concatenating arguments.
    calls: dict[int, dict[str, str]] = {}
    fragments: dict[int, int] = {}
    for chunk in chunks:
        for delta in chunk.choices[0].delta.tool_calls or []:
            call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            fragments[delta.index] = fragments.get(delta.index, 0) + 1
            if delta.id:
                assert not call["id"], "id must only appear in the first fragment"
                call["id"] = delta.id
            if delta.function and delta.function.name:
                assert not call["name"], "name must only appear in the first fragment"
                call["name"] = delta.function.name
            if delta.function and delta.function.arguments:
                call["arguments"] += delta.function.arguments

    assert fragments[0] > 2, "arguments should be split across several chunks"
    assert calls[0]["id"] == "call_w" and calls[0]["name"] == "weather"
    assert json.loads(calls[0]["arguments"]) == args
    assert calls[1]["id"] == "call_1" and json.loads(calls[1]["arguments"]) == {}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_rate_limit_is_retried_after_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(429, "slow down", retry_after=0.1), Text("ok"))
    async with client_for(fake_openai, max_retries=2) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=USER)

    assert completion.choices[0].message.content == "ok"
    first, second = fake_openai.requests
    assert len(fake_openai.requests) == 2
    assert second.received_at - first.received_at >= 0.09  # the SDK honoured Retry-After
    fake_openai.assert_all_consumed()


async def test_server_error_without_retries(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(500, "boom", code="server_oops"))
    async with client_for(fake_openai) as client:
        with pytest.raises(openai.InternalServerError) as caught:
            await client.chat.completions.create(model=MODEL, messages=USER)

    assert caught.value.status_code == 500
    assert caught.value.code == "server_oops"
    assert "boom" in caught.value.message
    assert caught.value.response.headers["content-type"].startswith("application/json")


async def test_unknown_model_is_not_found(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("unused"))
    async with client_for(fake_openai) as client:
        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(model="gpt-nope", messages=USER)

    assert caught.value.code == "model_not_found"
    assert "gpt-nope" in caught.value.message
    with pytest.raises(AssertionError, match="1 scripted replies not consumed"):
        fake_openai.assert_all_consumed()  # rejected requests don't consume a reply


async def test_wrong_api_key_is_unauthorized() -> None:
    async with FakeOpenAI(api_key="right") as fake:
        async with client_for(fake, api_key="wrong") as client:
            with pytest.raises(openai.AuthenticationError) as caught:
                await client.chat.completions.create(model=MODEL, messages=USER)
        async with client_for(fake, api_key="right") as client:
            ok = await client.chat.completions.create(model=MODEL, messages=USER)

    assert caught.value.code == "invalid_api_key"
    assert ok.choices[0].message.content == "echo: what time is it?"


async def test_slow_reply_times_out_and_stop_is_prompt() -> None:
    fake = FakeOpenAI()
    await fake.start()
    fake.script(Slow(2, Text("too late")), Slow(5, Text("never sent")))
    try:
        async with client_for(fake, timeout=0.3) as client:
            with pytest.raises(openai.APITimeoutError):
                await client.chat.completions.create(model=MODEL, messages=USER)
            # Leave a second slow request in flight while the server stops.
            pending = client.chat.completions.create(model=MODEL, messages=USER, timeout=10)
            task = asyncio.ensure_future(pending)
            await fake.wait_for_requests(2)
            started = time.monotonic()
            await fake.stop()
            assert time.monotonic() - started < 2
            with pytest.raises(openai.APIConnectionError):
                await task
    finally:
        await fake.stop()  # idempotent; only matters if an assertion above failed


async def test_disconnect_is_a_connection_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Disconnect(), Text("after"))
    async with client_for(fake_openai) as client:
        with pytest.raises(openai.APIConnectionError):
            await client.chat.completions.create(model=MODEL, messages=USER)
        after = await client.chat.completions.create(model=MODEL, messages=USER)

    assert after.choices[0].message.content == "after"


async def test_cut_streams_some_chunks_then_drops(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Cut(Text("one two three four"), after=3), Text("whole"))
    pieces: list[str] = []
    async with client_for(fake_openai) as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        with pytest.raises(openai.APIConnectionError):
            async for chunk in stream:
                pieces.append(chunk.choices[0].delta.content or "")
        after = await client.chat.completions.create(model=MODEL, messages=USER)

    assert "".join(pieces) == "one two "  # the role chunk, then two words
    assert after.choices[0].message.content == "whole"


async def test_raw_body_is_sent_whatever_was_asked(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(RawBody("<h1>hello</h1>", "text/html"), RawBody('{"x": 1}'))
    async with httpx2.AsyncClient() as http:
        url = f"{fake_openai.base_url}/chat/completions"
        body = {"model": MODEL, "messages": USER, "stream": True}
        html, data = [await http.post(url, json=body) for _ in range(2)]

    assert (html.status_code, html.text) == (200, "<h1>hello</h1>")
    assert html.headers["content-type"].startswith("text/html")
    assert data.headers["content-type"].startswith("application/json") and data.json() == {"x": 1}


async def test_models_listing_and_unknown_route(fake_openai: FakeOpenAI) -> None:
    async with client_for(fake_openai) as client:
        models = [m.id async for m in client.models.list()]
    async with httpx2.AsyncClient() as http:
        missing = await http.post(f"{fake_openai.base_url}/nope", json={})

    assert models == ["fake-model"]
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    assert missing.json()["error"]["message"] == "Invalid URL (POST /v1/nope)"
    root = fake_openai.base_url.removesuffix("/v1")
    async with openai.AsyncOpenAI(base_url=root, api_key="test", max_retries=0) as bare:
        with pytest.raises(openai.NotFoundError, match="Invalid URL"):  # a base URL without /v1
            await bare.chat.completions.create(model=MODEL, messages=USER)


async def test_assert_all_consumed_lists_leftovers(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("first"), Fail(503))
    async with client_for(fake_openai) as client:
        await client.chat.completions.create(model=MODEL, messages=USER)

    with pytest.raises(AssertionError, match=r"1 scripted replies not consumed.*Fail\(status=503"):
        fake_openai.assert_all_consumed()
    with pytest.raises(TypeError):
        fake_openai.script("not a reply")  # type: ignore[arg-type]
