"""The dashboard as an aiohttp application, mounted at /dashboard on Nova's HTTP server."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from aiohttp import web

from novabot.dashboard.session import Sessions
from novabot.dashboard.sources import SOURCES, Sources
from novabot.dashboard.views import (
    agents,
    conversations,
    knowledge,
    overview,
    pipelines,
    schedules,
)
from novabot.dashboard.views.login import login_routes

PREFIX = "/dashboard"
STATIC = Path(str(files("novabot.dashboard") / "static"))


def dashboard_app(sources: Sources, sessions: Sessions) -> web.Application:
    app = web.Application(middlewares=[sessions.guard])
    app[SOURCES] = sources
    app.add_routes(login_routes(sessions))
    app.add_routes(
        [
            web.get("/", overview.overview, name="overview"),
            web.get("/agents", agents.agents, name="agents"),
            web.get("/conversations", conversations.conversations, name="conversations"),
            web.get(r"/conversations/{id}", conversations.conversation, name="conversation"),
            web.get("/pipelines", pipelines.pipelines, name="pipelines"),
            web.get(r"/pipelines/{id}", pipelines.pipeline, name="pipeline"),
            web.get("/schedules", schedules.schedules, name="schedules"),
            web.post(r"/schedules/{id}", schedules.decide, name="schedule_decision"),
            web.get("/knowledge", knowledge.knowledge, name="knowledge"),
            web.post(r"/knowledge/{id}", knowledge.decide, name="knowledge_decision"),
            web.static("/static", STATIC, name="static"),
        ]
    )
    return app
