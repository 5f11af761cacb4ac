"""The `project` and `scribe` cards among the shipped ones: their requests reach them by
scope alone, and requests for the other agents still reach those."""

from __future__ import annotations

import pytest

from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message

CASES = [
    ("what do we know about the users table?", "project"),
    ("is there a rule about invoice numbering?", "project"),
    ("what did we decide about the Kubernetes move?", "project"),
    ("note that the deploy freeze starts on the 20th", "scribe"),
    ("mark the login timeout problem resolved", "scribe"),
    ("translate 'see you tomorrow' into Portuguese", "translator"),
    ("what is 'butterfly' in German?", "translator"),
    ("give me a tl;dr: results were flat, costs rose, we hired three people", "summarizer"),
    ("recap the meeting notes below", "summarizer"),
    ("proofread: i has went to the store yesterday", "proofreader"),
    ("fix the typos in this: teh meeting is tomorow", "proofreader"),
    ("what time is it in New York?", "chat"),
    ("good evening, how's it going?", "chat"),
]


@pytest.mark.parametrize(("text", "agent"), CASES)
async def test_requests_reach_their_agent_by_scope(bot: Bot, text: str, agent: str) -> None:
    route = await bot.router.route(Message(ConversationKey("test", "C1"), text, user_id="U1"))
    assert (route.agent, route.rule) == (agent, "semantic"), route.reason
