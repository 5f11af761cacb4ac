"""Pages from Jinja templates (autoescaped: everything shown comes from users or LLMs),
in one layout with the navigation and the session's CSRF token for forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
from aiohttp import web

from novabot.dashboard.session import CSRF

PAGES = (
    ("overview", "Overview"),
    ("agents", "Agents"),
    ("conversations", "Conversations"),
    ("pipelines", "Pipelines"),
    ("schedules", "Schedules"),
    ("knowledge", "Knowledge"),
)
"""The navigation: route name and title, in order."""
SECTION_OF = {"conversation": "conversations", "pipeline": "pipelines"}
"""Pages shown under another page's tab."""

SECURITY_HEADERS = {
    # No script but the dashboard's own file, no framing (clickjacking), no sniffing.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self';"
    " script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("novabot.dashboard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a misspelt name fails the test, not the page
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(moment: datetime | None) -> str:
    """A time as the operator reads it: UTC, to the second."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


_ENV.filters["when"] = when


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """The page `template` for this request, with the layout's own values added."""
    name = request.match_info.route.name or ""
    page = _ENV.get_template(template).render(
        pages=PAGES,
        url=lambda name, **parts: str(request.app.router[name].url_for(**parts)),
        section=SECTION_OF.get(name, name),
        csrf=request.get(CSRF, ""),
        **context,
    )
    return web.Response(
        text=page, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )
