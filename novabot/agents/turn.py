"""A turn: everything an agent needs to answer one message."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from novabot.core.message import Message
from novabot.core.responder import Responder
from novabot.llm.client import LLM, ChatMessage
from novabot.projects.context import ProjectKnowledge

if TYPE_CHECKING:
    from novabot.routing.router import Route


@dataclass
class Turn:
    message: Message
    route: Route
    llm: LLM
    responder: Responder
    history: list[ChatMessage] = field(default_factory=list)
    """Earlier messages of this conversation, oldest first, within the token budget."""
    knowledge: ProjectKnowledge | None = None
    """The conversation's project and the items of it chosen for this message (None: the
    conversation belongs to no project)."""

    @property
    def text(self) -> str:
        """What the agent should answer: the message without its `@agent` address."""
        return self.route.text


current_turn: ContextVar[Turn | None] = ContextVar("current_turn", default=None)
"""The turn being answered, for tools that act on it (hand-offs, starting a pipeline)."""
