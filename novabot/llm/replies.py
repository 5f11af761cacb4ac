"""Reading structured answers out of a model's text: models wrap JSON in code fences."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def unfenced(text: str) -> str:
    """The text without surrounding whitespace and a Markdown code fence, if it has one."""
    body = text.strip()
    fenced = _FENCE.match(body)
    return fenced.group(1) if fenced else body
