"""The agents: each scope card, its threshold and use, and how far the scopes overlap."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from novabot.dashboard.charts import heat_map
from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.dashboard.views.overview import AgentTotals, agent_totals
from novabot.routing.quality.lint import LintError, LintReport

USAGE_DAYS = 30


async def agents(request: web.Request) -> web.Response:
    sources = sources_of(request)
    since = sources.clock() - timedelta(days=USAGE_DAYS)
    counts = await sources.store.activity_by_day(since)
    tokens = await sources.store.tokens_by_day(since)
    usage = {row.agent: row for row in agent_totals(counts, tokens, sources.price_table())}
    cards = [
        (card, sources.threshold_for(card.name), usage.get(card.name, AgentTotals(card.name)))
        for card in sources.cards
    ]
    report, lint_error = await _lint(request)
    picture = ""
    if report is not None:
        picture = heat_map(report.agents, report.overlap, threshold=report.max_overlap)
    return render(
        request, "agents.html", cards=cards, usage_days=USAGE_DAYS, report=report,
        heat_map=picture, lint_error=lint_error,
    )  # fmt: skip


async def _lint(request: web.Request) -> tuple[LintReport | None, str]:
    try:
        return await sources_of(request).lint.report(), ""
    except LintError as exc:  # e.g. the encoder's runtime missing: the cards still show
        return None, str(exc)
