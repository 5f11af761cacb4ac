"""Running git for a code tool: an argument list (never a shell), a clean environment,
a timeout and an output cap.

Environment variables such as GIT_DIR, GIT_WORK_TREE or GIT_CONFIG_* would point git at
another repository or config, so every `GIT_*` variable is dropped. Options that could run
programs named in the repository's config (fsmonitor, external diff, textconv, pagers) or
fetch from a remote (a partial clone's lazy fetch) are switched off on the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from novabot.code.paths import CodeError

SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.pager=cat",
    "-c", "color.ui=false",
    "-c", "protocol.allow=never",
    "-c", "core.quotePath=false",
)  # fmt: skip
STDERR_CAP = 4096


@dataclass(frozen=True)
class GitOutput:
    code: int
    out: str
    err: str
    truncated: bool
    """True when the output reached the cap and git was stopped there."""

    @property
    def first_error(self) -> str:
        lines = [line.strip() for line in self.err.splitlines() if line.strip()]
        return lines[0].removeprefix("fatal: ").removeprefix("error: ") if lines else ""


def git_environment(root: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",  # reading must not take the index lock
        GIT_NO_LAZY_FETCH="1",
        GIT_CEILING_DIRECTORIES=str(root.parent),  # never fall back to an enclosing repo
        GIT_PAGER="cat",
        PAGER="cat",
    )
    return env


async def run_git(root: Path, args: list[str], *, timeout_s: float, cap: int) -> GitOutput:
    """Run `git <args>` in `root`; stop it after `timeout_s` (CodeError) or `cap` bytes."""
    try:
        process = await asyncio.create_subprocess_exec(
            "git", *SAFE_CONFIG, *args,
            cwd=root, env=git_environment(root),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group, so a kill reaches helpers too
        )  # fmt: skip
    except FileNotFoundError:
        raise CodeError("git is not installed on the machine Nova runs on") from None
    assert process.stdout is not None and process.stderr is not None
    errors = asyncio.ensure_future(_read_capped(process.stderr, STDERR_CAP, drain=True))
    try:
        async with asyncio.timeout(timeout_s):
            out = await _read_capped(process.stdout, cap)
            truncated = len(out) > cap
            if truncated:  # enough read: stop git rather than let it block on a full pipe
                _kill(process)
            err = await errors
            code = await process.wait()
    except TimeoutError:
        raise CodeError(f"git took longer than {timeout_s:g} s and was stopped") from None
    finally:
        errors.cancel()
        if process.returncode is None:
            _kill(process)
            await process.wait()
    text = out[:cap].decode("utf-8", errors="replace")
    return GitOutput(code, text, err.decode("utf-8", errors="replace"), truncated)


async def _read_capped(stream: asyncio.StreamReader, cap: int, *, drain: bool = False) -> bytes:
    """Up to cap + 1 bytes (one more tells the caller there was more); with `drain`, read
    on to the end, discarding, so the writer never blocks."""
    data = bytearray()
    while chunk := await stream.read(65536):
        if len(data) <= cap:
            data.extend(chunk)
        if len(data) > cap and not drain:
            break
    return bytes(data[: cap + 1])


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
