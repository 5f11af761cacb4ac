"""Requests that belong to no agent: actions Nova has no tool for (calling, buying,
booking, smart home) and live data it cannot see (weather now, prices, scores, news).

The router learns them as a class of their own (semantic/matcher.py), so a message like
them leaves every agent a low score and the router abstains, instead of the broadest
agent (chat) claiming it. The shipped list can be extended with an `outside.txt` in
NOVA_PROMPTS_DIR: one message per line, `#` starts a comment.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

FILE_NAME = "outside.txt"
SHIPPED = Path(__file__).with_name(FILE_NAME)


def read_outside(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def outside_requests(extra_dirs: Iterable[Path] = ()) -> list[str]:
    """The shipped list, then each extra directory's `outside.txt` when it has one."""
    requests = read_outside(SHIPPED)
    for directory in extra_dirs:
        own = directory / FILE_NAME
        if own.is_file():
            requests += read_outside(own)
    return requests
