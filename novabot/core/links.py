"""Links back to chat messages and threads, built from ids alone (no platform client), so
the core (digests, knowledge) and the adapters share one form of each."""

from __future__ import annotations

from novabot.core.message import ConversationKey


def slack_message_link(channel: str, ts: str, thread: str | None = None) -> str:
    """Slack's permalink form for a message (it opens in the workspace of whoever clicks);
    a reply in a thread carries the thread's ts so the thread opens around it."""
    link = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={thread}&cid={channel}" if thread and thread != ts else link


def discord_message_link(guild: str, channel: str, message: str | None = None) -> str:
    """A Discord jump URL: a message in a channel (or thread), or the channel itself."""
    link = f"https://discord.com/channels/{guild}/{channel}"
    return f"{link}/{message}" if message else link


def thread_link(key: ConversationKey, *, guild: str | None = None) -> str | None:
    """Where a conversation's thread opens; None for a conversation without a thread (a
    channel, a DM) and where no link can be built (the terminal; Discord without the guild).

    A Slack thread is named by its first message's ts, so its link is that message's. A
    Discord thread is a channel of its own, inside a guild whose id the key does not hold.
    """
    if not key.thread_id:
        return None
    if key.platform == "slack":
        return slack_message_link(key.channel_id, key.thread_id)
    if key.platform == "discord" and guild:
        return discord_message_link(guild, key.thread_id)
    return None
