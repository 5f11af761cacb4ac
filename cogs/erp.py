"""The ERP specialists' tools, `erp_schema` and `erp_query`, and their agent class.

A conversation reads its project's ERP database (`nova project set NAME --erp-url URL`),
else `NOVA_ERP_DATABASE_URL`. The database layer (novabot/erp/) makes every query
read-only, single-statement, time-boxed and size-capped; this cog says who asked (the
turn's conversation, the agent being charged), logs every query, and shows the queries
under the answer.

Why a quoted "Queries" block at the end of the answer: it is plain Markdown, so every
platform shows it the same way (Slack and Discord as a quote, the terminal as text), it
reaches the outbox and the history with the answer, and it needs nothing of an adapter.
Each query is one line, cut at 300 characters (the log has it whole); a Discord spoiler
would hide it on one platform only and show pipes everywhere else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from novabot.agents.agent import Agent
from novabot.agents.tools import ToolFunc
from novabot.agents.turn import Turn, current_turn
from novabot.config import ErpSettings
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder, ResponderProxy, Stream
from novabot.erp import ErpDatabase, ErpError, QueryResult
from novabot.erp.connect import limits_of, open_database
from novabot.erp.render import (
    QueryRecord,
    milliseconds,
    render_queries,
    render_result,
    render_schema,
)
from novabot.llm.client import Answer
from novabot.llm.metering import UNATTRIBUTED, current_charge
from novabot.oneline import one_line

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup
    from novabot.store import Store

log = logging.getLogger(__name__)

ERP_AGENTS = ("erp-inventory", "erp-sales", "erp-finance", "erp-purchasing", "erp-sql")
NOT_CONFIGURED = (
    "No ERP database is configured here: set NOVA_ERP_DATABASE_URL, or have an admin run "
    "`nova project set NAME --erp-url URL` for this channel's project."
)
LOGGED_SQL_LIMIT = 4000

shown_queries: ContextVar[list[QueryRecord] | None] = ContextVar("erp_queries", default=None)
"""The queries of the answer being written (set by ErpAgent), to show under it."""


class NotConfigured(ErpError):
    """Neither the conversation's project nor the settings name an ERP database."""


class Erp:
    """Finds a conversation's ERP database and runs the tools on it."""

    def __init__(self, store: Store, settings: ErpSettings) -> None:
        self.store = store
        self.settings = settings
        self.limits = limits_of(settings)

    def asker(self) -> tuple[str, ConversationKey | None]:
        """Who is asking: the agent being charged for this work and the conversation.
        A chat turn names its conversation; a pipeline step or a scheduled job has no
        turn, and its charge carries the conversation it works for."""
        turn = current_turn.get()
        charge = current_charge()
        charged = charge.key != UNATTRIBUTED
        key = turn.message.key if turn is not None else (charge.key if charged else None)
        agent = charge.agent if charged or turn is None else turn.route.agent
        return agent, key

    async def database(self, key: ConversationKey | None) -> tuple[ErpDatabase, str | None]:
        """The database of the conversation's project, else the default; and the project."""
        project = None if key is None else await self.store.project_for(key)
        url = project.erp_url if project is not None else None
        if url is None and self.settings.database_url is not None:
            url = self.settings.database_url.get_secret_value()
        if url is None:
            raise NotConfigured(NOT_CONFIGURED)
        return open_database(url, self.limits), None if project is None else project.name

    async def schema(self) -> str:
        agent, key = self.asker()
        try:
            db, project = await self.database(key)
            tables = await db.schema()
        except NotConfigured as exc:
            return str(exc)
        except ErpError as exc:
            log.warning("erp schema for %s in %s: %s", agent, key, exc)
            return exc.line
        notes = []
        if project is not None:
            notes = await self.store.knowledge_items(
                project, kinds=("schema",), statuses=("active",)
            )
        log.info("erp schema for %s in %s: %d tables", agent, key, len(tables))
        dialect = "SQLite" if db.url.kind == "sqlite" else "PostgreSQL"
        return render_schema(tables, notes, f"({dialect} dialect)")

    async def query(self, sql: str) -> str:
        agent, key = self.asker()
        try:
            db, _ = await self.database(key)
        except NotConfigured as exc:
            return str(exc)
        except ErpError as exc:  # a stored URL Nova cannot use
            log.warning("erp query by %s in %s: %s", agent, key, exc)
            return exc.line
        started = time.monotonic()
        try:
            result = await db.query(sql)
        except ErpError as exc:
            took = milliseconds(time.monotonic() - started)
            log.warning(
                "erp query by %s in %s %s after %s (%s): %s",
                agent, key, exc.prefix, took, exc, one_line(sql, LOGGED_SQL_LIMIT),
            )  # fmt: skip
            self.show(sql, exc.prefix)
            return exc.line
        what = outcome(result)
        log.info("erp query by %s in %s: %s: %s", agent, key, what, one_line(sql, LOGGED_SQL_LIMIT))
        self.show(sql, what)
        return render_result(result, self.limits)

    def show(self, sql: str, what: str) -> None:
        records = shown_queries.get()
        if records is not None:
            records.append(QueryRecord(sql, what))


def outcome(result: QueryResult) -> str:
    cut = " (truncated)" if result.truncated else ""
    rows = "1 row" if len(result.rows) == 1 else f"{len(result.rows)} rows"
    return f"{rows}{cut}, {milliseconds(result.elapsed_s)}"


def tools(erp: Erp) -> list[ToolFunc]:
    async def erp_schema() -> str:
        """The ERP database's tables and views: columns, keys, row counts, the SQL dialect,
        and the project's notes on them. Call it before writing SQL you are unsure of."""
        return await erp.schema()

    async def erp_query(
        sql: Annotated[
            str, Field(description="One SELECT (or WITH … SELECT) statement, nothing else")
        ],
    ) -> str:
        """Run one read-only SQL query on the ERP database and get its rows (at most about
        100; a cut result says TRUNCATED). Writes and multiple statements are refused."""
        return await erp.query(sql)

    return [erp_schema, erp_query]


class ErpAgent(Agent):
    """An ERP specialist: answers as any agent does, then lists the queries it ran under
    the answer, so the user can check where the numbers came from."""

    async def handle(self, turn: Turn) -> Answer:
        records: list[QueryRecord] = []
        token = shown_queries.set(records)
        try:
            answer = await super().handle(replace(turn, responder=_Shown(turn.responder, records)))
        finally:
            shown_queries.reset(token)
        block = render_queries(records)
        if block:  # the stream showed it; the outbox and the history get it too
            answer.text = f"{answer.text.rstrip()}\n\n{block}"
        return answer


class _Shown(ResponderProxy):
    """The turn's responder, whose answer stream ends with the queries block."""

    def __init__(self, inner: Responder, records: Sequence[QueryRecord]) -> None:
        super().__init__(inner)
        self.records = records

    def stream(self, *, agent: str | None = None) -> Stream:
        return _QueriesAtEnd(self.inner.stream(agent=agent), self.records)


class _QueriesAtEnd(Stream):
    def __init__(self, inner: Stream, records: Sequence[QueryRecord]) -> None:
        super().__init__()
        self.inner = inner
        self.records = records

    async def __aenter__(self) -> Stream:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        block = render_queries(self.records)
        if exc_type is None and block:
            await self.write(f"\n\n{block}")
        await self.inner.__aexit__(exc_type, exc, tb)

    async def write(self, delta: str) -> None:
        self.parts.append(delta)
        await self.inner.write(delta)

    async def finish(self, *, failed: bool) -> None:
        await self.inner.finish(failed=failed)


async def setup(nova: CogSetup) -> None:
    erp = Erp(nova.store, nova.settings.erp)
    for tool in tools(erp):
        nova.add_tool(tool)
    for name in ERP_AGENTS:
        nova.registry.agent_factories[name] = ErpAgent
