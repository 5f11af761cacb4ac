"""The "Project knowledge" section of an agent's system prompt, and what it is made of.

Each item is one block headed by its kind, id, date and title ("rule #12, 2026-11-02:
VAT rounding") so the agent can cite it as "per rule #12", and the user can look it up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from novabot.core.message import ConversationKey
from novabot.llm.client import estimate_tokens
from novabot.store.knowledge import KnowledgeItem

PREAMBLE = (
    "## Project knowledge\n"
    "These are the records of project {project}: rely on them over your own assumptions, "
    'and cite an item by kind and id when you use it (e.g. "per {example}").'
)
BLOCK_FRAMING = 4
"""Tokens a block costs beyond its text (the blank line between blocks, rounding)."""


@dataclass(frozen=True)
class ProjectKnowledge:
    """The items of a project chosen for one prompt, in the order they are shown."""

    project: str
    items: tuple[KnowledgeItem, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(item.id for item in self.items)


class KnowledgeSource(Protocol):
    """Where the bot gets a conversation's project knowledge for a message."""

    async def for_message(self, key: ConversationKey, text: str) -> ProjectKnowledge | None:
        """The chosen items, or None when the conversation belongs to no project."""
        ...


def cite(item: KnowledgeItem) -> str:
    """How an item is named in prompts and in `why`: "rule #12"."""
    return f"{item.kind} #{item.id}"


def render_item(item: KnowledgeItem) -> str:
    head = f"{cite(item)}, {item.created_at.date().isoformat()}: {item.title}"
    return f"{head}\n{item.body.strip()}"


def item_tokens(item: KnowledgeItem) -> int:
    """What an item adds to a prompt, estimated as the history's messages are."""
    return estimate_tokens(render_item(item)) + BLOCK_FRAMING


def preamble(project: str, example: str = "rule #12") -> str:
    return PREAMBLE.format(project=project, example=example)


def preamble_tokens(project: str) -> int:
    return estimate_tokens(preamble(project)) + BLOCK_FRAMING


def render_knowledge(knowledge: ProjectKnowledge) -> str:
    """The section's text; empty when no item was chosen (there is nothing to cite)."""
    if not knowledge.items:
        return ""
    blocks: Sequence[str] = [render_item(item) for item in knowledge.items]
    return "\n\n".join([preamble(knowledge.project, cite(knowledge.items[0])), *blocks])
