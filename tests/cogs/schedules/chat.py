"""Talking to the schedules cog as every adapter does: a command, or a message to the
scheduler agent (the fake OpenAI server scripts the model)."""

from __future__ import annotations

from novabot.app import App
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder

ADMIN, USER, OTHER_USER = "ADMIN", "U2", "U3"
KEY = ConversationKey("test", "C1")
THREAD = ConversationKey("test", "C1", "T1")
ELSEWHERE = ConversationKey("test", "C2")
ZONE = "Europe/London"


async def run(
    app: App, text: str, user: str = ADMIN, key: ConversationKey = KEY
) -> tuple[bool, str]:
    name, _, args = text.partition(" ")
    reply = await app.bot.run_command(key, user, name, args, RecordingResponder(key))
    assert "\n" not in reply.text or reply.ok, reply.text  # errors are one line
    return reply.ok, reply.text


def new_id(text: str) -> int:
    """`Added #12: …` → 12."""
    return int(text.split("#", 1)[1].split(":", 1)[0])


async def ask(
    app: App, text: str, user: str = USER, key: ConversationKey = KEY
) -> RecordingResponder:
    responder = RecordingResponder(key)
    await app.bot.handle(Message(key, text, user_id=user, agent="scheduler"), responder)
    return responder


def tool_result(fake: FakeOpenAI, request: int = 1) -> str:
    return str(fake.requests[request].body["messages"][-1]["content"])
