"""The /nova slash command: acked at once, then answered (ephemerally or in a thread)."""

from __future__ import annotations

from novabot.core.message import ConversationKey
from tests.adapters.slack.conftest import RunningSlack, StartSlack
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

ADMIN = frozenset({("slack", "U1")})
"""`bind` is for admins: the slash commands here come from U1."""


async def test_ask_acks_then_answers_in_a_visible_thread(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Paris is the capital of France.", chunk_delay_s=0.2))
    status, _, elapsed = await slack.command("ask what is the capital of France?")
    assert status == 200 and elapsed < 3
    question = await eventually(lambda: slack.replies("C1", None))
    assert question[0]["text"] == "<@U1> asked: what is the capital of France?"
    thread = question[0]["ts"]
    await eventually(
        lambda: (
            [m["text"] for m in slack.replies("C1", thread)] == ["Paris is the capital of France."]
        )
    )
    decision = await slack.bot.store.last_decision(ConversationKey("slack", "C1", thread))
    assert decision is not None and decision.agent == "chat"


async def test_agents_why_help_and_usage_errors_answer_ephemerally(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    slack = await start_slack(admins=ADMIN)
    answers = {}
    for n, text in enumerate(("agents", "why", "help", "dance", "ask", "bind", "bind poet")):
        status, _, _ = await slack.command(text)
        assert status == 200
        response = (await slack.fake.wait_for_responses(n + 1))[-1]
        assert response["response_type"] == "ephemeral"
        answers[text] = response["text"]
    # Slack shows &lt; and &gt; as < and >.
    usage = "Usage: `/nova ask &lt;question&gt;`"
    assert "translator: Translates text" in answers["agents"]
    assert answers["why"] == "Nothing has been routed in this conversation yet."
    assert answers["help"].startswith(usage) and "why — why the last message" in answers["help"]
    assert answers["dance"].startswith("Unknown subcommand `dance`. " + usage)
    assert answers["ask"] == usage
    assert "usage: bind &lt;agent&gt;" in answers["bind"]
    assert "no agent named 'poet'" in answers["bind poet"]


async def test_bind_is_announced_and_routes_the_channel(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    slack = await start_slack(admins=ADMIN)
    await slack.command("bind summarizer")
    [response] = await slack.fake.wait_for_responses(1)
    assert response["response_type"] == "in_channel" and "summarizer" in response["text"]
    assert await slack.bot.store.channel_agent("slack", "C1") == "summarizer"
    await slack.command("unbind")
    unbound = (await slack.fake.wait_for_responses(2))[-1]
    assert unbound["response_type"] == "in_channel" and "no default agent" in unbound["text"]
    assert await slack.bot.store.channel_agent("slack", "C1") is None


async def test_why_at_channel_level_reports_the_latest_thread(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    await slack.command("ask translate 'thank you' into Spanish")
    await eventually(lambda: len(slack.fake.calls_to("chat.update")) >= 1)
    await eventually(lambda: fake_openai.requests)
    await slack.command("why")
    [response] = await slack.fake.wait_for_responses(1)
    assert response["text"].startswith("translator answered")


async def test_ask_in_a_channel_nova_cannot_post_in_explains(
    slack: RunningSlack, fake_openai: FakeOpenAI
) -> None:
    slack.fake.fail_next("chat.postMessage", error="not_in_channel")
    await slack.command("ask hello")
    [response] = await slack.fake.wait_for_responses(1)
    assert "Invite me with `/invite @Nova`" in response["text"]
    assert fake_openai.requests == []
