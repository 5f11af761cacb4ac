"""What the LLM client does when the endpoint misbehaves: each fault is an LLMError whose
detail names the endpoint and whose public line names neither it nor what it sent."""

from __future__ import annotations

import pytest

from novabot.llm.client import LLM, LLMError
from novabot.llm.errors import (
    AnswerCutOffError,
    EmptyAnswerError,
    NotAStreamError,
    StreamCutError,
    ToolLoopError,
)
from tests.conftest import MODEL
from tests.fakes.openai_server import Call, Cut, Fail, FakeOpenAI, RawBody, Text, ToolCalls
from tests.llm.test_client import USER, client

COMPLETION = '{"id": "x", "object": "chat.completion", "choices": []}'
HTML = "<html><body><h1>Welcome to nginx!</h1></body></html>"


def assert_public(error: LLMError, fake: FakeOpenAI, *secrets: str) -> None:
    """The channel's line: one line, no address, nothing the endpoint sent."""
    assert error.public and "\n" not in error.public and "\n" not in error.detail
    for secret in (fake.base_url, f"127.0.0.1:{fake.port}", *secrets):
        assert secret not in error.public
    assert str(error) == error.detail


class Shown:
    def __init__(self) -> None:
        self.text = ""

    async def __call__(self, delta: str) -> None:
        self.text += delta


async def test_an_empty_answer_is_an_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text(""), Text("  \n"))
    llm = client(fake_openai)
    for _ in range(2):
        with pytest.raises(EmptyAnswerError) as failure:
            await llm.answer(USER)
        assert fake_openai.base_url in failure.value.detail
        assert "empty answer" in failure.value.public
        assert_public(failure.value, fake_openai)
    await llm.close()


@pytest.mark.parametrize(
    ("body", "content_type"), [(COMPLETION, "application/json"), (HTML, "text/html")]
)
async def test_a_body_that_is_not_a_stream_is_an_error(
    fake_openai: FakeOpenAI, body: str, content_type: str
) -> None:
    fake_openai.script(RawBody(body, content_type))
    llm = client(fake_openai)
    with pytest.raises(NotAStreamError) as failure:
        await llm.answer(USER)
    await llm.close()
    assert f"with {content_type}" in failure.value.detail
    assert "not an event stream" in failure.value.detail
    assert "NOVA_LLM_BASE_URL" in failure.value.public
    assert_public(failure.value, fake_openai, "nginx", "chat.completion")


async def test_a_model_that_never_stops_calling_tools_is_an_error(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.default = lambda _body: ToolCalls((Call("lookup", {"q": "again"}),))
    llm = client(fake_openai, max_tool_rounds=2)
    with pytest.raises(ToolLoopError) as failure:
        await llm.answer(USER)
    await llm.close()
    # Two rounds with tools, a third without: then it gives up instead of looping.
    assert len(fake_openai.requests) == 3
    assert "tools" not in fake_openai.requests[-1].body
    assert "after 3 rounds" in failure.value.detail
    assert "kept calling tools" in failure.value.public
    assert_public(failure.value, fake_openai)


async def test_a_stream_cut_before_any_text_is_asked_again(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Cut(Text("one two three four"), after=1), Text("whole answer"))
    shown = Shown()
    llm = client(fake_openai, max_retries=1)
    answer = await llm.answer(USER, on_text=shown)
    await llm.close()
    assert answer.text == shown.text == "whole answer"
    assert len(fake_openai.requests) == 2


async def test_a_cut_tool_call_is_asked_again(fake_openai: FakeOpenAI) -> None:
    """Tool-call fragments are never shown, so a stream cut among them is safe to redo."""
    fake_openai.script(
        Cut(ToolCalls((Call("lookup", {"q": "a long query string"}),)), after=2),
        Text("no tools after all"),
    )
    llm = client(fake_openai, max_retries=1)
    answer = await llm.answer(USER, on_text=Shown())
    await llm.close()
    assert answer.text == "no tools after all" and answer.tool_calls == 0


async def test_a_stream_that_keeps_breaking_says_so(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Cut(Text("a b c"), after=1), Cut(Text("a b c"), after=1))
    llm = client(fake_openai, max_retries=1)
    with pytest.raises(StreamCutError) as failure:
        await llm.answer(USER, on_text=Shown())
    await llm.close()
    assert not isinstance(failure.value, AnswerCutOffError)
    assert "dropped the connection mid-answer, 2 time(s)" in failure.value.detail
    assert "cannot reach" not in failure.value.detail
    assert_public(failure.value, fake_openai)
    fake_openai.assert_all_consumed()


async def test_a_stream_cut_after_text_was_shown_is_not_asked_again(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.script(Cut(Text("The first part and then the rest"), after=4))
    shown = Shown()
    llm = client(fake_openai, max_retries=3)
    with pytest.raises(AnswerCutOffError) as failure:
        await llm.answer(USER, on_text=shown)
    await llm.close()
    assert shown.text == "The first part "  # the role chunk, then three words
    assert len(fake_openai.requests) == 1
    assert failure.value.detail.startswith("the answer was cut off: the LLM endpoint")
    assert failure.value.public.startswith("The answer was cut off")
    assert_public(failure.value, fake_openai)


async def test_without_a_listener_a_cut_stream_is_asked_again(fake_openai: FakeOpenAI) -> None:
    """A pipeline step shows nothing while it streams: any cut is safe to redo."""
    fake_openai.script(Cut(Text("half of it and more"), after=3), Text("all of it"))
    llm = client(fake_openai, max_retries=1)
    assert (await llm.answer(USER)).text == "all of it"
    await llm.close()


async def test_a_base_url_without_v1_is_named(fake_openai: FakeOpenAI) -> None:
    root = fake_openai.base_url.removesuffix("/v1")
    llm = LLM(base_url=root, api_key="test", model=MODEL, max_retries=0)
    with pytest.raises(LLMError) as failure:
        await llm.answer(USER)
    await llm.close()
    detail = failure.value.detail
    assert f"{root} answered 404 Not Found" in detail
    assert f"does NOT end in /v1; try {root}/v1" in detail
    assert "does not serve the model" not in detail
    assert "NOVA_LLM_BASE_URL should end in /v1" in failure.value.public
    assert_public(failure.value, fake_openai)


async def test_an_unknown_model_is_still_a_model_problem(fake_openai: FakeOpenAI) -> None:
    """A 404 that names the model is about the model, with or without /v1."""
    root = fake_openai.base_url.removesuffix("/v1")
    for base_url in (fake_openai.base_url, root + "/v1/"):
        llm = LLM(base_url=base_url, api_key="test", model="gpt-9", max_retries=0)
        with pytest.raises(LLMError) as failure:
            await llm.answer(USER)
        await llm.close()
        assert "does not serve the model 'gpt-9'" in failure.value.detail
        assert "'gpt-9' is not available" in failure.value.public
        assert_public(failure.value, fake_openai, "does not exist")


@pytest.mark.parametrize(
    ("reply", "public"),
    [
        (Fail(503, message="upstream pool exhausted at 10.1.2.3"), "failed (HTTP 503)"),
        (Fail(429, message="quota of org-secret spent", retry_after=0.01), "rate-limiting"),
        (Fail(400, message="prompt contains forbidden words"), "failed (HTTP 400)"),
    ],
)
async def test_http_failures_keep_the_upstream_body_out_of_the_public_line(
    fake_openai: FakeOpenAI, reply: Fail, public: str
) -> None:
    fake_openai.script(reply)
    llm = client(fake_openai)
    with pytest.raises(LLMError) as failure:
        await llm.answer(USER)
    await llm.close()
    assert public in failure.value.public
    assert_public(failure.value, fake_openai, reply.message)


async def test_an_unreachable_endpoint_keeps_its_address_out_of_the_public_line() -> None:
    llm = LLM(base_url="http://127.0.0.1:9/v1", api_key="x", model=MODEL, max_retries=0)
    with pytest.raises(LLMError) as failure:
        await llm.answer(USER)
    await llm.close()
    assert "http://127.0.0.1:9/v1" in failure.value.detail
    assert "127.0.0.1" not in failure.value.public
    assert failure.value.public.startswith("Nova cannot reach its language model")
