"""Split a long Markdown (or Slack mrkdwn) answer into messages a chat platform accepts.

Slack and Discord both cap a message's length. A cut inside a code block would leave one
message with an open fence and render the next one's code as prose, so fenced blocks stay
whole or, when one alone is too long, are closed at each cut and reopened with the same
opening line (language included) in the next message.
"""

from __future__ import annotations

import re

MIN_LIMIT = 20

# Up to any indentation (fences inside list items), then ``` or ~~~ and an info string.
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")

Part = tuple[str, str]  # (separator to put before the piece, the piece)


def split_message(text: str, limit: int) -> list[str]:
    """Cut `text` into non-blank chunks of at most `limit` characters, fences balanced.

    Preference: paragraph boundaries, then lines, then words, then a hard cut. Whitespace-only
    text gives no chunk at all; text that already fits comes back unchanged.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
    if not text.strip():
        return []
    if len(text) <= limit:
        return [text]
    parts: list[Part] = []
    for gap, block in _blocks(text):
        fenced = _opener(block.split("\n", 1)[0]) is not None
        parts += _lead(gap, _split_code(block, limit) if fenced else _split_prose(block, limit))
    return [chunk.rstrip() for chunk in _pack(parts, limit) if chunk.strip()]


def fences_balanced(text: str) -> bool:
    """True when every fenced code block opened in `text` is closed again."""
    marker: str | None = None
    for line in text.split("\n"):
        if marker is None:
            marker = _opener(line)
        elif _closes(line, marker):
            marker = None
    return marker is None


def _opener(line: str) -> str | None:
    """The fence marker if `line` opens a fenced block (CommonMark: no ` in a ``` info)."""
    match = _FENCE.match(line)
    if not match or (match[2][0] == "`" and "`" in match[3]):
        return None
    return match[2]


def _closes(line: str, marker: str) -> bool:
    match = _FENCE.match(line)
    return bool(
        match and match[2][0] == marker[0] and len(match[2]) >= len(marker) and not match[3].strip()
    )


def _blocks(text: str) -> list[Part]:
    """Paragraphs and whole fenced blocks, each with the separator that preceded it."""
    blocks: list[Part] = []
    lines: list[str] = []
    gap, marker = "", None
    for line in [*text.split("\n"), ""]:  # the extra blank line flushes the last paragraph
        if marker is not None:  # inside a fence everything, blank lines too, is code
            lines.append(line)
            if _closes(line, marker):
                blocks.append((gap, "\n".join(lines)))
                lines, gap, marker = [], "\n", None
        elif not line.strip() or _opener(line) is not None:
            if lines:
                blocks.append((gap, "\n".join(lines)))
                lines, gap = [], "\n"
            if not line.strip():
                gap = "\n\n"
            else:
                lines, marker = [line], _opener(line)
        else:
            lines.append(line)
    if marker is not None:  # a fence left open (a cut-off answer): close it so it renders
        indent = _FENCE.match(lines[0])[1]  # type: ignore[index]  # lines[0] opened the fence
        lines = [*lines[:-1], indent + marker]  # the closing fence replaces the flush line
        blocks.append((gap, "\n".join(lines)))
    return blocks


def _split_prose(text: str, limit: int, seps: tuple[str, ...] = ("\n", " ", "")) -> list[Part]:
    """The coarsest split whose pieces fit: lines, then words, then a hard cut."""
    if len(text) <= limit:
        return [("", text)]
    sep, finer = seps[0], seps[1:]
    if not sep:
        return [("", text[i : i + limit]) for i in range(0, len(text), limit)]
    return [
        part for piece in text.split(sep) for part in _lead(sep, _split_prose(piece, limit, finer))
    ]


def _split_code(block: str, limit: int) -> list[Part]:
    """A fenced block that is too long becomes several, each closed and reopened the same way."""
    if len(block) <= limit:
        return [("", block)]
    head, *body, tail = block.split("\n")
    if len(head) + len(tail) + 2 > limit // 2:  # an absurd info string: keep just the fence
        match = _FENCE.match(head)
        head = match[1] + match[2]  # type: ignore[index]  # a fenced block starts with one
    room = limit - len(head) - len(tail) - 2
    if room < 1:  # fences longer than the limit itself: nothing sensible left but prose
        return _split_prose(block, limit)
    lines = [part for line in body for part in _lead("\n", _split_prose(line, room, ("",)))]
    return [("\n", f"{head}\n{code}\n{tail}") for code in _pack(lines, room) or [""]]


def _lead(sep: str, parts: list[Part]) -> list[Part]:
    """Give the first piece the separator that stood before the whole text."""
    return [(sep, parts[0][1]), *parts[1:]] if parts else []


def _pack(parts: list[Part], limit: int) -> list[str]:
    """Greedily join pieces (each at most `limit` long) into as few chunks as fit."""
    chunks: list[str] = []
    current: str | None = None
    for sep, piece in parts:
        if current is not None and len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
        else:
            if current is not None:
                chunks.append(current)
            current = piece
    return [*chunks, current] if current is not None else chunks
