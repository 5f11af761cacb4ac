"""The API as a part of `nova run`: its routes, mounted at /v1 on Nova's HTTP server."""

from __future__ import annotations

import time

from aiohttp import web

from novabot.adapters.http_server import HttpPart, HttpServer
from novabot.api.completions import API_KEY, PLATFORM, Completions
from novabot.api.cors import Cors
from novabot.api.errors import error_json
from novabot.api.gate import Gate
from novabot.api.keys import allowed_models
from novabot.api.widget import widget_routes
from novabot.config import Settings
from novabot.core.bot import Bot

PREFIX = "/v1"


def api_app(bot: Bot, settings: Settings) -> web.Application:
    """The API's routes with their middlewares: errors as JSON, CORS, then the key."""
    cors = Cors(settings.api.cors_origins)
    gate = Gate(bot.store)
    app = web.Application(middlewares=[error_json, cors.preflight, gate.middleware])
    app.on_response_prepare.append(cors.on_prepare)
    created = int(time.time())

    async def models(request: web.Request) -> web.Response:
        key = request[API_KEY]
        data = [
            {"id": name, "object": "model", "created": created, "owned_by": "nova"}
            for name in allowed_models(key, bot.agent_names)
        ]
        return web.json_response({"object": "list", "data": data})

    app.router.add_post("/chat/completions", Completions(bot).handle)
    app.router.add_get("/models", models)
    return app


class ApiAdapter(HttpPart):
    """Started and stopped by `nova run`, on the server it shares with the other parts; an
    answer a dead process left is not sent again (its caller got an error)."""

    name = PLATFORM

    def __init__(self, bot: Bot, settings: Settings, http: HttpServer) -> None:
        super().__init__(http)
        http.mount(PREFIX, api_app(bot, settings))
        http.add_routes(widget_routes())  # the web chat: /widget.js, /chat

    @property
    def description(self) -> str:
        return f"the API (OpenAI-compatible, at {self.http.url}{PREFIX})"
