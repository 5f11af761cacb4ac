"""Socket Mode: the real slack_sdk client connects to the fake's WebSocket and acks."""

from __future__ import annotations

from urllib.parse import parse_qsl

from pydantic import SecretStr

from tests.adapters.slack.conftest import StartSlack
from tests.adapters.slack.test_slack_events import MENTION
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import FakeSlack, event_body, slash_body
from tests.helpers import eventually


async def test_socket_mode_event_is_acked_and_answered(
    start_slack: StartSlack, fake_slack: FakeSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour"))
    running = await start_slack(slack_app_token=SecretStr(fake_slack.app_token))
    assert running.adapter.description == "Slack (Socket Mode)"
    await fake_slack.wait_for_socket()
    envelope = await fake_slack.send_envelope("events_api", event_body(MENTION))
    assert (await fake_slack.wait_for_ack(envelope))["envelope_id"] == envelope
    await eventually(
        lambda: [m["text"] for m in running.replies("C1", "100.000001")] == ["Bonjour"]
    )


async def test_socket_mode_slash_command(
    start_slack: StartSlack, fake_slack: FakeSlack, fake_openai: FakeOpenAI
) -> None:
    await start_slack(slack_app_token=SecretStr(fake_slack.app_token))
    await fake_slack.wait_for_socket()
    form = slash_body("agents", response_url=fake_slack.response_url())
    envelope = await fake_slack.send_envelope("slash_commands", dict(parse_qsl(form)))
    await fake_slack.wait_for_ack(envelope)
    [response] = await fake_slack.wait_for_responses(1)
    assert "translator: Translates text" in response["text"]
