"""Text as it enters Nova from a platform or the command line, made safe to store and send.

JSON allows a lone UTF-16 surrogate (`"\\ud800"`), and Python turns command-line bytes
that are not UTF-8 into surrogates too (`surrogateescape`). Such a string cannot be
encoded as UTF-8, so SQLite, the LLM request and the platform's client would each fail on
it. Adapters pass every text they take in through `clean_text` once, at the edge.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (the rest is left as it is)."""
    # A well-formed pair never reaches here as two code points: json.loads and the
    # platforms' clients join pairs, so any surrogate left is one that cannot be encoded.
    return _SURROGATE.sub(REPLACEMENT, text)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)
