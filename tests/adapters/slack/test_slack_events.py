"""Slack events over signed HTTP to Nova's real bolt endpoint; answers via a fake Web API."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging

import pytest

from novabot.adapters.chunking import fences_balanced
from novabot.adapters.slack.events import archive_link
from novabot.core.message import ConversationKey
from tests.adapters.slack.conftest import RunningSlack, StartSlack
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import event_body, signed_headers
from tests.helpers import eventually

MENTION = {
    "type": "app_mention",
    "user": "U1",
    "text": "<@UBOT> translate 'good morning' into French",
    "ts": "100.000001",
    "channel": "C1",
    "event_ts": "100.000001",
}


def final_texts(slack: RunningSlack, channel: str, thread_ts: str | None) -> list[str]:
    return [m["text"] for m in slack.replies(channel, thread_ts)]


async def a_later_mention_is_answered(slack: RunningSlack, ts: str, event_id: str) -> None:
    """Proof that an event left alone before was handled, not lost: the endpoint still
    answers the next one (the fake model echoes it) in that message's own thread."""
    later = MENTION | {"text": "<@UBOT> hello", "ts": ts, "event_ts": ts}
    assert await slack.event(later, event_id=event_id) == 200
    await eventually(lambda: final_texts(slack, "C1", ts) == ["echo: hello"])


async def test_mention_is_answered_in_its_thread(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("**Bonjour** !"))
    assert await slack.event(MENTION) == 200
    texts = await eventually(lambda: final_texts(slack, "C1", "100.000001") == ["*Bonjour* !"])
    assert texts
    assert fake_openai.last_user_text() == "translate 'good morning' into French"
    placeholder = slack.fake.calls_to("chat.postMessage")[0].args
    assert (
        placeholder["thread_ts"] == "100.000001" and "translator is thinking" in placeholder["text"]
    )
    decision = await slack.bot.store.last_decision(ConversationKey("slack", "C1", "100.000001"))
    assert decision is not None and decision.agent == "translator"


async def test_bad_or_stale_signature_gets_401_and_no_answer(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    raw = json.dumps(event_body(MENTION))
    forged = signed_headers(raw, "not-the-secret")
    stale = signed_headers(raw, "signing-secret", timestamp=1_000_000_000)
    assert (await slack.post(raw, forged))[0] == 401
    assert (await slack.post(raw, stale))[0] == 401
    await a_later_mention_is_answered(slack, "100.000002", "Ev2")
    assert [m["thread_ts"] for m in slack.fake.messages["C1"]] == ["100.000002"]
    assert [r.body["messages"][-1]["content"] for r in fake_openai.requests] == ["hello"]


async def test_a_retried_event_is_answered_once(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    await slack.event(MENTION)
    await eventually(lambda: final_texts(slack, "C1", "100.000001"))
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.event(MENTION, **retry) == 200
    await a_later_mention_is_answered(slack, "100.000002", "Ev2")
    assert len(fake_openai.requests) == 2
    assert len(final_texts(slack, "C1", "100.000001")) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_a_restart_between_deliveries_still_answers_once(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    first = await start_slack()
    await first.event(MENTION)
    await eventually(lambda: final_texts(first, "C1", "100.000001"))
    await first.stop()
    second = await start_slack()
    assert await second.event(MENTION, **{"X-Slack-Retry-Num": "1"}) == 200
    await a_later_mention_is_answered(second, "100.000002", "Ev2")
    assert len(fake_openai.requests) == 2
    assert len(final_texts(second, "C1", "100.000001")) == 1


async def test_follow_up_in_the_thread_needs_no_mention_and_keeps_the_agent(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour"), Text("Buenos días"))
    await slack.event(MENTION)
    await eventually(lambda: final_texts(slack, "C1", "100.000001") == ["Bonjour"])
    # The answer is stored just after its last edit, and only then does Nova follow the
    # thread: a follow-up sent in between would rightly be left alone.
    key = ConversationKey("slack", "C1", "100.000001")
    for _ in range(250):
        if await slack.bot.follows(key):
            break
        await asyncio.sleep(0.02)
    follow_up = {
        "type": "message",
        "channel_type": "channel",
        "user": "U1",
        "text": "and into Spanish?",
        "ts": "101.000001",
        "thread_ts": "100.000001",
        "channel": "C1",
    }
    await slack.event(follow_up, event_id="Ev2")
    await eventually(lambda: "Buenos días" in final_texts(slack, "C1", "100.000001"))
    system_prompt = fake_openai.requests[1].body["messages"][0]["content"]
    assert system_prompt.startswith("You are a careful translator.")


async def test_messages_nova_is_not_part_of_are_left_alone(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    base = {"type": "message", "channel_type": "channel", "channel": "C1", "user": "U1"}
    unrelated_thread = base | {"text": "lunch?", "ts": "200.1", "thread_ts": "199.1"}
    plain = base | {"text": "hello all", "ts": "200.2"}
    from_a_bot = base | {"text": "beep", "ts": "200.3", "bot_id": "B9", "subtype": "bot_message"}
    own = base | {"text": "I am Nova", "ts": "200.4", "user": "UBOT", "bot_id": "BBOT"}
    edited = base | {"subtype": "message_changed", "ts": "200.5", "message": {"text": "x"}}
    deleted = base | {"subtype": "message_deleted", "ts": "200.6", "deleted_ts": "200.2"}
    for n, event in enumerate([unrelated_thread, plain, from_a_bot, own, edited, deleted]):
        assert await slack.event(event, event_id=f"Ev{n + 10}") == 200
    await a_later_mention_is_answered(slack, "201.1", "Ev99")
    assert [r.body["messages"][-1]["content"] for r in fake_openai.requests] == ["hello"]
    assert {call.args["thread_ts"] for call in slack.fake.calls_to("chat.postMessage")} == {"201.1"}


async def test_direct_message_is_answered_inline(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Hi Ada!"))
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "text": "hello",
        "ts": "300.1",
    }
    await slack.event(dm)
    await eventually(lambda: final_texts(slack, "D1", None) == ["Hi Ada!"])


async def test_a_bound_channel_answers_every_message(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    await slack.bot.store.bind_channel("slack", "C7", "proofreader")
    fake_openai.script(Text("They're going home."))
    message = {
        "type": "message",
        "channel_type": "channel",
        "channel": "C7",
        "user": "U1",
        "text": "their going home",
        "ts": "400.1",
    }
    await slack.event(message)
    await eventually(lambda: final_texts(slack, "C7", "400.1") == ["They're going home."])


async def test_broadcasts_written_by_the_model_do_not_ping(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Hey <!channel> and <!here|here> and <!subteam^S1|@devs>, @everyone!"))
    await slack.event(MENTION)
    [text] = await eventually(lambda: final_texts(slack, "C1", "100.000001"))
    assert "<!" not in text
    assert all("<!" not in call.args.get("text", "") for call in slack.fake.calls)


async def test_a_long_answer_is_split_with_code_fences_intact(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    code = "```python\n" + "\n".join(f"print({n})  # line {n}" for n in range(150)) + "\n```"
    prose = "\n\n".join(f"Paragraph {n}. " + "words " * 80 for n in range(12))
    fake_openai.script(Text(f"{prose}\n\n{code}\n\n{prose}"))
    await slack.event(MENTION)
    await eventually(lambda: len(final_texts(slack, "C1", "100.000001")) >= 3, within=10)
    await asyncio.sleep(0.3)
    texts = final_texts(slack, "C1", "100.000001")
    assert all(len(text) <= 3900 for text in texts)
    assert all(fences_balanced(text) for text in texts)
    assert "print(149)" in "".join(texts) and "Paragraph 11." in texts[-1]


async def test_streaming_edits_are_throttled(slack: RunningSlack, fake_openai: FakeOpenAI) -> None:
    words = " ".join(f"word{n}" for n in range(40))
    fake_openai.script(Text(words, chunk_delay_s=0.04))  # about 1.6 s of streaming
    await slack.event(MENTION)
    await eventually(lambda: final_texts(slack, "C1", "100.000001") == [words], within=10)
    updates = slack.fake.calls_to("chat.update")
    assert 2 <= len(updates) <= 1.6 / 0.2 + 3
    # Progress edits keep the interval; only the final edit may follow the last one at once.
    # The interval runs from when an edit is sent; the fake sees when it arrives, so one slow
    # request (a new connection) shortens the next gap: the mean must keep the interval.
    gaps = [b.at - a.at for a, b in itertools.pairwise(updates[:-1])]
    assert sum(gaps) / len(gaps) >= 0.15 and min(gaps) >= 0.05, gaps


async def test_rate_limited_edits_are_dropped_but_the_final_text_arrives(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    words = " ".join(f"word{n}" for n in range(30))
    fake_openai.script(Text(words, chunk_delay_s=0.03))
    slack.fake.fail_next("chat.update", status=429, retry_after=1, times=2)
    await slack.event(MENTION)
    await eventually(lambda: final_texts(slack, "C1", "100.000001") == [words], within=10)


async def test_web_api_errors_are_logged_and_the_bot_keeps_going(
    slack: RunningSlack, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.fail_next("chat.postMessage", error="channel_not_found", times=3)
    with caplog.at_level(logging.WARNING):
        await slack.event(MENTION)
        await eventually(lambda: "channel_not_found" in caplog.text)
    assert "C1" in caplog.text
    fake_openai.script(Text("second try works"))
    await slack.event(MENTION | {"ts": "100.000002", "event_ts": "100.000002"}, event_id="Ev2")
    await eventually(lambda: final_texts(slack, "C1", "100.000002") == ["second try works"])


def test_a_message_links_back_to_itself() -> None:
    assert archive_link("C1", "100.000001", None) == "https://slack.com/archives/C1/p100000001"
    assert archive_link("C1", "100.000002", "100.000001") == (
        "https://slack.com/archives/C1/p100000002?thread_ts=100.000001&cid=C1"
    )
