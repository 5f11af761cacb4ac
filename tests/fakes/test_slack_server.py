"""The fake must behave like slack.com as seen by the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_server import FakeSlack, event_body, signed_headers, slash_body

SECRET = "shh-signing-secret"
MENTION = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1"}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def web(fake: FakeSlack, **kwargs: object) -> AsyncWebClient:
    options: dict[str, object] = {"token": fake.token, "base_url": fake.api_url, **kwargs}
    return AsyncWebClient(**options)  # type: ignore[arg-type]


async def test_auth_test(slack: FakeSlack) -> None:
    response = await web(slack).auth_test()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert (response["user_id"], response["bot_id"], response["team_id"]) == ("UBOT", "BBOT", "T1")
    [call] = slack.calls
    assert (call.method, call.token) == ("auth.test", "xoxb-test")


async def test_post_update_replies_reflect_state(slack: FakeSlack) -> None:
    client = web(slack)
    parent = slack.add_message("C1", "question?", user="U7")
    first = await client.chat_postMessage(channel="C1", text="thinking…", thread_ts=parent["ts"])
    second = await client.chat_postMessage(channel="C1", text="elsewhere")
    assert first["ts"] == "1700000000.000200"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["thread_ts"] == parent["ts"]

    updated = await client.chat_update(channel="C1", ts=first["ts"], text="the answer")
    assert (updated["ts"], updated["text"]) == (first["ts"], "the answer")
    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])

    assert [m["text"] for m in replies["messages"]] == ["question?", "the answer"]
    assert replies["messages"][1]["user"] == "UBOT"
    assert [m["text"] for m in slack.messages["C1"]] == ["question?", "the answer", "elsewhere"]
    assert slack.calls_to("chat.postMessage")[0].args["thread_ts"] == parent["ts"]

    await client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["ts"] for m in slack.messages["C1"]] == [parent["ts"], first["ts"]]
    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel="C1", ts=second["ts"], text="gone")
    assert missing.value.response["error"] == "message_not_found"


async def test_form_bodies_and_other_methods(slack: FakeSlack) -> None:
    client = web(slack)
    posted = await client.api_call("chat.postMessage", data={"channel": "D9", "text": "psst"})
    info = await client.conversations_info(channel="D9")
    user = await client.users_info(user="U1")
    bot = await client.bots_info(bot="BBOT")
    await client.reactions_add(channel="D9", timestamp=posted["ts"], name="eyes")
    ephemeral = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    odd = await client.api_call("pins.add", json={"channel": "C1"})

    assert slack.messages["D9"][0]["text"] == "psst"
    assert info["channel"]["is_im"] is True
    assert (user["user"]["id"], bot["bot"]["user_id"]) == ("U1", "UBOT")
    assert ephemeral["message_ts"]
    assert odd["ok"] is True
    assert [c.method for c in slack.calls][-2:] == ["chat.postEphemeral", "pins.add"]
    assert slack.calls_to("reactions.add")[0].args["name"] == "eyes"


async def test_wrong_token_is_invalid_auth(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        await web(slack, token="xoxb-wrong").chat_postMessage(channel="C1", text="hi")
    assert raised.value.response["error"] == "invalid_auth"
    assert slack.calls[0].token == "xoxb-wrong"
    assert slack.messages["C1"] == []


async def test_rate_limit_retried_by_handler(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0.2)
    client = web(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    response = await client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    first, second = slack.calls_to("chat.postMessage")
    assert second.at - first.at >= 0.2
    assert len(slack.messages["C1"]) == 1


async def test_rate_limit_without_handler_raises(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0.2)
    with pytest.raises(SlackApiError) as raised:
        await web(slack).chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "1"
    assert (await web(slack).chat_postMessage(channel="C1", text="again"))["ok"]
    slack.fail_next("chat.postMessage", retry_after=0)  # "retry at once", jitter aside
    with pytest.raises(SlackApiError) as raised:
        await web(slack).chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.headers["Retry-After"] == "0"


async def test_socket_url_points_clients_elsewhere(slack: FakeSlack) -> None:
    assert (await web(slack).apps_connections_open(app_token=slack.app_token))["url"].startswith(
        f"ws://127.0.0.1:{slack.port}/"
    )
    slack.socket_url = "ws://127.0.0.1:1/nowhere"
    opened = await web(slack).apps_connections_open(app_token=slack.app_token)
    assert opened["url"] == "ws://127.0.0.1:1/nowhere"


async def test_scripted_errors(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    slack.fail_next("auth.test", status=503)
    client = web(slack)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C404", text="hi")
        assert raised.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as server_error:
        await client.auth_test()
    assert server_error.value.response.status_code == 503
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]


async def test_wait_for_reports_what_it_saw(slack: FakeSlack) -> None:
    await web(slack).auth_test()
    with pytest.raises(AssertionError, match=r"chat.postMessage.*'auth.test': 1"):
        await slack.wait_for("chat.postMessage", timeout=0.05)
    assert len(await slack.wait_for("auth.test")) == 1


async def test_response_url_receives_webhook_posts(slack: FakeSlack) -> None:
    webhook = AsyncWebhookClient(slack.response_url("42"))
    response = await webhook.send(text="done", response_type="ephemeral")

    assert (response.status_code, response.body) == (200, "ok")
    [posted] = await slack.wait_for_responses(1)
    assert posted == {"text": "done", "response_type": "ephemeral"}


async def test_socket_mode_client_receives_and_acks(slack: FakeSlack) -> None:
    client = SocketModeClient(app_token=slack.app_token, web_client=web(slack))
    received: list[SocketModeRequest] = []

    async def listener(c: SocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        await c.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    async def every_message(_c: SocketModeClient, message: dict, _raw: str | None) -> None:
        seen.append(message)

    seen: list[dict] = []
    client.message_listeners.append(every_message)  # type: ignore[arg-type]
    client.socket_mode_request_listeners.append(listener)  # type: ignore[arg-type]
    await client.connect()
    await slack.wait_for_socket()
    envelope_id = await slack.send_envelope("events_api", event_body(MENTION))
    ack = await slack.wait_for_ack(envelope_id)

    assert ack == {"envelope_id": envelope_id}
    assert seen[0]["type"] == "hello"
    assert seen[0]["connection_info"] == {"app_id": "A1"}
    assert received[0].type == "events_api"
    assert received[0].payload["event"]["text"] == "<@UBOT> hi"
    assert slack.calls_to("apps.connections.open")[0].token == "xapp-test"
    started = time.monotonic()
    await client.close()
    await slack.stop()
    assert time.monotonic() - started < 2


async def test_server_stop_closes_socket_promptly(slack: FakeSlack) -> None:
    client = SocketModeClient(app_token=slack.app_token, web_client=web(slack))
    await client.connect()
    await slack.wait_for_socket()
    started = time.monotonic()
    await slack.stop()  # the client tries to reconnect and fails: its problem, not ours
    assert time.monotonic() - started < 2
    assert slack.sockets == []
    await client.close()


async def test_disconnect_makes_client_reconnect(slack: FakeSlack) -> None:
    client = SocketModeClient(app_token=slack.app_token, web_client=web(slack))
    await client.connect()
    await slack.wait_for_socket()
    await slack.send_disconnect()
    await slack.wait_for("apps.connections.open", count=2)
    for _ in range(200):
        if slack.socket_connections == 2 and len(slack.sockets) == 1:
            break
        await asyncio.sleep(0.01)
    assert (slack.socket_connections, len(slack.sockets)) == (2, 1)
    await client.close()


async def test_app_token_required_for_connections_open(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        await web(slack).apps_connections_open(app_token=slack.token)
    assert raised.value.response["error"] == "not_allowed_token_type"


async def test_bolt_socket_mode_mention_and_slash_command(slack: FakeSlack) -> None:
    app = AsyncApp(client=web(slack), signing_secret=SECRET)

    @app.event("app_mention")
    async def mention(event: dict, say) -> None:  # type: ignore[no-untyped-def]
        await say(text=f"hello <@{event['user']}>", thread_ts=event.get("ts"))

    @app.command("/nova")
    async def nova(ack, respond, command: dict) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await respond(text=f"you said {command['text']}")

    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    try:
        event_ack = await slack.wait_for_ack(
            await slack.send_envelope("events_api", event_body({**MENTION, "ts": "1.000100"}))
        )
        form = dict(parse_qsl(slash_body("ping", response_url=slack.response_url("7"))))
        command_ack = await slack.wait_for_ack(await slack.send_envelope("slash_commands", form))
        [post] = await slack.wait_for("chat.postMessage")
        [responded] = await slack.wait_for_responses(1)
    finally:
        await handler.close_async()

    assert "payload" not in event_ack or event_ack["payload"] in ({}, None)
    assert command_ack["envelope_id"]
    assert post.args["text"] == "hello <@U1>"
    assert slack.messages["C1"][0]["thread_ts"] == "1.000100"
    assert responded["text"] == "you said ping"
    assert slack.calls_to("auth.test")


def test_signed_headers_verify() -> None:
    body = json.dumps(event_body(MENTION))
    headers = signed_headers(body, SECRET)
    verifier = SignatureVerifier(SECRET)

    assert headers["Content-Type"] == "application/json"
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    form = slash_body("hi there")
    assert signed_headers(form, SECRET)["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid_request(form, signed_headers(form, SECRET))
    stale = signed_headers(form, SECRET, timestamp=int(time.time()) - 3600)
    assert not verifier.is_valid_request(form, stale)


async def test_metadata_is_kept_and_shown_only_when_asked_for(slack: FakeSlack) -> None:
    client = web(slack)
    parent = slack.add_message("C1", "question?", user="U7")
    metadata = {"event_type": "nova_post", "event_payload": {"tag": "nova-1-0"}}
    await client.chat_postMessage(channel="C1", text="a", thread_ts=parent["ts"], metadata=metadata)
    plain = await client.conversations_replies(channel="C1", ts=parent["ts"])
    assert all("metadata" not in m for m in plain["messages"])
    full = await client.conversations_replies(
        channel="C1", ts=parent["ts"], include_all_metadata=True
    )
    assert full["messages"][1]["metadata"] == metadata
    await client.chat_postMessage(channel="C1", text="b", metadata=metadata)
    history = await client.conversations_history(channel="C1", include_all_metadata=True)
    assert history["messages"][0]["metadata"] == metadata


async def test_a_stalled_call_is_carried_out_or_not_and_never_answered(slack: FakeSlack) -> None:
    client = web(slack, timeout=1)
    slack.stall_next("chat.postMessage", containing="kept", applied=True)
    slack.stall_next("chat.postMessage", containing="lost", applied=False)
    for text in ("kept", "lost"):
        with pytest.raises(asyncio.TimeoutError):
            await client.chat_postMessage(channel="C1", text=text)
    assert [m["text"] for m in slack.messages["C1"]] == ["kept"]
