"""An agent: a scope card brought to life with the LLM and the tools it may use."""

from __future__ import annotations

from collections.abc import Sequence

from novabot.agents.cards import ScopeCard
from novabot.agents.tools import Tool
from novabot.agents.turn import Turn, current_turn
from novabot.llm.client import LLM, Answer, ChatMessage
from novabot.projects.context import ProjectKnowledge, render_knowledge
from novabot.routing.rules import RouteRule


class Agent:
    """Answers the turns routed to it, staying inside the scope its card declares."""

    def __init__(self, card: ScopeCard, tools: Sequence[Tool], peers: Sequence[ScopeCard]) -> None:
        self.card = card
        self.tools = list(tools)
        self.system_prompt = compose_system_prompt(card, peers)

    @property
    def name(self) -> str:
        return self.card.name

    async def perform(
        self,
        llm: LLM,
        request: str,
        *,
        knowledge: ProjectKnowledge | None = None,
        max_tokens: int | None = None,
    ) -> Answer:
        """Answer one self-contained request without streaming (a pipeline step, a
        scheduled job), with the knowledge of the run's project when it has one."""
        system = self.system_prompt
        if knowledge is not None and knowledge.items:
            system += "\n\n" + render_knowledge(knowledge)
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": request},
        ]
        return await llm.answer(
            messages,
            model=self.card.model,
            temperature=self.card.temperature,
            tools=self.tools,
            max_tokens=max_tokens,
        )

    async def handle(self, turn: Turn) -> Answer:
        messages = await self.messages_for(turn)
        tools = await self.tools_for(turn)
        token = current_turn.set(turn)
        try:
            async with turn.responder.stream(agent=self.name) as stream:
                return await turn.llm.answer(
                    messages,
                    model=self.card.model,
                    temperature=self.card.temperature,
                    tools=tools,
                    on_text=stream.write,
                )
        finally:
            current_turn.reset(token)

    async def messages_for(self, turn: Turn) -> list[ChatMessage]:
        """The prompt for a turn; agents that know more (a pipeline's run) add to it."""
        system = self.system_prompt
        if turn.route.rule == RouteRule.FALLBACK:
            # The router abstained: say so, so the agent answers as a generalist, not as
            # if the request were squarely its own.
            system += f"\n\nRouting note: {turn.route.reason}. {ABSTAIN_NOTE}"
        if turn.knowledge is not None and turn.knowledge.items:
            system += "\n\n" + render_knowledge(turn.knowledge)
        return [
            {"role": "system", "content": system},
            *turn.history,
            {"role": "user", "content": turn.text},
        ]

    async def tools_for(self, turn: Turn) -> list[Tool]:
        return self.tools


ABSTAIN_NOTE = (
    "Answer it if you can do so well; if it needs a capability Nova lacks, say so plainly."
)


def compose_system_prompt(card: ScopeCard, peers: Sequence[ScopeCard]) -> str:
    """The card's own prompt plus its scope, so the model knows where its job ends.

    The other agents are listed so that, asked for something outside its scope, the
    agent can name the one that does it instead of half-answering.
    """
    does = "\n".join(f"- {item}" for item in card.does)
    does_not = "\n".join(f"- {item}" for item in card.does_not)
    others = "\n".join(
        f"- {peer.name}: {peer.description}" for peer in peers if peer != card and peer.routable
    )
    scope = (
        f"You are Nova's `{card.name}` agent: {card.description}\n\n"
        f"You do:\n{does}\n\nYou do NOT:\n{does_not}\n\n"
        "If a request is outside your scope, do not attempt it: say in one sentence that it "
        "is not your job and name the agent that handles it (the user can address it as "
        "@name)."
    )
    if others:
        scope += f"\n\nNova's other agents:\n{others}"
    return f"{card.prompt}\n\n{scope}".strip()
