"""Compaction end to end: a long conversation in a real store file, one more message through
the bot, and a fake OpenAI server that answers the compactor and the agent over HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from novabot.agents.history import SUMMARY_PREFIX, lay_out, message_cost, split_history
from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.bot import Status
from novabot.core.message import ConversationKey, Message
from novabot.llm.client import ChatMessage, estimate_tokens_of
from novabot.projects.compaction import chunks, read_reply
from novabot.store import StoredMessage
from tests.conftest import MODEL
from tests.fakes.openai_server import Fail, FakeOpenAI, Text
from tests.fakes.openai_wire import JSON, Reply, user_text
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1", None)
BUDGET = 1_000
COMPACTOR_PROMPT = "You keep the running summary of a long conversation"
DECISION = (
    'KNOWLEDGE:\n[{"kind": "decision", "title": "Orders ship on Friday",'
    ' "body": "Agreed in the conversation: all orders ship on Friday."}]'
)


def is_compaction(body: JSON) -> bool:
    first = (body.get("messages") or [{}])[0]
    return str(first.get("content", "")).startswith(COMPACTOR_PROMPT)


class Replies:
    """Answers the compactor with a numbered summary (and a proposal), anyone else by echo."""

    def __init__(self) -> None:
        self.summaries = 0

    def __call__(self, body: JSON) -> Reply:
        if is_compaction(body):
            self.summaries += 1
            tail = f"\n{DECISION}" if "KNOWLEDGE:" in user_text(body) else ""
            return Text(f"Summary {self.summaries}: Ada tracks orders ORD-0 onwards.{tail}")
        return Text("echo: " + user_text(body))


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
async def fake_openai(replies: Replies) -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL,), default=replies) as fake:
        yield fake


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with started_app(settings.replaced(history_token_budget=BUDGET)) as started:
        yield started


async def add_turns(app: App, first: int, count: int, key: ConversationKey = KEY) -> list[int]:
    ids = []
    for n in range(first, first + count):
        text = f"turn {n}: please note that order ORD-{n} costs {n} euros"
        ids.append(await app.store.add_message(key, "user", text, user_id="U1", user_name="ada"))
        ids.append(await app.store.add_message(key, "assistant", f"Noted ORD-{n}.", agent="chat"))
    return ids


async def ask(app: App, text: str, key: ConversationKey = KEY) -> Status:
    message = Message(key, f"@chat {text}", user_id="U1", user_name="ada")
    return (await app.bot.handle(message, RecordingResponder())).status


def compactions(fake: FakeOpenAI) -> int:
    return sum(is_compaction(request.body) for request in fake.requests)


def history_part(fake: FakeOpenAI) -> list[ChatMessage]:
    """What the agent's last prompt carried between its own system prompt and the message."""
    sent: list[ChatMessage] = fake.requests[-1].body["messages"]
    assert not is_compaction(fake.requests[-1].body)
    return sent[1:-1]


async def test_a_long_conversation_is_summarised_and_its_latest_turns_kept(
    app: App, fake_openai: FakeOpenAI
) -> None:
    ids = await add_turns(app, 0, 300)
    assert await ask(app, "what does ORD-5 cost?") is Status.ANSWERED
    history = history_part(fake_openai)
    assert estimate_tokens_of(history) <= BUDGET
    head, verbatim = history[0], history[1:]
    assert head["role"] == "system" and head["content"].startswith(SUMMARY_PREFIX)
    assert "Ada tracks orders" in head["content"]
    assert verbatim[-2:] == [
        {"role": "user", "content": "turn 299: please note that order ORD-299 costs 299 euros"},
        {"role": "assistant", "content": "Noted ORD-299."},
    ]
    assert len(verbatim) > 20  # most of the budget still goes to the turns themselves
    stored = await app.store.history(KEY, limit=10_000)
    assert len(stored) == 602  # nothing deleted: 600 turns, the question and its answer
    summary = await app.store.summary(KEY)
    assert summary is not None
    first_verbatim = next(m for m in stored if m.content == verbatim[0]["content"])
    assert (summary.first_message_id, summary.last_message_id) == (ids[0], first_verbatim.id - 1)
    # The backlog before the loaded window took more than one call, each folding the last.
    assert compactions(fake_openai) >= 2
    assert "Summary 1:" in str(fake_openai.requests[1].body["messages"][1]["content"])
    usage = {row.agent: row for row in await app.store.usage(KEY)}
    assert usage["compactor"].calls == compactions(fake_openai)
    assert usage["chat"].calls == 1


async def test_compaction_waits_for_a_batch_of_new_turns(app: App, fake_openai: FakeOpenAI) -> None:
    await add_turns(app, 0, 300)
    await ask(app, "what does ORD-5 cost?")
    calls = compactions(fake_openai)
    first = await app.store.summary(KEY)
    await ask(app, "and ORD-6?")
    assert compactions(fake_openai) == calls  # one more turn: no new summary call
    assert await app.store.summary(KEY) == first
    assert history_part(fake_openai)[0]["content"].startswith(SUMMARY_PREFIX)
    await add_turns(app, 300, 15)  # these still fit beside the (short) summary
    await ask(app, "and ORD-310?")
    assert compactions(fake_openai) == calls
    await add_turns(app, 315, 25)  # now a batch of them has overflowed
    await ask(app, "and ORD-330?")
    assert compactions(fake_openai) == calls + 1
    later = await app.store.summary(KEY)
    assert first is not None and later is not None
    assert later.first_message_id == first.first_message_id
    assert later.last_message_id > first.last_message_id
    previous = str(fake_openai.requests[-2].body["messages"][1]["content"])
    assert first.text in previous  # the new summary folds the old one in
    assert estimate_tokens_of(history_part(fake_openai)) <= BUDGET


async def test_a_failing_compaction_drops_the_oldest_turns_and_still_answers(
    app: App, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    await add_turns(app, 0, 300)
    fake_openai.script(Fail(500, "the model is down"))
    with caplog.at_level(logging.WARNING):
        assert await ask(app, "what does ORD-5 cost?") is Status.ANSWERED
    assert "could not compact test:C1" in caplog.text
    assert is_compaction(fake_openai.requests[0].body)
    history = history_part(fake_openai)
    assert all(m["role"] != "system" for m in history)
    assert estimate_tokens_of(history) <= BUDGET
    assert history[-1] == {"role": "assistant", "content": "Noted ORD-299."}
    assert await app.store.summary(KEY) is None
    assert [row.agent for row in await app.store.usage(KEY)] == ["chat"]


async def test_a_project_conversation_proposes_knowledge(app: App, fake_openai: FakeOpenAI) -> None:
    await app.store.create_project("shop", title="The online shop")
    await app.store.bind_project("test", "C1", "shop")
    await add_turns(app, 0, 300)
    await ask(app, "what does ORD-5 cost?")
    [item] = await app.store.knowledge_items("shop")
    assert (item.kind, item.title, item.status) == ("decision", "Orders ship on Friday", "proposed")
    assert item.source == "compaction of test:C1"
    summary = await app.store.summary(KEY)
    assert summary is not None and "KNOWLEDGE" not in summary.text
    assert "KNOWLEDGE" not in history_part(fake_openai)[0]["content"]


async def test_a_conversation_without_a_project_is_not_asked_for_knowledge(
    app: App, fake_openai: FakeOpenAI
) -> None:
    await add_turns(app, 0, 300)
    await ask(app, "what does ORD-5 cost?")
    asked = [r for r in fake_openai.requests if is_compaction(r.body)]
    assert asked and not any("KNOWLEDGE:" in user_text(r.body) for r in asked)


# -- the step logic, without a server ----------------------------------------------------


def stored(n: int, text: str = "x" * 36) -> StoredMessage:
    role = "user" if n % 2 else "assistant"
    return StoredMessage(n, role, text, None, None, None, None, datetime.now(UTC))


def test_turns_that_fit_are_kept_and_the_rest_overflow_oldest_first() -> None:
    messages = [stored(n) for n in range(1, 11)]  # 13 tokens each
    split = split_history(messages, 40)
    assert [m.id for m in split.tail] == [8, 9, 10]
    assert [m.id for m in split.overflow] == list(range(1, 8))
    assert split_history(messages, 1_000).overflow == []


def test_a_summary_covers_its_turns_and_takes_at_most_its_share() -> None:
    messages = [stored(n) for n in range(1, 11)]
    prompt, split = lay_out(messages, 90, summary="y" * 400, after_id=4)
    assert prompt[0]["content"].startswith(SUMMARY_PREFIX) and prompt[0]["content"].endswith("…")
    assert message_cost(prompt[0]["content"]) <= 30
    assert [m.id for m in split.overflow] == [5, 6, 7, 8, 9, 10][: len(split.overflow)]
    assert split.tail[-1].id == 10 and all(m.id > 4 for m in split.tail)
    assert estimate_tokens_of(prompt) <= 90


def test_chunks_stay_within_their_limit() -> None:
    runs = chunks([stored(n) for n in range(1, 11)], 40)
    assert [[m.id for m in run] for run in runs] == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]


@pytest.mark.parametrize(
    ("reply", "summary", "titles"),
    [
        ("Plain summary.", "Plain summary.", []),
        (f"The summary.\n{DECISION}", "The summary.", ["Orders ship on Friday"]),
        ("The summary.\n**KNOWLEDGE:**\n```json\n[]\n```", "The summary.", []),
        ("The summary.\nKNOWLEDGE: none that I can see", "The summary.", []),
        (
            'S.\nKNOWLEDGE:\n[{"kind": "rumour", "title": "t", "body": "b"},'
            ' {"kind": "problem", "title": "VAT rounding", "body": "Off by a cent."}, 7]',
            "S.",
            ["VAT rounding"],
        ),
    ],
)
def test_the_reply_is_read_whatever_the_model_did_with_the_format(
    reply: str, summary: str, titles: list[str]
) -> None:
    text, proposals = read_reply(reply)
    assert text == summary
    assert [p.title for p in proposals] == titles
