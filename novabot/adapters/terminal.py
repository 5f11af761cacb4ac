"""The terminal adapter: `nova chat` (a REPL) and `nova ask` (one question, one answer)."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from datetime import datetime
from typing import TextIO

from novabot.adapters.text import clean_optional, clean_text
from novabot.commands.surface import offered_commands
from novabot.core.bot import Bot, Outcome, Status
from novabot.core.message import ConversationKey, Message
from novabot.core.responder import LiveMessage, Responder, Stream
from novabot.store.projects import binding_channels

PLATFORM = "cli"
REPL_ONLY_COMMANDS = {"new": "start a fresh thread", "quit": "leave (also Ctrl-D)"}
QUIT = {"quit", "exit", "q"}


def cli_user() -> str:
    try:
        # From $LOGNAME or $USER when set: whatever bytes the environment holds.
        return clean_text(getpass.getuser())
    except (OSError, KeyError):
        return "user"


def cli_key(thread: str | None) -> ConversationKey:
    """Terminal conversations live in the OS user's channel, one per thread name."""
    return ConversationKey(PLATFORM, cli_user(), clean_optional(thread) or None)


async def join_project(bot: Bot, key: ConversationKey, project: str) -> str | None:
    """Make a terminal conversation belong to `project` (`--project`). The binding is
    stored, so the same thread (or, for the main conversation, every thread without a
    project of its own) keeps it in later sessions. Returns the project it left, if any."""
    channel = binding_channels(key)[0]
    before = await bot.store.bind_project(PLATFORM, channel, project, force=True)
    return before if before != project else None


class TerminalResponder(Responder):
    """Prints answers as they stream; notices (errors, apologies) go to `notices`."""

    def __init__(
        self,
        out: TextIO,
        notices: TextIO,
        *,
        show_agent: bool,
        key: ConversationKey | None = None,
    ) -> None:
        self.out = out
        self.notices = notices
        self.show_agent = show_agent
        self.key = key
        self._held: list[str] | None = None
        """Notices said while `handle` answers a message, printed once it is done."""

    async def thread(self, title: str) -> Responder:
        thread = new_thread_name("pipeline")
        self.notices.write(f"{title} (thread {thread})\n")
        self.notices.flush()
        key = ConversationKey(PLATFORM, cli_user(), thread)
        return TerminalResponder(self.out, self.notices, show_agent=self.show_agent, key=key)

    async def live(self, text: str) -> LiveMessage:
        return _NewLines(self.out, text)

    async def say(self, text: str, *, agent: str | None = None) -> None:
        if not agent and self._held is not None:
            self._held.append(text)
            return
        target = self.out if agent else self.notices
        target.write(self.prefix(agent) + text.rstrip("\n") + "\n")
        target.flush()

    async def handle(self, bot: Bot, message: Message) -> Outcome:
        """Answer one message here; its notices are printed once the outcome is known.

        Whoever reads the terminal runs Nova, so a failure the bot tells in short (as it
        must in a shared channel: an LLM error without the endpoint's address or body) is
        shown in full instead: the short line is the last notice, the outcome has the rest.
        """
        self._held = []
        outcome: Outcome | None = None
        try:
            outcome = await bot.handle(message, self)
        finally:
            held, self._held = self._held, None
            error = outcome.error if outcome and outcome.status == Status.FAILED else None
            if error and not any(error in text for text in held):
                held = [*held[:-1], f"nova: {error}"]
            for text in held:
                await self.say(text)
        return outcome

    def stream(self, *, agent: str | None = None) -> Stream:
        return _TerminalStream(self, agent)

    def prefix(self, agent: str | None) -> str:
        return f"{agent} › " if agent and self.show_agent else ""


class _NewLines(LiveMessage):
    """A terminal cannot edit what it printed: each update prints only its new lines."""

    def __init__(self, out: TextIO, text: str) -> None:
        self.out = out
        self.printed: set[str] = set()
        self._print(text)

    def _print(self, text: str) -> None:
        fresh = [line for line in text.splitlines() if line not in self.printed]
        self.printed.update(fresh)
        if fresh:
            self.out.write("\n".join(fresh) + "\n")
            self.out.flush()

    async def update(self, text: str) -> None:
        self._print(text)

    async def close(self) -> None:
        pass


class _TerminalStream(Stream):
    def __init__(self, responder: TerminalResponder, agent: str | None) -> None:
        super().__init__()
        self._responder = responder
        self._agent = agent

    async def on_delta(self, delta: str) -> None:
        out = self._responder.out
        if len(self.parts) == 1:
            out.write(self._responder.prefix(self._agent))
        out.write(delta)
        out.flush()

    async def finish(self, *, failed: bool) -> None:
        if self.parts:
            self._responder.out.write("\n" if failed or not self.text.endswith("\n") else "")
            self._responder.out.flush()


async def ask(
    bot: Bot, text: str, *, agent: str | None, thread: str | None, project: str | None = None
) -> Outcome:
    """Answer one message on stdout (notices on stderr), as `nova ask` does."""
    user = cli_user()
    if project:
        left = await join_project(bot, cli_key(thread), project)
        if left:
            print(f"nova: this conversation now belongs to {project}, not {left}", file=sys.stderr)
    text, agent = clean_text(text), clean_optional(agent)
    message = Message(cli_key(thread), text, user_id=user, user_name=user, agent=agent)
    responder = TerminalResponder(sys.stdout, sys.stderr, show_agent=False)
    return await responder.handle(bot, message)


class Repl:
    """`nova chat`: read a line, answer it, repeat; slash commands for the rest."""

    def __init__(self, bot: Bot, thread: str | None, project: str | None = None) -> None:
        # A registry command named like a REPL command would be unreachable here.
        offered_commands(bot.commands, {*REPL_ONLY_COMMANDS, *QUIT})
        self.bot = bot
        self.key = cli_key(thread)
        self.project = project
        self.responder = TerminalResponder(sys.stdout, sys.stdout, show_agent=True, key=self.key)

    async def run(self) -> None:
        where = str(self.key)
        if self.project:
            left = await join_project(self.bot, self.key, self.project)
            where += f" (project {self.project}" + (f", no longer {left})" if left else ")")
        print(f"Nova: talking in {where}. /help lists commands, /quit leaves.", flush=True)
        lines = StdinLines()
        while True:
            line = await lines.read_line("you › ")
            if line is None:
                print()
                return
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not await self.command(line[1:]):
                    return
                continue
            await self.send(line)

    async def send(self, text: str) -> None:
        user = cli_user()
        message = Message(self.key, text, user_id=user, user_name=user)
        task = asyncio.ensure_future(self.responder.handle(self.bot, message))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()
            print("\n(stopped)", flush=True)
            raise

    async def command(self, line: str) -> bool:
        """Run a slash command; False means leave the REPL."""
        name, _, args = line.partition(" ")
        name = name.lower()
        if name in QUIT:
            return False
        if name == "new":
            self.key = ConversationKey(PLATFORM, self.key.channel_id, new_thread_name())
            self.responder.key = self.key
            if self.project:  # a fresh thread stays in the project the session is in
                await join_project(self.bot, self.key, self.project)
            print(f"New thread: {self.key.thread_id}", flush=True)
            return True
        reply = await self.bot.run_command(self.key, cli_user(), name, args, self.responder)
        text = reply.text
        if name == "help":
            text += "\n" + "\n".join(f"{n} — {s}" for n, s in REPL_ONLY_COMMANDS.items())
        print(text, flush=True)
        return True


def new_thread_name(prefix: str = "chat") -> str:
    return datetime.now().strftime(f"{prefix}-%Y%m%d-%H%M%S")


class StdinLines:
    """Lines from stdin, read without blocking the event loop; None at end of input.

    A reader callback (not a worker thread) keeps Ctrl-C and shutdown prompt: a thread
    blocked in input() would hold the process open until Enter is pressed. Bytes are read
    from the file descriptor directly because several piped lines can arrive in one read.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._eof = False

    async def read_line(self, prompt: str) -> str | None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        while b"\n" not in self._buffer and not self._eof:
            chunk = await self._read_chunk()
            self._eof = not chunk
            self._buffer += chunk
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", errors="replace")

    async def _read_chunk(self) -> bytes:
        loop = asyncio.get_running_loop()
        fd = sys.stdin.fileno()
        ready: asyncio.Future[None] = loop.create_future()
        try:
            loop.add_reader(fd, _resolve, ready)
        except PermissionError:  # a regular file: epoll refuses it, and it never blocks
            return os.read(fd, 65536)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        return os.read(fd, 65536)


def exit_code(outcome: Outcome) -> int:
    return {Status.ANSWERED: 0, Status.DUPLICATE: 0, Status.REJECTED: 2}.get(outcome.status, 1)


def _resolve(ready: asyncio.Future[None]) -> None:
    """stdin is readable: wake the reader (once; the callback may fire again before)."""
    if not ready.done():
        ready.set_result(None)
