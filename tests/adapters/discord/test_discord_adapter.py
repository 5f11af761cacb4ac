"""Nova on Discord, driven through the real discord.py client against a fake Discord."""

from __future__ import annotations

import asyncio
import logging

import pytest

from novabot.adapters.chunking import fences_balanced
from novabot.core.message import ConversationKey
from tests.adapters.discord.conftest import (
    ALICE,
    CHANNEL,
    DM,
    GUILD,
    NOVA_ID,
    ROBOT,
    RunningDiscord,
    StartDiscord,
)
from tests.fakes.discord_gateway import interaction_create
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

ALICE_ADMIN = frozenset({("discord", ALICE["id"])})
"""`bind` is for admins: the slash commands here come from Alice."""

MESSAGES = rf"/channels/{CHANNEL}/messages"
FOLLOW_UPS = rf"/webhooks/{NOVA_ID}/[^/]+"
CALLBACKS = r"/interactions/\d+/.+/callback"
EPHEMERAL = 64
BOUND = "This channel now goes to summarizer unless a message names another agent."
UNBOUND = "This channel has no default agent now."


def contents(messages: list[dict]) -> list[str]:
    return [m["content"] for m in messages]


async def a_later_mention_is_answered(nova: RunningDiscord, *, answers_before: int = 0) -> None:
    """Proof that a message left alone before was handled, not lost: the same gateway
    connection still delivers the next one, and Nova answers it (the fake model echoes)."""
    await nova.say("hello", mention=True)
    await eventually(lambda: contents(nova.sent())[answers_before:] == ["echo: hello"])


async def test_mention_is_answered_with_a_reply_through_the_model(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour !"))
    asked = await nova_discord.say("translate 'good morning' into French", mention=True)
    await eventually(lambda: contents(nova_discord.sent()) == ["Bonjour !"])
    assert fake_openai.last_user_text() == "translate 'good morning' into French"
    [first, *_] = nova_discord.fake.requests_to("POST", MESSAGES)
    assert int(first.json["message_reference"]["message_id"]) == asked
    assert first.json["allowed_mentions"]["parse"] == []
    decision = await nova_discord.bot.store.last_decision(ConversationKey("discord", str(CHANNEL)))
    assert decision is not None and decision.agent == "translator"


async def test_streaming_edits_are_throttled(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    words = " ".join(f"word{n}" for n in range(40))
    fake_openai.script(Text(words, chunk_delay_s=0.04))
    await nova_discord.say("hello", mention=True)
    await eventually(lambda: contents(nova_discord.sent()) == [words], within=10)
    edits = nova_discord.fake.requests_to("PATCH", rf"{MESSAGES}/\d+")
    assert 2 <= len(edits) <= 1.6 / 0.2 + 3


async def test_a_long_answer_is_split_at_2000_with_fences_intact(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    code = "```python\n" + "\n".join(f"print({n})  # line {n}" for n in range(120)) + "\n```"
    prose = "\n\n".join(f"Paragraph {n}. " + "words " * 60 for n in range(6))
    answer = f"{prose}\n\n{code}\n\n{prose}"
    assert len(answer) >= 5000
    fake_openai.script(Text(answer))
    await nova_discord.say("hello", mention=True)
    await eventually(lambda: len(nova_discord.sent()) >= 3, within=10)
    await asyncio.sleep(0.3)
    texts = contents(nova_discord.sent())
    assert all(len(text) <= 2000 for text in texts) and all(map(fences_balanced, texts))
    assert "print(119)" in "".join(texts) and texts[-1].startswith("Paragraph")


async def test_model_written_mentions_ping_nobody(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("@everyone @here <@&55> <@42> look!"))
    await nova_discord.say("hello", mention=True)
    await eventually(
        lambda: contents(nova_discord.sent()) == ["@everyone @here <@&55> <@42> look!"]
    )
    sends = nova_discord.fake.requests_to("POST", MESSAGES)
    edits = nova_discord.fake.requests_to("PATCH", rf"{MESSAGES}/\d+")
    for call in sends + edits:
        mentions = call.json["allowed_mentions"]
        assert mentions["parse"] == [] and not mentions.get("users") and not mentions.get("roles")


async def test_own_and_other_bots_messages_are_ignored(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    await nova_discord.say("beep", author=ROBOT, mention=True)
    nova = {"id": str(NOVA_ID), "username": "Nova", "discriminator": "0", "bot": True,
            "avatar": None, "global_name": None}  # fmt: skip
    await nova_discord.say("I am Nova", author=nova, mention=True)
    await nova_discord.say("no mention, no thread, no binding")
    await a_later_mention_is_answered(nova_discord, answers_before=1)  # after "I am Nova"
    assert [r.body["messages"][-1]["content"] for r in fake_openai.requests] == ["hello"]
    assert len(nova_discord.fake.requests_to("POST", MESSAGES)) == 1


async def test_direct_message_is_answered(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Hi Alice!"))
    await nova_discord.say("hello", channel=DM)
    await eventually(lambda: contents(nova_discord.sent(DM)) == ["Hi Alice!"])


async def test_bound_channel_needs_no_mention(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    await nova_discord.bot.store.bind_channel("discord", str(CHANNEL), "proofreader")
    fake_openai.script(Text("They're going home."))
    await nova_discord.say("their going home")
    await eventually(lambda: contents(nova_discord.sent()) == ["They're going home."])


async def test_a_replayed_message_is_answered_once(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    message_id = await nova_discord.say("hello", mention=True)
    await eventually(lambda: nova_discord.sent())
    await nova_discord.fake.request_reconnect()
    await eventually(lambda: nova_discord.fake.resumes == 1)
    await nova_discord.say("hello", mention=True, message_id=message_id)  # the replay
    await a_later_mention_is_answered(nova_discord, answers_before=1)
    assert len(fake_openai.requests) == 2 and len(nova_discord.sent()) == 2


async def test_rest_failures_do_not_stop_the_bot(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    # A 500 is retried by discord.py itself; the answer still arrives.
    nova_discord.fake.fail_next("POST", MESSAGES, status=500)
    fake_openai.script(Text("first"), Text("lost to the outage"), Text("third"))
    await nova_discord.say("hello", mention=True)
    await eventually(lambda: contents(nova_discord.sent()) == ["first"], within=10)
    # A failure discord.py does not retry is logged with guild and channel, and the
    # next message is answered as usual.
    nova_discord.fake.fail_next("POST", MESSAGES, status=503, times=2)
    with caplog.at_level(logging.WARNING, logger="novabot"):
        await nova_discord.say("hello again", mention=True)
        await eventually(lambda: f"guild {GUILD} channel {CHANNEL}" in caplog.text)
    await nova_discord.say("and again", mention=True)
    await eventually(lambda: "third" in contents(nova_discord.sent()), within=10)


async def test_ask_is_deferred_then_answered_with_a_follow_up(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Paris."))
    interaction = await nova_discord.slash("ask", prompt="capital of France?", agent="chat")
    await eventually(lambda: nova_discord.fake.followups())
    [callback] = nova_discord.fake.interaction_responses()
    assert callback.path.startswith(f"/interactions/{interaction}/") and callback.json == {
        "type": 5
    }
    await eventually(lambda: "Paris." in contents(nova_discord.sent()))
    first = nova_discord.fake.followups()[0]
    assert first.path == f"/webhooks/{NOVA_ID}/tok-{interaction}"
    assert fake_openai.requests[0].body["messages"][0]["content"].startswith("You are Nova")


async def test_ask_with_an_unknown_agent_answers_privately(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    await nova_discord.slash("ask", prompt="hi", agent="poet")
    [callback] = await nova_discord.fake.wait_for_request("POST", r"/interactions/\d+/.+/callback")
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] == 64
    assert "no agent named 'poet'" in callback.json["data"]["content"]
    assert fake_openai.requests == []


async def test_agents_and_why_answer_ephemerally(
    nova_discord: RunningDiscord, fake_openai: FakeOpenAI
) -> None:
    await nova_discord.slash("agents")
    await nova_discord.slash("why")

    def follow_ups() -> list[str]:  # the listing spans several
        return [call.json["content"] for call in nova_discord.fake.requests_to("POST", FOLLOW_UPS)]

    await eventually(lambda: "translator: Translates text" in "".join(follow_ups()))
    await eventually(lambda: "Nothing has been routed in this conversation yet." in follow_ups())
    sent = nova_discord.fake.requests_to("POST", FOLLOW_UPS)
    assert all(call.json["flags"] == EPHEMERAL for call in sent)
    assert all(message["flags"] & EPHEMERAL for message in nova_discord.sent())


async def test_bind_and_unbind_are_shown_to_the_channel(
    start_discord: StartDiscord, fake_openai: FakeOpenAI
) -> None:
    nova_discord = await start_discord(admins=ALICE_ADMIN)
    await nova_discord.slash("bind", agent="summarizer")
    [deferral] = await nova_discord.fake.wait_for_request("POST", CALLBACKS)
    assert deferral.json == {"type": 5}  # not ephemeral: the whole channel sees the reply
    await eventually(lambda: contents(nova_discord.sent()) == [BOUND])
    assert not nova_discord.sent()[0]["flags"] & EPHEMERAL
    assert await nova_discord.bot.store.channel_agent("discord", str(CHANNEL)) == "summarizer"
    await nova_discord.slash("unbind")
    await eventually(lambda: contents(nova_discord.sent())[-1:] == [UNBOUND])
    assert not nova_discord.sent()[-1]["flags"] & EPHEMERAL


async def test_a_bind_mistake_is_answered_privately(
    start_discord: StartDiscord, fake_openai: FakeOpenAI
) -> None:
    nova_discord = await start_discord(admins=ALICE_ADMIN)
    await nova_discord.slash("bind", agent="poet")
    [reply] = await nova_discord.fake.wait_for_request("POST", FOLLOW_UPS)
    assert "no agent named 'poet'" in reply.json["content"]
    assert reply.json["flags"] == EPHEMERAL
    # The public "thinking…" was taken back: what the channel sees is only the private reply.
    assert nova_discord.fake.requests_to("DELETE", rf"{FOLLOW_UPS}/messages/@original")
    [left] = nova_discord.sent()
    assert left["flags"] & EPHEMERAL
    assert await nova_discord.bot.store.channel_agent("discord", str(CHANNEL)) is None


async def test_agent_names_autocomplete(nova_discord: RunningDiscord) -> None:
    option = {"type": 3, "name": "agent", "value": "tran", "focused": True}
    prompt = {"type": 3, "name": "prompt", "value": "x"}
    await nova_discord.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_create(
            990, application_id=NOVA_ID, channel_id=CHANNEL, guild_id=GUILD, user=ALICE,
            command="nova", options=[{"type": 1, "name": "ask", "options": [prompt, option]}],
            type=4,
        ),
    )  # fmt: skip
    [callback] = await nova_discord.fake.wait_for_request("POST", r"/interactions/990/.+/callback")
    assert callback.json == {
        "type": 8,
        "data": {"choices": [{"name": "translator", "value": "translator"}]},
    }


async def test_a_restart_does_not_answer_an_old_message_again(
    start_discord: StartDiscord, fake_openai: FakeOpenAI
) -> None:
    first = await start_discord()
    message_id = await first.say("hello", mention=True)
    await eventually(lambda: first.sent())
    await first.stop()
    second = await start_discord()
    await second.say("hello", mention=True, message_id=message_id)
    await a_later_mention_is_answered(second, answers_before=1)
    assert len(fake_openai.requests) == 2 and len(second.sent()) == 2
