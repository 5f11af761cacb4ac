"""The dashboard as a part of `nova run`: mounted on Nova's HTTP server once the operator
has set a password (`nova dashboard set-password`); never served without one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from novabot.adapters.http_server import HttpPart, HttpServer
from novabot.app import knowledge_embedder
from novabot.dashboard.session import Sessions
from novabot.dashboard.site import PREFIX, dashboard_app
from novabot.dashboard.sources import LintOnce, Sources
from novabot.routing.quality.lint import LintReport, lint_cards

if TYPE_CHECKING:
    from novabot.app import App


def mount_dashboard(app: App, http: HttpServer, sessions: Sessions | None = None) -> None:
    """Serve the dashboard at /dashboard/ (and redirect /dashboard there)."""
    cards = app.registry.routable_cards
    embedder = knowledge_embedder(app.router)

    def lint() -> LintReport:
        return lint_cards(cards, embedder())

    sources = Sources(
        store=app.store,
        cards=cards,
        threshold_for=app.router.matcher.threshold_for,
        prices=app.bot.services.prices,
        lint=LintOnce(lint),
        schedules_changed=app.scheduler.refresh,
    )
    http.mount(PREFIX, dashboard_app(sources, sessions or Sessions(app.store)))
    http.add_routes([web.get(PREFIX, _to_overview)])


async def _to_overview(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(PREFIX + "/")


class DashboardOnly(HttpPart):
    """The HTTP server started for the dashboard (and monitoring) alone."""

    name = "dashboard"

    @property
    def description(self) -> str:
        return f"the dashboard (at {self.http.url}{PREFIX}/)"
