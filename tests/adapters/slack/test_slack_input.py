"""Odd events Slack can deliver: apps' messages marked only by `bot_profile` or `app_id`,
and text holding a lone surrogate (valid JSON, not encodable as UTF-8)."""

from __future__ import annotations

import logging

import pytest

from novabot.adapters.slack.events import unescape
from novabot.core.message import ConversationKey
from tests.adapters.slack.conftest import RunningSlack
from tests.adapters.slack.test_slack_events import MENTION, a_later_mention_is_answered
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import eventually

BOT_PROFILE = {"id": "B42", "app_id": "A42", "name": "other-app", "deleted": False}


@pytest.mark.parametrize(
    "marks",
    [
        {"bot_profile": BOT_PROFILE},
        {"app_id": "A42"},
        {"bot_profile": BOT_PROFILE, "app_id": "A42"},
    ],
    ids=["bot_profile", "app_id", "both"],
)
async def test_an_apps_mention_without_bot_id_is_not_answered(
    slack: RunningSlack, fake_openai: FakeOpenAI, marks: dict[str, object]
) -> None:
    """Another app mentioning Nova (in a channel and in a DM) must not start a bot loop."""
    from_an_app = MENTION | {"user": "U42"} | marks
    in_a_dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U42",
               "text": "hi Nova", "ts": "100.000005"} | marks  # fmt: skip
    assert await slack.event(from_an_app, event_id="Ev1") == 200
    assert await slack.event(in_a_dm, event_id="Ev2") == 200
    await a_later_mention_is_answered(slack, "100.000009", "Ev3")
    assert [r.body["messages"][-1]["content"] for r in fake_openai.requests] == ["hello"]
    assert slack.fake.messages.get("D1", []) == []


async def test_a_lone_surrogate_in_a_mention_is_answered_not_dropped(
    slack: RunningSlack, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    odd = MENTION | {"text": "<@UBOT> translate 'caf\ud800' into French"}
    assert await slack.event(odd) == 200
    await eventually(lambda: fake_openai.requests)
    sent = fake_openai.last_user_text()
    assert sent == "translate 'caf\ufffd' into French"
    await eventually(lambda: "thinking" not in str(slack.fake.messages["C1"]))
    key = ConversationKey("slack", "C1", "100.000001")
    [stored] = [m for m in await slack.bot.store.history(key, limit=5) if m.role == "user"]
    assert stored.content == sent
    assert not [r for r in caplog.records if r.exc_info]


async def test_slacks_escapes_are_undone_before_anyone_reads_the_text(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    # Slack sends &, < and > as &amp;, &lt; and &gt;: pasted code and "> " quotes would
    # reach the router and the agents as entities.
    escaped = "<@UBOT> any bug here?\n```\nif a &lt; b &amp;&amp; c &gt; d:\n    go()\n```"
    assert await slack.event(MENTION | {"text": escaped}) == 200
    await eventually(lambda: fake_openai.requests)
    assert fake_openai.last_user_text() == "any bug here?\n```\nif a < b && c > d:\n    go()\n```"


def test_an_escaped_entity_the_user_typed_stays_as_typed() -> None:
    assert unescape("write &amp;lt; for &lt; &amp; &gt;") == "write &lt; for < & >"
