"""`nova run` as a real process for the fault suite: started, read, killed, restarted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from tests.fakes.openai_wire import JSON, Text, user_text


class NovaProcess:
    """One `nova run`; its stdout lines are collected, its stderr goes to a file."""

    def __init__(self, cwd: Path, env: dict[str, str], name: str = "nova") -> None:
        self.cwd = cwd
        self.env = env
        self.stderr_path = cwd / f"{name}.stderr"
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, *, listening: int = 1, timeout: float = 60) -> NovaProcess:  # noqa: ASYNC109
        """Start and wait until `listening` adapters say they listen."""
        with self.stderr_path.open("ab") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "novabot", "run",
                cwd=self.cwd, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        await self.wait_for_lines("nova: listening on", count=listening, timeout=timeout)
        return self

    async def wait_for_lines(self, prefix: str, *, count: int = 1, timeout: float = 30) -> None:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while sum(line.startswith(prefix) for line in self.lines) < count:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"nova exited {self.process.returncode}: {self.stderr()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {prefix!r} within {timeout}s: {self.lines}")
            await asyncio.sleep(0.05)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self._stop_reading()

    async def stop(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """SIGTERM and wait; returns the exit code (killing it if it overstays)."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self._stop_reading()
        return self.process.returncode or 0

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    async def _stop_reading(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._reader, 5)
            self._reader = None


@contextlib.asynccontextmanager
async def stopped_at_exit(*processes: NovaProcess) -> AsyncIterator[None]:
    """Whatever the test did, none of these processes outlives it."""
    try:
        yield
    finally:
        for process in processes:
            if process.process is not None and process.process.returncode is None:
                await process.stop(timeout=10)


def full_answer(text: str) -> str:
    return f"Answer to «{text}»: " + " ".join(f"w{n}" for n in range(30)) + " END"


def slow_answers(body: JSON) -> Text:
    """Each message gets its own answer, streamed slowly enough to be caught mid-way."""
    return Text(full_answer(user_text(body)), chunk_delay_s=0.25)


def quick_answers(body: JSON) -> Text:
    return Text(full_answer(user_text(body)))
