"""`POST /v1/chat/completions` through the official openai client: routed and named
agents, plain and streamed answers, kept and stateless conversations, all on the bot's
one path (so they are in Nova's history like any chat message)."""

from __future__ import annotations

import asyncio

import pytest

from novabot.core.message import ConversationKey
from tests.api.conftest import SHARED, RunningApi
from tests.fakes.openai_server import Text

pytestmark = SHARED


@pytest.fixture
def api(running_api: RunningApi) -> RunningApi:
    running_api.fake.assert_all_consumed()  # what an earlier test scripted is not ours
    return running_api


async def test_a_routed_answer_names_its_agent_and_rule(api: RunningApi) -> None:
    key = await api.add_key("routed")
    api.fake.script(Text("Bonjour tout le monde", prompt_tokens=42))

    def ask() -> object:
        return api.client(key).chat.completions.with_raw_response.create(
            model="nova",
            messages=[{"role": "user", "content": "translate 'hello everyone' into French"}],
        )

    raw = await asyncio.to_thread(ask)
    completion = raw.parse()  # type: ignore[attr-defined]
    assert completion.choices[0].message.content == "Bonjour tout le monde"
    assert completion.object == "chat.completion" and completion.model == "nova"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens == 42 and completion.usage.completion_tokens == 4
    assert completion.usage.total_tokens == 46
    assert raw.headers["X-Nova-Agent"] == "translator"  # type: ignore[attr-defined]
    assert raw.headers["X-Nova-Route"] == "semantic"  # type: ignore[attr-defined]
    sent = api.fake.requests[-1].body
    assert "translator" in sent["messages"][0]["content"]  # the agent's own prompt


async def test_a_named_agent_answers_with_the_explicit_rule(api: RunningApi) -> None:
    key = await api.add_key("named")
    client = api.aclient(key)
    raw = await client.chat.completions.with_raw_response.create(
        model="summarizer", messages=[{"role": "user", "content": "hello there"}]
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "echo: hello there"
    assert (raw.headers["X-Nova-Agent"], raw.headers["X-Nova-Route"]) == ("summarizer", "explicit")


async def test_a_stream_sends_chunks_then_usage_then_done(api: RunningApi) -> None:
    key = await api.add_key("streamer")
    words = " ".join(f"w{n}" for n in range(12))
    api.fake.script(Text(words, prompt_tokens=7))
    client = api.aclient(key)
    async with client.chat.completions.with_streaming_response.create(
        model="chat",
        messages=[{"role": "user", "content": "say some words"}],
        stream=True,
        stream_options={"include_usage": True},
    ) as response:
        assert response.headers["X-Nova-Agent"] == "chat"
        assert response.headers["X-Nova-Route"] == "explicit"
        assert response.headers["Content-Type"].startswith("text/event-stream")
        lines = [line async for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    stream = await client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": "again"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: again"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 2
    first = "".join(line.removeprefix("data: ") for line in lines[1:-2])
    assert all(f'"w{n}' in first or f"w{n}" in first for n in range(12))


async def test_a_stream_without_usage_asked_sends_none(api: RunningApi) -> None:
    key = await api.add_key("plain-streamer")
    stream = await api.aclient(key).chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert all(chunk.usage is None and chunk.choices for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: hi"


async def test_a_kept_conversation_needs_only_the_new_message(api: RunningApi) -> None:
    key = await api.add_key("kept")
    client = api.aclient(key, default_headers={"X-Nova-Conversation": "visitor-7"})
    api.fake.script(Text("Noted: your order is 1234."))
    await client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "my order number is 1234"}]
    )
    raw = await client.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "what was my order number?"}]
    )
    assert raw.headers["X-Nova-Conversation"] == "visitor-7"
    sent = [m["content"] for m in api.fake.requests[-1].body["messages"][1:]]
    assert sent == [
        "my order number is 1234",
        "Noted: your order is 1234.",
        "what was my order number?",
    ]
    stored = await api.app.store.history(ConversationKey("api", "kept", "visitor-7"))
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert stored[-1].content == "echo: what was my order number?"


async def test_the_user_field_keeps_a_conversation_too(api: RunningApi) -> None:
    key = await api.add_key("by-user")
    client = api.aclient(key)
    for text in ("first", "second"):
        await client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": text}], user="u-1"
        )
    assert [m["content"] for m in api.fake.requests[-1].body["messages"][1:]] == [
        "first",
        "echo: first",
        "second",
    ]


async def test_a_stateless_request_brings_its_own_history(api: RunningApi) -> None:
    key = await api.add_key("stateless")
    client = api.aclient(key)
    history = [
        {"role": "system", "content": "you are a pirate"},
        {"role": "user", "content": "my name is Ada"},
        {"role": "assistant", "content": "Hello Ada"},
        {"role": "user", "content": [{"type": "text", "text": "what is my name?"}]},
    ]
    completion = await client.chat.completions.create(model="chat", messages=history)  # type: ignore[arg-type]
    sent = api.fake.requests[-1].body["messages"]
    assert [m["content"] for m in sent[1:]] == ["my name is Ada", "Hello Ada", "what is my name?"]
    assert "pirate" not in sent[0]["content"]  # the agent's prompt is Nova's own
    # Alone: the next stateless request does not see this one.
    await client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "and now?"}]
    )
    assert [m["content"] for m in api.fake.requests[-1].body["messages"][1:]] == ["and now?"]
    # Recorded all the same, in a conversation named after the completion.
    stored = await api.app.store.history(ConversationKey("api", "stateless", completion.id))
    assert [m.content for m in stored][-2:] == ["what is my name?", "echo: what is my name?"]


async def test_models_lists_what_the_key_may_use(api: RunningApi) -> None:
    everything = await api.aclient(await api.add_key("all-models")).models.list()
    names = [model.id for model in everything.data]
    assert names[0] == "nova" and {"chat", "translator", "summarizer"} <= set(names)
    assert "pipeline" not in names and "planner" not in names  # internal agents
    limited = await api.add_key("two-models", models=("chat", "summarizer"))
    listed = await api.aclient(limited).models.list()
    assert [model.id for model in listed.data] == ["chat", "summarizer"]
    assert all(model.owned_by == "nova" for model in listed.data)
