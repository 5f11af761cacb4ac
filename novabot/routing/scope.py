"""The interface between the router and whatever ranks agents by scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Candidate:
    agent: str
    score: float
    """0 (nothing in common) to 1 (the message is squarely in this agent's scope)."""


class ScopeMatcher(Protocol):
    """Ranks agents for a message, best first (`SemanticMatcher`, `LexicalMatcher`)."""

    @property
    def name(self) -> str:
        """How the router's decisions name this matcher (a `RouteRule` value)."""
        ...

    def rank(self, text: str) -> list[Candidate]: ...

    def threshold_for(self, agent: str) -> float:
        """The score `agent` must reach for the router to pick it."""
        ...
