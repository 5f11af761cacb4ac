"""Posting an outbox entry in Slack: once, in parts tagged in their metadata, found again
after a crash instead of sent twice, and posted below a placeholder that cannot be edited."""

from __future__ import annotations

from novabot.adapters.surface import ANSWERED_BELOW
from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from tests.adapters.slack.conftest import RunningSlack

LONG = "\n\n".join(f"paragraph {n} " + "x" * 1500 for n in range(5))  # three Slack messages


def thread_of(slack: RunningSlack) -> tuple[ConversationKey, str]:
    parent = slack.fake.add_message("C1", "question")
    return ConversationKey("slack", "C1", parent["ts"]), parent["ts"]


def bot_texts(slack: RunningSlack, thread_ts: str) -> list[str]:
    return [m["text"] for m in slack.replies("C1", thread_ts) if m.get("bot_id")]


async def test_a_long_post_goes_out_in_tagged_parts(slack: RunningSlack) -> None:
    key, ts = thread_of(slack)
    responder = slack.adapter.responder_for(key)
    assert responder is not None
    first = await responder.deliver(Post(7, key, LONG, agent="chat"))
    sent = [m for m in slack.replies("C1", ts) if m.get("bot_id")]
    assert len(sent) == 3 and first == sent[0]["ts"]
    tags = [m["metadata"]["event_payload"]["tag"] for m in sent]
    assert tags == ["nova-7-0", "nova-7-1", "nova-7-2"]
    assert "".join(m["text"] for m in sent).replace("\n", "") == LONG.replace("\n", "")


async def test_a_recheck_sends_only_the_parts_that_did_not_go_out(slack: RunningSlack) -> None:
    key, ts = thread_of(slack)
    responder = slack.adapter.responder_for(key)
    assert responder is not None
    await responder.deliver(Post(8, key, LONG))
    # As if the process died after the first part: only it is in the thread.
    for message in [m for m in slack.replies("C1", ts) if m.get("bot_id")][1:]:
        slack.fake.messages["C1"].remove(message)
    await responder.deliver(Post(8, key, LONG, recheck=True))
    assert len(bot_texts(slack, ts)) == 3
    await responder.deliver(Post(8, key, LONG, recheck=True))  # all there: nothing sent
    assert len(bot_texts(slack, ts)) == 3


async def test_the_first_part_replaces_the_placeholder(slack: RunningSlack) -> None:
    key, ts = thread_of(slack)
    responder = slack.adapter.responder_for(key)
    assert responder is not None
    placeholder = await responder.deliver(Post(9, key, "_chat is thinking…_"))
    answer = await responder.deliver(Post(10, key, "the whole answer", anchor=placeholder))
    assert answer == placeholder and bot_texts(slack, ts) == ["the whole answer"]


async def test_a_placeholder_that_cannot_be_edited_gets_the_answer_below_it(
    slack: RunningSlack,
) -> None:
    key, ts = thread_of(slack)
    responder = slack.adapter.responder_for(key)
    assert responder is not None
    placeholder = await responder.deliver(Post(11, key, "half an answ"))
    slack.fake.fail_next("chat.update", status=500, times=5)
    first = await responder.deliver(Post(12, key, "the whole answer", anchor=placeholder))
    assert first != placeholder
    texts = bot_texts(slack, ts)
    assert texts[-1] == "the whole answer" and texts.count("the whole answer") == 1
    assert texts[0] in ("half an answ", ANSWERED_BELOW)  # marked, if Slack let it be
