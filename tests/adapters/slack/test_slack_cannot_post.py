"""`/nova` subcommands that post in the channel, run where Nova cannot post: the user gets
one private line through the response_url, and nothing is left half-started."""

from __future__ import annotations

import asyncio
import json

import pytest

from novabot.adapters.slack.adapter import SlackAdapter
from novabot.adapters.slack.commands import CANNOT_POST
from novabot.app import build_app
from novabot.commands.command import Command, CommandContext
from novabot.config import Settings
from tests.adapters.slack.conftest import RunningSlack, slack_settings
from tests.adapters.slack.test_slack_pipelines import PLAN
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.fakes.slack_server import FakeSlack


async def only_response(slack: RunningSlack) -> dict:
    [response] = await slack.fake.wait_for_responses(1)
    await asyncio.sleep(0.3)  # nothing else follows
    assert len(slack.fake.responses) == 1, slack.fake.responses
    return response


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_pipeline_where_nova_cannot_post_answers_privately(
    slack: RunningSlack, fake_openai: FakeOpenAI, error: str
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)))
    slack.fake.fail_next("chat.postMessage", error=error)
    await slack.command("pipeline summarise the report")
    response = await only_response(slack)
    assert response["response_type"] == "ephemeral"
    assert (
        response["text"]
        == CANNOT_POST
        == ("I can't post here. Invite me with `/invite @Nova` and try again.")
    )
    assert await slack.bot.store.list_runs(limit=5) == []
    assert slack.fake.messages["C1"] == []


async def test_another_slack_failure_is_one_private_line_too(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)))
    slack.fake.fail_next("chat.postMessage", status=500, times=3)  # past the client's retries
    await slack.command("pipeline summarise the report")
    response = await only_response(slack)
    assert response["response_type"] == "ephemeral"
    assert response["text"] == "Slack refused my message (internal_error); try again in a moment."


async def test_ask_where_nova_cannot_post_names_the_fix_and_asks_nothing(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    slack.fake.fail_next("chat.postMessage", error="channel_not_found")
    await slack.command("ask hello")
    response = await only_response(slack)
    assert "Invite me with `/invite @Nova`" in response["text"]
    assert fake_openai.requests == []


async def test_any_command_that_posts_in_the_channel_answers_privately(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    """Not only pipelines: a cog's public command that posts in the channel, too."""
    chosen = slack_settings(settings, fake_slack)
    app = await build_app(chosen)
    app.bot.registry.add_command(
        Command("announce", "post in the channel", say_it, "<text>", public=True)
    )
    adapter = SlackAdapter(app.bot, chosen)
    await adapter.start()
    url = f"http://127.0.0.1:{chosen.http.port}/slack/events"
    slack = RunningSlack(app, adapter, fake_slack, url)
    try:
        fake_slack.fail_next("chat.postMessage", error="not_in_channel")
        await slack.command("announce lunch at noon")
        response = await only_response(slack)
        assert (response["response_type"], response["text"]) == ("ephemeral", CANNOT_POST)
    finally:
        await slack.stop()


async def say_it(ctx: CommandContext, args: str) -> str:
    assert ctx.responder is not None
    await ctx.responder.say(f"Announcement: {args}")
    return "announced"
