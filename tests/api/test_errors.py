"""Bad requests get OpenAI-style errors, which the openai client raises as its usual
exception types: 401, 403, 400 naming the field, 413, 404, 429 with Retry-After, and a
failing language model as a server error (also mid-stream)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import openai
import pytest

from novabot.api.chat_request import MAX_BODY
from tests.api.conftest import SHARED, RunningApi
from tests.fakes.openai_server import Cut, Fail, Text

pytestmark = SHARED
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
def api(running_api: RunningApi) -> RunningApi:
    running_api.fake.assert_all_consumed()
    return running_api


async def post(api: RunningApi, key: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}/chat/completions", data=body, headers=headers) as r,
    ):
        return r.status, await r.json()


def error_of(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.body
    assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}, body
    return body


async def test_a_missing_or_unknown_key_is_401(api: RunningApi) -> None:
    status, body = await post(api, None, json.dumps({"model": "nova", "messages": HELLO}).encode())
    assert status == 401 and body["error"]["code"] == "invalid_api_key"
    assert "Authorization: Bearer" in body["error"]["message"]
    with pytest.raises(openai.AuthenticationError) as caught:
        await api.aclient("nova_not-a-key").chat.completions.create(model="nova", messages=HELLO)  # type: ignore[arg-type]
    assert error_of(caught.value)["code"] == "invalid_api_key"


async def test_a_revoked_key_is_401_at_once(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("soon-revoked"))
    assert (await client.models.list()).data
    assert await api.app.store.revoke_api_key("soon-revoked")
    with pytest.raises(openai.AuthenticationError):
        await client.models.list()


async def test_an_agent_outside_the_keys_list_is_403(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("chat-only", models=("chat",)))
    requests_before = len(api.fake.requests)
    for model in ("translator", "nova"):
        with pytest.raises(openai.PermissionDeniedError) as caught:
            await client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
        error = error_of(caught.value)
        assert (error["param"], error["code"]) == ("model", "model_not_allowed")
        assert "it may use: chat" in error["message"]
    assert len(api.fake.requests) == requests_before  # nothing reached the model


async def test_malformed_json_and_missing_fields_are_400_naming_the_field(
    api: RunningApi,
) -> None:
    key = await api.add_key("sloppy")
    requests_before = len(api.fake.requests)
    status, body = await post(api, key, b'{"model": "nova", "messages": [')
    assert status == 400 and "could not parse the JSON" in body["error"]["message"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"model": "nova"}, "messages"),
        ({"model": "nova", "messages": []}, "messages"),
        ({"messages": HELLO}, "model"),
        ({"model": "nova", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"model": "nova", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"model": "nova", "messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
    ]
    for request, field in cases:
        status, body = await post(api, key, json.dumps(request).encode())
        assert (status, body["error"]["param"]) == (400, field), request
        assert body["error"]["type"] == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as caught:
        await api.aclient(key).chat.completions.create(model="nova", messages=[])
    assert error_of(caught.value)["param"] == "messages"
    assert len(api.fake.requests) == requests_before


async def test_a_body_over_one_mebibyte_is_413(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("verbose"))
    huge = [{"role": "user", "content": "x" * MAX_BODY}]
    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(model="chat", messages=huge)  # type: ignore[arg-type]
    assert caught.value.status_code == 413
    assert error_of(caught.value)["code"] == "request_too_large"
    fits = [{"role": "user", "content": "y" * (MAX_BODY // 2)}]  # the fake takes up to 1 MiB
    api.fake.script(Text("long read"))
    answer = await client.chat.completions.create(model="chat", messages=fits)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "long read"


async def test_an_unknown_model_is_404(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("lost"))
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="gpt-5", messages=HELLO)  # type: ignore[arg-type]
    error = error_of(caught.value)
    assert (error["param"], error["code"]) == ("model", "model_not_found")


async def test_past_the_rate_limit_is_429_with_retry_after(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("hasty", rate="2/min"))
    for _ in range(2):
        await client.models.list()
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="chat", messages=HELLO)  # type: ignore[arg-type]
    retry_after = int(caught.value.response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert error_of(caught.value)["code"] == "rate_limit_exceeded"
    # Another key is not held back by this one's limit.
    await api.aclient(await api.add_key("patient")).models.list()


async def test_a_failing_model_is_a_server_error_plain_or_mid_stream(api: RunningApi) -> None:
    client = api.aclient(await api.add_key("unlucky"))
    api.fake.script(Fail(500, "upstream exploded"))
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(model="chat", messages=HELLO)  # type: ignore[arg-type]
    assert caught.value.status_code == 502
    assert "upstream exploded" not in caught.value.message  # the endpoint's words stay in
    api.fake.script(Cut(Text("one two three four five six"), after=2))
    stream = await client.chat.completions.create(model="chat", messages=HELLO, stream=True)  # type: ignore[arg-type]
    seen: list[str] = []
    with pytest.raises(openai.APIError) as cut:
        async for chunk in stream:
            seen.append(chunk.choices[0].delta.content or "")
    assert "".join(seen).startswith("one") and "cut off" in cut.value.message
