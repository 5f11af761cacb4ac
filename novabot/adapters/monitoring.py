"""Health and metrics on Nova's HTTP server, whichever parts share it.

`/healthz`, `/readyz` and `/metrics` are mounted whenever the server runs (for Slack's
Events API or the API). With `NOVA_HTTP_ALWAYS=1` the server runs even when nothing else
needs it (Discord or Socket Mode only), so a container's health check and Prometheus
still have something to ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from novabot.adapters.http_server import HttpPart, HttpServer
from novabot.metrics.readiness import Connectable, EndpointWatch, Readiness
from novabot.metrics.routes import health_routes
from novabot.ops.health import check_endpoint

if TYPE_CHECKING:
    from novabot.app import App


def mount_monitoring(app: App, http: HttpServer, adapters: Sequence[Connectable]) -> None:
    """Add the monitoring routes; readiness looks at `adapters` as the list is then."""
    settings = app.settings
    check = partial(
        check_endpoint, settings.llm_endpoint, settings.llm_key, model=settings.llm.model
    )
    readiness = Readiness(app.store, adapters, EndpointWatch(check))
    http.add_routes(health_routes(app.metrics, readiness))


class MonitoringOnly(HttpPart):
    """The HTTP server started for monitoring alone (`NOVA_HTTP_ALWAYS=1`)."""

    @property
    def description(self) -> str:
        return f"health and metrics (at {self.http.url}/healthz, /readyz, /metrics)"
