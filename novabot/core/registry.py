"""The registry: the agents, tools and commands one Nova process knows."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from novabot.agents.agent import Agent
from novabot.agents.cards import CardError, ScopeCard
from novabot.agents.tools import Tool
from novabot.commands.command import Command

AgentFactory = Callable[[ScopeCard, list[Tool], list[ScopeCard]], Agent]


class Registry:
    def __init__(self) -> None:
        self.agents: dict[str, Agent] = {}
        self.tools: dict[str, Tool] = {}
        self.commands: dict[str, Command] = {}
        self.agent_factories: dict[str, AgentFactory] = {}
        """Agents whose behaviour needs more than a card and tools, by card name."""

    def add_tool(self, tool: Tool) -> None:
        if tool.name in self.tools:
            raise ValueError(f"a tool named '{tool.name}' is already registered")
        self.tools[tool.name] = tool

    def add_command(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"a command named '{command.name}' is already registered")
        self.commands[command.name] = command

    def build_agents(self, cards: Iterable[ScopeCard]) -> None:
        """Turn cards into agents; a card naming a tool nobody registered is an error."""
        cards = list(cards)
        agents = {}
        for card in cards:
            missing = [name for name in card.tools if name not in self.tools]
            if missing:
                known = ", ".join(sorted(self.tools)) or "none"
                raise CardError(
                    f"{card.source}: field 'tools': unknown tool '{missing[0]}' (tools: {known})"
                )
            make = self.agent_factories.get(card.name, Agent)
            agents[card.name] = make(card, [self.tools[n] for n in card.tools], cards)
        self.agents = agents

    @property
    def cards(self) -> list[ScopeCard]:
        return [agent.card for agent in self.agents.values()]

    @property
    def routable_cards(self) -> list[ScopeCard]:
        """The agents users talk to (internal ones, like the planner, are left out)."""
        return [card for card in self.cards if card.routable]
