"""Router v1: every message goes to exactly one agent, with a reason that can be shown.

The rules, in order:
1. explicit address: `@translator …` in the text, or an agent named by the adapter
   (`--agent`, a slash-command option); then a claim by a conversation's owner (a
   pipeline's thread belongs to the pipeline agent);
2. conversation stickiness: a follow-up goes to the agent that answered last, unless the
   scope matcher finds the message clearly another agent's job (that agent clears the
   threshold and beats the last agent's own match by `switch_margin`);
3. the channel's default agent, when one is bound;
4. the scope matcher's best agent, when it clears that agent's threshold; when the
   runner-up is within `tie_margin` and a tie-break is configured, the LLM chooses
   between the two scope cards;
5. else the router abstains: the fallback agent (`chat`) answers with a note saying no
   agent covers the message, or, with `abstain="decline"`, Nova says so itself.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from novabot.core.message import ConversationKey, Message
from novabot.routing.request import request_text
from novabot.routing.rules import RouteRule
from novabot.routing.scope import Candidate, ScopeMatcher

TOP_CANDIDATES = 5
_ADDRESS = re.compile(r"^\s*@([a-z][a-z0-9_-]*)\b[:,]?\s*", re.IGNORECASE)


class UnknownAgentError(Exception):
    """The user named an agent that does not exist."""


@dataclass(frozen=True)
class Route:
    agent: str
    rule: RouteRule
    reason: str
    score: float
    text: str
    """The message text the agent should answer (an `@agent` address removed)."""
    candidates: tuple[Candidate, ...] = ()
    """The scope matcher's ranking, best first, kept so `why` can show the runner-up."""


Claim = Callable[[Message], Awaitable["Route | None"]]
"""Something that owns some conversations outright (a pipeline owns its thread)."""


@dataclass(frozen=True)
class TieBreakChoice:
    agent: str
    reason: str


TieBreak = Callable[[str, Candidate, Candidate], Awaitable[TieBreakChoice | None]]
"""Chooses between the top two candidates for a message (an LLM call); None: no choice."""


class RoutingMemory(Protocol):
    """What the router reads from the store."""

    async def last_agent(self, key: ConversationKey) -> str | None: ...

    async def channel_agent(self, platform: str, channel_id: str) -> str | None: ...


class Router:
    def __init__(
        self,
        agents: Collection[str],
        memory: RoutingMemory,
        matcher: ScopeMatcher,
        *,
        fallback: str = "chat",
        switch_margin: float = 0.25,
        claims: Sequence[Claim] = (),
        abstain: str = "chat",
        tiebreak: TieBreak | None = None,
        tie_margin: float = 0.1,
    ) -> None:
        if fallback not in agents:
            raise ValueError(f"the fallback agent '{fallback}' has no scope card")
        self.agents = set(agents)
        self.memory = memory
        self.matcher = matcher
        self.fallback = fallback
        self.switch_margin = switch_margin
        self.claims = list(claims)
        self.abstain = abstain
        self.tiebreak = tiebreak
        self.tie_margin = tie_margin

    async def route(self, message: Message) -> Route:
        explicit = self._explicit(message)
        if explicit:
            return explicit
        for claim in self.claims:
            claimed = await claim(message)
            if claimed:
                return claimed
        # A model-backed matcher takes milliseconds (or a network call): keep the loop free.
        ranking = await asyncio.to_thread(self.matcher.rank, message.text)
        route = (
            await self._sticky(message, ranking)
            or await self._channel(message)
            or await self._matched(message, ranking)
            or self._fallback(message, ranking)
        )
        return replace(route, candidates=tuple(ranking[:TOP_CANDIDATES]))

    def _explicit(self, message: Message) -> Route | None:
        if message.agent:
            self._require_known(message.agent)
            return Route(message.agent, RouteRule.EXPLICIT, "named explicitly", 1.0, message.text)
        match = _ADDRESS.match(message.text)
        if not match or match.group(1).lower() not in self.agents:
            return None  # "@someone" that is not an agent is just text
        agent = match.group(1).lower()
        rest = message.text[match.end() :].strip() or message.text
        return Route(agent, RouteRule.EXPLICIT, f"addressed as @{agent}", 1.0, rest)

    async def _sticky(self, message: Message, ranking: list[Candidate]) -> Route | None:
        previous = await self.memory.last_agent(message.key)
        if previous not in self.agents:
            return None
        best = ranking[0] if ranking else None
        own = next((c.score for c in ranking if c.agent == previous), 0.0)
        if (
            best
            and best.agent != previous
            and self._clears(best)
            and best.score - own >= self.switch_margin
        ):
            return None  # "proofread this" after a translation is a new request
        reason = f"follow-up in a conversation {previous} answered"
        return Route(previous, RouteRule.THREAD, reason, 1.0, message.text)

    async def _channel(self, message: Message) -> Route | None:
        bound = await self.memory.channel_agent(message.key.platform, message.key.channel_id)
        if bound not in self.agents:
            return None
        return Route(
            bound, RouteRule.CHANNEL, f"{bound} is this channel's agent", 1.0, message.text
        )

    def _clears(self, candidate: Candidate) -> bool:
        return candidate.score >= self.matcher.threshold_for(candidate.agent)

    async def _matched(self, message: Message, ranking: list[Candidate]) -> Route | None:
        if not ranking or not self._clears(ranking[0]):
            return None
        best = ranking[0]
        if len(ranking) > 1 and self._too_close(best, ranking[1]):
            decided = await self._break_tie(message, best, ranking[1])
            if decided:
                return decided
        reason = f"best {self.matcher.name} match with {best.agent}'s scope"
        return Route(best.agent, RouteRule(self.matcher.name), reason, best.score, message.text)

    def _too_close(self, best: Candidate, second: Candidate) -> bool:
        return (
            self.tiebreak is not None
            and self._clears(second)
            and best.score - second.score < self.tie_margin
        )

    async def _break_tie(
        self, message: Message, best: Candidate, second: Candidate
    ) -> Route | None:
        assert self.tiebreak is not None
        # The request, as it was ranked: a long paste would cost tokens and pull the LLM
        # toward its topic, as it pulled the matcher.
        choice = await self.tiebreak(request_text(message.text), best, second)
        if choice is None or choice.agent not in (best.agent, second.agent):
            return None
        chosen = best if choice.agent == best.agent else second
        margin = best.score - second.score
        reason = (
            f"{best.agent} and {second.agent} were {margin:.2f} apart;"
            f" the LLM chose {chosen.agent}: {choice.reason}"
        )
        return Route(chosen.agent, RouteRule.TIEBREAK, reason, chosen.score, message.text)

    def _fallback(self, message: Message, ranking: list[Candidate]) -> Route:
        closest = [c for c in ranking[:3] if c.score > 0]
        if closest:
            named = ", ".join(f"{c.agent} {c.score:.2f}" for c in closest)
            reason = f"no agent's scope covers this (closest: {named})"
        else:
            reason = "no agent's scope covers this"
        rule = RouteRule.DECLINED if self.abstain == "decline" else RouteRule.FALLBACK
        score = ranking[0].score if ranking else 0.0
        return Route(self.fallback, rule, reason, score, message.text)

    def _require_known(self, agent: str) -> None:
        if agent not in self.agents:
            known = ", ".join(sorted(self.agents))
            raise UnknownAgentError(f"there is no agent named '{agent}' (agents: {known})")
