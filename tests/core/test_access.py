"""Who may do what: the access policy, its settings, and the bot's door (allow-lists)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novabot.app import started_app
from novabot.config import ConfigError, Settings, load_settings
from novabot.core.access import (
    NOT_AN_ALLOWED_CHANNEL,
    NOT_AN_ALLOWED_USER,
    AccessPolicy,
)
from novabot.core.bot import Bot, Status
from novabot.core.message import ConversationKey, Message
from novabot.core.responder import Responder
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import RecordingResponder

C1 = ConversationKey("slack", "C1", "T1")
C2 = ConversationKey("slack", "C2")
POLICY = AccessPolicy(
    admins=frozenset({("slack", "UADMIN")}),
    allowed_users=frozenset({("slack", "U1"), ("discord", "42")}),
    allowed_channels=frozenset({("slack", "C1"), ("discord", "7")}),
)


class WhisperingResponder(RecordingResponder):
    """Keeps what was said to one user privately apart from what the channel saw."""

    def __init__(self, key: ConversationKey | None = None) -> None:
        super().__init__(key)
        self.whispers: list[tuple[str, str]] = []

    async def whisper(self, user_id: str, text: str) -> None:
        self.whispers.append((user_id, text))


# -- settings ------------------------------------------------------------------------------


def test_access_settings_are_read_as_platform_id_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_ADMINS", "slack:U123, discord:456")
    monkeypatch.setenv("NOVA_ALLOWED_USERS", "slack:U1")
    monkeypatch.setenv("NOVA_ALLOWED_CHANNELS", "")
    settings = load_settings()
    assert settings.admins == {("slack", "U123"), ("discord", "456")}
    assert settings.allowed_users == {("slack", "U1")}
    assert settings.allowed_channels == frozenset()
    policy = AccessPolicy.from_settings(settings)
    assert policy.is_admin("discord", "456") and not policy.is_admin("slack", "456")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NOVA_ADMINS", "U123", "NOVA_ADMINS: 'U123' is not platform:id"),
        ("NOVA_ALLOWED_USERS", "slack:", "NOVA_ALLOWED_USERS: 'slack:' is not platform:id"),
        ("NOVA_ALLOWED_CHANNELS", "irc:#nova", "NOVA_ALLOWED_CHANNELS: 'irc:#nova' is not"),
        ("NOVA_ADMINS", "discord:alice", "NOVA_ADMINS: 'discord:alice': Discord ids are numbers"),
    ],
)
def test_a_malformed_entry_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value) and "\n" not in str(caught.value)


# -- the policy ----------------------------------------------------------------------------


def test_the_terminal_user_is_the_owner_and_an_admin() -> None:
    assert AccessPolicy().is_admin("cli", "anyone")
    assert POLICY.refusal(ConversationKey("cli", "me"), "me") is None
    assert not AccessPolicy().is_admin("slack", "U1")


def test_allow_lists_refuse_others_and_let_admins_in() -> None:
    assert POLICY.refusal(C1, "U1") is None
    assert POLICY.refusal(C1, "U2") == NOT_AN_ALLOWED_USER
    assert POLICY.refusal(C2, "U1") == NOT_AN_ALLOWED_CHANNEL
    assert POLICY.refusal(C2, "UADMIN") is None
    # Ids are per platform: Slack's C1 says nothing about a Discord channel "C1".
    assert POLICY.refusal(ConversationKey("discord", "C1"), "42") == NOT_AN_ALLOWED_CHANNEL
    assert POLICY.refusal(ConversationKey("discord", "7", "99"), "42") is None  # a thread in 7
    assert AccessPolicy().refusal(C2, "anyone") is None  # no lists: everyone


def test_the_admin_refusal_says_how_to_set_an_admin_when_there_is_none() -> None:
    assert POLICY.admin_refusal("bind", C2, "U1") == "Only a Nova admin can use `bind`."
    line = AccessPolicy().admin_refusal("bind", C2, "U9")
    assert "none is set" in line and "NOVA_ADMINS=slack:U9" in line and "\n" not in line


class Plain(Responder):
    """A platform with no private messages: only `say`."""

    def __init__(self) -> None:
        self.said: list[str] = []

    async def say(self, text: str, *, agent: str | None = None) -> None:
        self.said.append(text)


async def test_the_default_whisper_says_it_in_place() -> None:
    plain = Plain()
    await plain.whisper("U1", "psst")
    assert plain.said == ["psst"]


# -- the bot's door ------------------------------------------------------------------------


@pytest.fixture
async def guarded_bot(settings: Settings) -> AsyncIterator[Bot]:
    guarded = settings.replaced(
        admins=POLICY.admins,
        allowed_users=POLICY.allowed_users,
        allowed_channels=POLICY.allowed_channels,
    )
    async with started_app(guarded) as app:
        yield app.bot


async def test_a_refused_message_reaches_neither_the_llm_nor_the_history(
    guarded_bot: Bot, fake_openai: FakeOpenAI
) -> None:
    for key, user in ((C1, "U2"), (C2, "U1")):
        responder = WhisperingResponder(key)
        message = Message(key, "translate hello into French", user_id=user, event_id=f"{key}")
        outcome = await guarded_bot.handle(message, responder)
        assert outcome.status == Status.REJECTED
        assert responder.whispers == [(user, outcome.error)] and responder.said == []
        assert await guarded_bot.store.history(key) == []
        assert await guarded_bot.store.last_decision(key) is None
    assert fake_openai.requests == []


async def test_an_allowed_user_in_an_allowed_channel_is_answered(
    guarded_bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour"))
    responder = WhisperingResponder(C1)
    outcome = await guarded_bot.handle(Message(C1, "hello", user_id="U1"), responder)
    assert outcome.status == Status.ANSWERED and responder.texts == ["Bonjour"]
    assert responder.whispers == []


async def test_a_refused_users_commands_get_the_same_one_line(guarded_bot: Bot) -> None:
    for name in ("agents", "pipeline", "nonsense", "bind"):
        reply = await guarded_bot.run_command(C1, "U2", name, "list")
        assert (reply.ok, reply.text) == (False, NOT_AN_ALLOWED_USER)
    reply = await guarded_bot.run_command(C2, "U1", "help", "")
    assert (reply.ok, reply.text) == (False, NOT_AN_ALLOWED_CHANNEL)
    assert (await guarded_bot.run_command(C1, "U1", "agents", "")).ok
