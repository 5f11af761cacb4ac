"""The LLM client against a real HTTP server speaking the OpenAI API."""

from __future__ import annotations

import json
import time

import pytest

from novabot.agents.tools import make_tool
from novabot.llm.client import LLM, LLMError
from tests.conftest import MODEL
from tests.fakes.openai_server import Call, Fail, FakeOpenAI, Slow, Text, ToolCalls


def client(fake: FakeOpenAI, **options: float) -> LLM:
    settings = {"timeout_s": 5.0, "max_retries": 0, "max_tool_rounds": 3} | options
    return LLM(base_url=fake.base_url, api_key="test", model=MODEL, **settings)  # type: ignore[arg-type]


USER = [{"role": "user", "content": "hi"}]


async def test_streams_text_and_counts_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("Bonjour tout le monde", prompt_tokens=7))
    deltas: list[str] = []

    async def on_text(delta: str) -> None:
        deltas.append(delta)

    llm = client(fake_openai)
    answer = await llm.answer(USER, on_text=on_text)
    await llm.close()
    assert answer.text == "Bonjour tout le monde"
    assert len(deltas) > 1 and "".join(deltas) == answer.text
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (7, 4)
    assert fake_openai.requests[0].body["stream"] is True


async def test_tool_call_loop_runs_tools_and_feeds_results_back(fake_openai: FakeOpenAI) -> None:
    seen: list[tuple[str, int]] = []

    async def add(a: int, b: int) -> int:
        """Add two numbers."""
        seen.append(("add", a + b))
        return a + b

    fake_openai.script(
        ToolCalls((Call("add", {"a": 2, "b": 3}, id="call_a"), Call("nope", {}, id="call_b"))),
        Text("The sum is 5."),
    )
    llm = client(fake_openai)
    answer = await llm.answer(USER, tools=[make_tool(add)])
    await llm.close()
    assert answer.text == "The sum is 5."
    assert (answer.rounds, answer.tool_calls) == (2, 2)
    assert seen == [("add", 5)]
    second = fake_openai.requests[1].body["messages"]
    results = {m["tool_call_id"]: m["content"] for m in second if m["role"] == "tool"}
    assert results["call_a"] == "5"
    assert "no tool named 'nope'" in results["call_b"]
    assert fake_openai.requests[0].body["tools"][0]["function"]["name"] == "add"


async def test_malformed_tool_arguments_go_back_to_the_model(fake_openai: FakeOpenAI) -> None:
    async def echo(text: str) -> str:
        """Echo."""
        return text

    fake_openai.script(ToolCalls((Call("echo", "{not json", id="c1"),)), Text("sorry"))
    llm = client(fake_openai)
    answer = await llm.answer(USER, tools=[make_tool(echo)])
    await llm.close()
    assert answer.text == "sorry"
    tool_message = fake_openai.requests[1].body["messages"][-1]
    assert tool_message["content"].startswith("error: invalid arguments for echo")


async def test_tool_rounds_are_capped(fake_openai: FakeOpenAI) -> None:
    async def again() -> str:
        """Ask again."""
        return "again"

    loop = ToolCalls((Call("again", {}),))
    fake_openai.script(loop, loop, Text("done at last"))
    llm = client(fake_openai, max_tool_rounds=2)
    answer = await llm.answer(USER, tools=[make_tool(again)])
    await llm.close()
    assert answer.text == "done at last"
    # The last round offers no tools, so the model has to answer in words.
    assert "tools" in fake_openai.requests[1].body
    assert "tools" not in fake_openai.requests[2].body


async def test_retries_429_honouring_retry_after_then_succeeds(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(429, retry_after=0.2), Fail(500), Text("finally"))
    llm = client(fake_openai, max_retries=2)
    answer = await llm.answer(USER)
    await llm.close()
    assert answer.text == "finally"
    stamps = [request.received_at for request in fake_openai.requests]
    assert len(stamps) == 3
    assert stamps[1] - stamps[0] >= 0.2


async def test_retries_exhausted_give_one_clear_line(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(503, message="overloaded"), Fail(503, message="overloaded"))
    llm = client(fake_openai, max_retries=1)
    with pytest.raises(LLMError) as failure:
        await llm.answer(USER)
    await llm.close()
    message = str(failure.value)
    assert fake_openai.base_url in message
    assert "HTTP 503 after 2 attempts" in message and "overloaded" in message
    assert "\n" not in message
    fake_openai.assert_all_consumed()


async def test_rate_limit_exhausted_says_so(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Fail(429, retry_after=0.01))
    with pytest.raises(LLMError, match="rate-limiting"):
        await client(fake_openai).answer(USER)


async def test_unreachable_endpoint_names_it_and_the_fix() -> None:
    llm = LLM(base_url="http://127.0.0.1:9/v1", api_key="x", model=MODEL, max_retries=0)
    with pytest.raises(LLMError) as failure:
        await llm.answer(USER)
    await llm.close()
    assert "cannot reach the LLM endpoint http://127.0.0.1:9/v1" in str(failure.value)
    assert "NOVA_LLM_BASE_URL" in str(failure.value)


async def test_slow_reply_times_out(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Slow(3, Text("too late")))
    llm = client(fake_openai, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"did not answer within 0\.3s"):
        await llm.answer(USER)
    await llm.close()
    assert time.monotonic() - started < 2


async def test_unknown_model_and_bad_key_are_explained() -> None:
    async with FakeOpenAI(models=(MODEL,), api_key="right") as fake:
        wrong_key = LLM(base_url=fake.base_url, api_key="wrong", model=MODEL, max_retries=0)
        with pytest.raises(LLMError, match="rejected the API key"):
            await wrong_key.answer(USER)
        await wrong_key.close()
        no_model = LLM(base_url=fake.base_url, api_key="right", model="gpt-9", max_retries=0)
        with pytest.raises(LLMError, match="does not serve the model 'gpt-9'; set NOVA_LLM_MODEL"):
            await no_model.answer(USER)
        await no_model.close()


async def test_card_model_and_temperature_are_sent(fake_openai: FakeOpenAI) -> None:
    async with FakeOpenAI(models=("other",)) as fake:
        llm = client(fake)
        await llm.answer(USER, model="other", temperature=0.2)
        await llm.close()
        body = fake.requests[0].body
    assert (body["model"], body["temperature"]) == ("other", 0.2)
    assert json.dumps(body["messages"]) == json.dumps(USER)


async def test_a_token_cap_stops_the_answer_where_it_is_spent(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(
        ToolCalls([Call("lookup", {"q": "x"})]),  # 2 tokens (its arguments) of the cap of 8
        Text("one two three four five six seven eight nine ten"),
    )
    calls: list[str] = []

    async def lookup(q: str) -> str:
        calls.append(q)
        return "found"

    llm = client(fake_openai)
    answer = await llm.answer(USER, tools=[make_tool(lookup)], max_tokens=8)
    await llm.close()
    assert answer.capped and calls == ["x"]
    assert answer.text == "one two three four five six"  # what the 6 tokens left allowed
    assert [r.body["max_tokens"] for r in fake_openai.requests] == [8, 6]


async def test_an_answer_within_its_cap_is_not_capped(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("short answer"))
    llm = client(fake_openai)
    answer = await llm.answer(USER, max_tokens=50)
    await llm.close()
    assert not answer.capped and answer.text == "short answer"
