"""The `ops` agent's tools: Nova's own operations, asked in chat.

Token use and cost (by agent, model, channel, project or day, for a period), pipeline
runs by status, the LLM endpoint's and the adapters' health, errors in the log by their
id, and which agents exist. The logic is in novabot/ops/; who may see what is in
novabot/ops/caller.py (admins everything; others their own channel, and no errors).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from novabot.agents.tools import ToolFunc
from novabot.agents.turn import current_turn
from novabot.config import Settings
from novabot.core.access import AccessPolicy
from novabot.core.registry import Registry
from novabot.ops.caller import ERRORS_ARE_FOR_ADMINS, Caller
from novabot.ops.errors import RECENT_LIMIT, lookup
from novabot.ops.health import check_endpoint, describe_adapters, describe_endpoint
from novabot.ops.pipelines import STATUS_CHOICES, describe_runs
from novabot.ops.prices import PriceError, load_prices, prices_file
from novabot.ops.usage import period_start, report

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup
    from novabot.store import Store

GroupBy = Literal["agent", "model", "channel", "project", "day"]
Period = Literal["today", "week", "month", "24h", "7d", "30d", "all"]
RunStatus = Literal["unfinished", "running", "pending", "failed", "cancelled", "done", "all"]
Everywhere = Annotated[
    bool,
    Field(
        description="Every channel (admins only; others get their own channel's) or just this one"
    ),
]


class Ops:
    """The tools' shared parts: the store, the settings, the registry, the admin list."""

    def __init__(
        self, store: Store, settings: Settings, registry: Registry, access: AccessPolicy
    ) -> None:
        self.store = store
        self.settings = settings
        self.registry = registry
        self.access = access

    def caller(self) -> Caller:
        turn = current_turn.get()
        if turn is None:
            return Caller(None, admin=False)
        key = turn.message.key
        return Caller(key, self.access.is_admin(key.platform, turn.message.user_id))

    async def usage(self, by: str, period: str, everywhere: bool) -> str:
        try:
            channel, where, note = self.caller().scope(everywhere, "token use")
            prices = load_prices(prices_file(self.settings.prices_file))
        except PermissionError as exc:
            return str(exc)
        except PriceError as exc:
            return f"error: the price table cannot be used: {exc}"
        since = period_start(period, datetime.now(UTC), ZoneInfo(self.settings.timezone))
        rows = await self.store.usage_groups(by, since=since, channel=channel)
        text = report(rows, prices, by=by, period=period, where=where)
        return f"{note}\n{text}" if note else text

    async def pipelines(self, status: str, everywhere: bool, limit: int) -> str:
        try:
            channel, where, note = self.caller().scope(everywhere, "pipelines")
        except PermissionError as exc:
            return str(exc)
        counts = await self.store.run_status_counts(channel=channel)
        runs = await self.store.runs_with_status(
            STATUS_CHOICES[status], channel=channel, limit=limit
        )
        text = describe_runs(counts, runs, status=status, where=where)
        return f"{note}\n{text}" if note else text

    async def health(self) -> str:
        llm = self.settings.llm
        endpoint = await check_endpoint(
            self.settings.llm_endpoint, self.settings.llm_key, model=llm.model
        )
        url = self.settings.llm_endpoint if self.caller().admin else None
        workers = await self.store.workers()
        queues = await self.store.post_queues()
        keys = len(await self.store.api_keys())
        dashboard = await self.store.dashboard_password() is not None
        adapters = describe_adapters(
            self.settings, workers, queues, api_keys=keys, dashboard=dashboard
        )
        return "\n".join([describe_endpoint(endpoint, model=llm.model, url=url), adapters])

    async def errors(self, error_id: str, limit: int) -> str:
        if not self.caller().admin:
            return ERRORS_ARE_FOR_ADMINS
        log_file = self.settings.resolved_log_file
        # The log can be long; reading it must not hold up other answers.
        return await asyncio.to_thread(lookup, log_file, error_id.strip() or None, limit)

    def agents(self) -> str:
        cards = self.registry.routable_cards
        lines = [f"{len(cards)} agents answer messages:"]
        lines += [f"- {card.name}: {card.description}" for card in cards]
        return "\n".join(lines)


def tools(ops: Ops) -> list[ToolFunc]:
    """The agent tools, as closures over the cog's parts (tools are plain functions)."""

    async def ops_usage(
        by: Annotated[GroupBy, Field(description="What to group the tokens and cost by")] = "agent",
        period: Annotated[
            Period,
            Field(
                description="today/week/month: calendar, in Nova's time zone; 24h/7d/30d: rolling"
            ),
        ] = "7d",
        everywhere: Everywhere = True,
    ) -> str:
        """Tokens used and what they cost (USD, from the price table; a model without a
        price counts as 0 and is named), grouped by agent, model, channel, project or day."""
        return await ops.usage(by, period, everywhere)

    async def ops_pipelines(
        status: Annotated[
            RunStatus, Field(description="unfinished = pending or running (stuck ones show here)")
        ] = "unfinished",
        everywhere: Everywhere = True,
        limit: Annotated[int, Field(ge=1, le=20, description="How many runs to list")] = 10,
    ) -> str:
        """Pipeline runs by status: counts per status, then the newest runs with their
        steps' progress, the failed step's error, and runs that look stuck."""
        return await ops.pipelines(status, everywhere, limit)

    async def ops_health() -> str:
        """Whether the LLM endpoint answers (a quick GET /models), which adapters are
        configured, which `nova run` processes keep a heartbeat, and what waits to be posted."""
        return await ops.health()

    async def ops_errors(
        error_id: Annotated[
            str, Field(description="An 8-hex-digit error id (e.g. 3f9a1c2b); empty: the newest")
        ] = "",
        limit: Annotated[int, Field(ge=1, le=RECENT_LIMIT, description="How many recent ones")] = 5,
    ) -> str:
        """Nova's errors from its log file (admins only): one by its error id with the
        traceback, or the most recent ones in one line each."""
        return await ops.errors(error_id, limit)

    async def ops_agents() -> str:
        """The agents this Nova has, each with what it is for."""
        return ops.agents()

    return [ops_usage, ops_pipelines, ops_health, ops_errors, ops_agents]


async def setup(nova: CogSetup) -> None:
    ops = Ops(nova.store, nova.settings, nova.registry, AccessPolicy.from_settings(nova.settings))
    for tool in tools(ops):
        nova.add_tool(tool)
