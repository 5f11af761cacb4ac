"""The optional LLM tie-break: when the top two agents are too close to call.

Off by default (`NOVA_ROUTER_LLM_TIEBREAK=1` turns it on). The LLM sees both scope cards
and the message, and answers with one forced function call, `choose_agent`; the call is
charged to the `router` agent in the message's conversation (the bot routes inside
`charged_to("router")`), and the choice is recorded in the routing decision.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from novabot.agents.cards import ScopeCard
from novabot.llm.client import LLM, LLMError
from novabot.routing.router import TieBreakChoice
from novabot.routing.scope import Candidate

log = logging.getLogger(__name__)
_INSTRUCTIONS = (
    "You route one user message to exactly one of two agents. Read both scope cards, "
    "including what each does NOT do, and choose the agent whose scope the message is in. "
    "Answer only by calling choose_agent."
)


class LLMTieBreak:
    def __init__(self, llm: LLM, cards: Mapping[str, ScopeCard]) -> None:
        self.llm = llm
        self.cards = dict(cards)
        self.calls = 0

    async def __call__(
        self, text: str, first: Candidate, second: Candidate
    ) -> TieBreakChoice | None:
        names = [first.agent, second.agent]
        schema = {
            "type": "object",
            "properties": {
                "agent": {"type": "string", "enum": names},
                "reason": {"type": "string", "description": "at most 15 words"},
            },
            "required": ["agent", "reason"],
        }
        cards = "\n\n".join(describe(self.cards[name]) for name in names)
        messages = [
            {"role": "system", "content": _INSTRUCTIONS},
            {"role": "user", "content": f"{cards}\n\nMessage:\n{text}"},
        ]
        self.calls += 1
        try:
            arguments, _ = await self.llm.call_function(
                messages,
                name="choose_agent",
                description="Route the message to the agent whose scope it is in.",
                parameters=schema,
            )
        except LLMError as exc:
            log.warning("router tie-break failed, keeping the best score: %s", exc)
            return None
        return _choice(arguments, names)


def describe(card: ScopeCard) -> str:
    does = "; ".join(card.does)
    does_not = "; ".join(card.does_not)
    return f"Agent {card.name}: {card.description}\nDoes: {does}\nDoes NOT: {does_not}"


def _choice(arguments: dict[str, object] | None, names: list[str]) -> TieBreakChoice | None:
    agent = str(arguments.get("agent", "")) if arguments else ""
    if agent not in names:
        log.warning("router tie-break did not choose one of %s: %.200s", names, arguments)
        return None
    reason = str(arguments.get("reason", "")).strip() if arguments else ""
    return TieBreakChoice(agent, reason or "no reason given")
