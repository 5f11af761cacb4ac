"""Links back to messages and threads, built from ids alone, one form per platform."""

from __future__ import annotations

from novabot.adapters.slack import events
from novabot.core.links import discord_message_link, slack_message_link, thread_link
from novabot.core.message import ConversationKey


def test_slack_links_a_message_and_a_reply_in_its_thread() -> None:
    assert slack_message_link("C1", "100.000001") == "https://slack.com/archives/C1/p100000001"
    assert slack_message_link("C1", "100.000002", "100.000001") == (
        "https://slack.com/archives/C1/p100000002?thread_ts=100.000001&cid=C1"
    )
    # A thread's first message is in no other thread.
    assert slack_message_link("C1", "100.000001", "100.000001").endswith("/p100000001")


def test_the_slack_adapter_uses_the_same_form() -> None:
    assert events.archive_link is slack_message_link


def test_discord_links_need_the_guild() -> None:
    assert discord_message_link("9", "42", "7") == "https://discord.com/channels/9/42/7"
    assert discord_message_link("9", "42") == "https://discord.com/channels/9/42"
    thread = ConversationKey("discord", "42", "43")
    assert thread_link(thread, guild="9") == "https://discord.com/channels/9/43"
    assert thread_link(thread) is None


def test_thread_links_where_one_can_be_built() -> None:
    slack = ConversationKey("slack", "C1", "1764500000.000100")
    assert thread_link(slack) == "https://slack.com/archives/C1/p1764500000000100"
    assert thread_link(ConversationKey("slack", "C1")) is None  # a channel is no thread
    assert thread_link(ConversationKey("cli", "local", "t1")) is None
