"""Fitting free text into one line of a log, an error or a table."""

from __future__ import annotations


def one_line(text: str, limit: int) -> str:
    """`text` with its whitespace collapsed, cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
