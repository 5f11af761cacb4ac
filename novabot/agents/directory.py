"""What the parts that use agents (pipelines, hand-offs, the planner) may ask of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from novabot.agents.agent import Agent
from novabot.agents.cards import ScopeCard


class AgentDirectory(Protocol):
    """The loaded agents by name; the registry is the one implementation Nova ships.

    Read at each use, not copied: the agents are built after cogs load, so a part made
    before then (the pipeline service) still sees them.
    """

    @property
    def agents(self) -> Mapping[str, Agent]: ...

    @property
    def routable_cards(self) -> list[ScopeCard]: ...
