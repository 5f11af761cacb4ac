"""Test doubles that belong to Nova itself (not to any client library)."""

from __future__ import annotations

import asyncio
import inspect
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from novabot.core.message import ConversationKey
from novabot.core.responder import LiveMessage, Responder, Stream


class RecordingResponder(Responder):
    """Keeps what an agent said, the way a chat platform would show it."""

    def __init__(self, key: ConversationKey | None = None) -> None:
        self.key = key
        self.said: list[tuple[str | None, str]] = []
        self.deltas: list[str] = []
        self.threads: list[RecordingResponder] = []
        self.live_texts: list[str] = []

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.said]

    async def say(self, text: str, *, agent: str | None = None) -> None:
        self.said.append((agent, text))

    def stream(self, *, agent: str | None = None) -> Stream:
        return _RecordingStream(self, agent)

    async def thread(self, title: str) -> Responder:
        parent = self.key or ConversationKey("test", "C1")
        thread = RecordingResponder(ConversationKey(parent.platform, parent.channel_id, title))
        self.threads.append(thread)
        return thread

    async def live(self, text: str) -> LiveMessage:
        return _RecordingLive(self, text)


class _RecordingLive(LiveMessage):
    def __init__(self, responder: RecordingResponder, text: str) -> None:
        self.responder = responder
        responder.live_texts.append(text)

    async def update(self, text: str) -> None:
        self.responder.live_texts.append(text)

    async def close(self) -> None:
        pass


class _RecordingStream(Stream):
    def __init__(self, responder: RecordingResponder, agent: str | None) -> None:
        super().__init__()
        self._responder = responder
        self._agent = agent

    async def on_delta(self, delta: str) -> None:
        self._responder.deltas.append(delta)

    async def finish(self, *, failed: bool) -> None:
        if self.text:
            await self._responder.say(self.text, agent=self._agent)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def eventually(check: Callable[[], Any], within: float = 5.0) -> Any:
    """Poll until `check()` is truthy (bolt answers after it has acked the request);
    `check` may be a coroutine function (e.g. one that reads the database)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


async def start_nova_run(cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`nova run` as a child process, its output piped: the caller reads its first line
    (the "listening" line) and stops it."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", "run",
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
