"""SIGKILL while five answers stream, then restart: each message answered exactly once,
from the inbox, with no platform retry needed; the half-streamed replies are replaced."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from tests.adapters.discord.conftest import CHANNEL, DiscordUsers
from tests.adapters.slack.conftest import SECRET
from tests.conftest import cli_env
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port
from tests.reliability.process import (
    NovaProcess,
    full_answer,
    quick_answers,
    slow_answers,
    stopped_at_exit,
)

ASKS = [f"translate 'good morning number {n}' into French" for n in range(6)]


def slack_event(n: int) -> str:
    ts = f"100.00000{n + 1}"
    event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {ASKS[n]}", "ts": ts,
             "channel": "C1", "event_ts": ts}  # fmt: skip
    return json.dumps(event_body(event, event_id=f"Ev{n}"))


async def deliver(url: str, raw: str, **headers: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=signed_headers(raw, SECRET) | headers) as response,
    ):
        return response.status


def texts_in_thread(fake: FakeSlack, n: int) -> list[str]:
    thread = f"100.00000{n + 1}"
    return [m["text"] for m in fake.messages["C1"] if m.get("thread_ts") == thread]


async def test_slack_answers_left_mid_stream_are_finished_once_after_a_restart(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    fake_openai.default = slow_answers
    port = free_port()
    env = cli_env(tmp_path, fake_openai, NOVA_SLACK_BOT_TOKEN=fake_slack.token,
                  NOVA_SLACK_SIGNING_SECRET=SECRET, NOVA_SLACK_API_URL=fake_slack.api_url,
                  NOVA_HTTP_PORT=str(port), NOVA_SLACK_UPDATE_INTERVAL_S="0.2")  # fmt: skip
    url = f"http://127.0.0.1:{port}/slack/events"
    first, second = NovaProcess(tmp_path, env, "first"), NovaProcess(tmp_path, env, "second")
    async with stopped_at_exit(first, second):
        await first.start()
        for n in range(5):
            assert await deliver(url, slack_event(n)) == 200
        # Every answer is on screen, half-written, when the process dies.
        await eventually(
            lambda: all(
                any("Answer to" in t for t in texts_in_thread(fake_slack, n)) for n in range(5)
            ),
            within=20,
        )
        await first.kill()
        assert all("END" not in " ".join(texts_in_thread(fake_slack, n)) for n in range(5))
        fake_openai.default = quick_answers
        await second.start()
        await second.wait_for_lines("nova: answering 5 messages left unanswered")
        for n in range(5):
            await eventually(lambda n=n: texts_in_thread(fake_slack, n) == [full_answer(ASKS[n])],
                             within=20)  # fmt: skip
        # A late platform retry of each is dropped: answered is answered. (A new message
        # after them is answered: the retries were handled, not stuck.)
        for n in range(5):
            assert await deliver(url, slack_event(n), **{"X-Slack-Retry-Num": "1"}) == 200
        assert await deliver(url, slack_event(5)) == 200
        await eventually(lambda: texts_in_thread(fake_slack, 5) == [full_answer(ASKS[5])])
        assert len(fake_openai.requests) == 11  # five cut short, five again, the new one
        assert await second.stop() == 0
    for n in range(6):
        assert texts_in_thread(fake_slack, n) == [full_answer(ASKS[n])]
    assert len(fake_slack.messages["C1"]) == 6  # one message per answer: the placeholder


async def test_discord_answers_left_mid_stream_are_finished_once_after_a_restart(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_discord: FakeDiscord
) -> None:
    fake_openai.default = slow_answers
    env = cli_env(tmp_path, fake_openai, NOVA_DISCORD_TOKEN=fake_discord.token,
                  NOVA_DISCORD_API_URL=fake_discord.api_url,
                  NOVA_DISCORD_GATEWAY_URL=fake_discord.gateway_url,
                  NOVA_DISCORD_UPDATE_INTERVAL_S="0.2")  # fmt: skip
    user = DiscordUsers(fake_discord)
    first, second = NovaProcess(tmp_path, env, "first"), NovaProcess(tmp_path, env, "second")

    def answers() -> list[str]:
        return [m["content"] for m in user.sent()]

    async with stopped_at_exit(first, second):
        await first.start()
        ids = [await user.say(ask, mention=True) for ask in ASKS[:5]]
        await eventually(lambda: sum("Answer to" in a for a in answers()) == 5, within=20)
        await first.kill()
        assert not any("END" in a for a in answers())
        fake_openai.default = quick_answers
        await second.start()
        expected = sorted(full_answer(ask) for ask in ASKS[:5])
        await eventually(lambda: sorted(answers()) == expected, within=20)
        # The gateway replays a message after a resume: it is not answered again (and a
        # new message after it is: the replay was handled, not stuck).
        await user.say(ASKS[0], mention=True, message_id=ids[0])
        ids.append(await user.say(ASKS[5], mention=True))
        expected = sorted(full_answer(ask) for ask in ASKS)
        await eventually(lambda: sorted(answers()) == expected, within=20)
        assert len(fake_openai.requests) == 11
        assert await second.stop() == 0
    assert sorted(answers()) == expected
    replies = [int(m["message_reference"]["message_id"]) for m in user.sent(CHANNEL)]
    assert sorted(replies) == ids  # each answer still replies to its own message
