"""Reading numbers from a page's address: a bad one is one clear line, not a traceback."""

from __future__ import annotations

from aiohttp import web


def page_number(request: web.Request) -> int:
    text = request.query.get("page", "1")
    if not text.isdigit() or int(text) < 1:
        raise web.HTTPBadRequest(text=f"page must be a positive number, not {text!r}")
    return int(text)


def path_id(request: web.Request, what: str) -> int:
    """The `{id}` of the address, as a number; 404 naming `what` when it is not one."""
    text = request.match_info["id"]
    if not text.isdigit():
        raise web.HTTPNotFound(text=f"{text!r} is not a {what} number.")
    return int(text)
