"""Tools for the text agents (summarizer, proofreader): measurements models get wrong."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup

WORDS_PER_MINUTE = 230
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


async def text_stats(
    text: Annotated[str, Field(description="The text to measure")],
) -> dict[str, int | float]:
    """Count a text's words, sentences and characters and estimate its reading time."""
    words = len(text.split())
    sentences = len(_SENTENCE_END.findall(text.strip())) or (1 if words else 0)
    return {
        "words": words,
        "sentences": sentences,
        "characters": len(text),
        "reading_minutes": round(words / WORDS_PER_MINUTE, 1),
    }


async def setup(nova: CogSetup) -> None:
    nova.add_tool(text_stats)
