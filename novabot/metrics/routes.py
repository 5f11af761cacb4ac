"""The routes monitoring asks: `/healthz` (alive), `/readyz` (ready to answer), `/metrics`
(Prometheus). Mounted on Nova's one HTTP server beside the API and Slack's events."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from aiohttp import web

from novabot.metrics import CONTENT_TYPE_LATEST, Metrics
from novabot.metrics.readiness import Readiness


def health_routes(metrics: Metrics, readiness: Readiness) -> list[web.RouteDef]:
    async def healthz(request: web.Request) -> web.Response:
        # Answering at all is the claim: the event loop is alive and serving.
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        checks = await readiness.checks()
        ready = all(check.ok for check in checks)
        body = {"ready": ready, "checks": [asdict(check) for check in checks]}
        return web.json_response(body, status=200 if ready else 503)

    async def scrape(request: web.Request) -> web.Response:
        # The stored totals are SQLite queries: off the loop, so answers keep streaming.
        body = await asyncio.to_thread(metrics.exposition)
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    return [
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", scrape),
    ]
