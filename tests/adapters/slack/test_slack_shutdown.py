"""Stopping `nova run`: answers under way finish, or are cut with a note; nothing half-kept."""

from __future__ import annotations

import asyncio

from novabot.adapters.serve import serve
from novabot.core.message import ConversationKey
from tests.adapters.slack.conftest import StartSlack
from tests.adapters.slack.test_slack_events import MENTION
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually

THREAD = ConversationKey("slack", "C1", "100.000001")
WORDS = " ".join(f"word{n}" for n in range(40))


async def shut_down_mid_answer(
    start_slack: StartSlack, grace_s: float
) -> tuple[list[str], list[str]]:
    """Stop the service while an answer streams; return the thread's texts and kept roles."""
    running = await start_slack()
    await running.adapter.stop()  # serve() starts it again
    stop = asyncio.Event()
    service = asyncio.create_task(serve(running.app, [running.adapter], grace_s=grace_s, stop=stop))
    await eventually(lambda: running.adapter.started)
    await running.event(MENTION)
    await running.fake.wait_for("chat.update")  # the answer is streaming
    stop.set()
    await asyncio.wait_for(service, timeout=10)
    texts = [m["text"] for m in running.replies("C1", "100.000001")]
    roles = [m.role for m in await running.bot.store.history(THREAD)]
    await running.stop()
    return texts, roles


async def test_a_stop_lets_the_answer_finish_within_the_grace(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(WORDS, chunk_delay_s=0.03))
    texts, roles = await shut_down_mid_answer(start_slack, grace_s=10)
    assert (texts, roles) == ([WORDS], ["user", "assistant"])


async def test_a_stop_past_the_grace_cuts_the_answer_with_a_note(
    start_slack: StartSlack, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(WORDS, chunk_delay_s=0.1))
    [text], roles = await shut_down_mid_answer(start_slack, grace_s=0.3)
    assert text.startswith("word0") and text.endswith("_(answer cut short)_")
    assert roles == ["user"]  # no half answer kept as if it were whole
