"""Discord's REST wire format as the fake speaks it: request bodies (JSON or multipart with
`payload_json`), exact JSON answers, and the "Unknown …" errors."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
Answer = tuple[int, Any]
"""Status and JSON body; None answers 204 No Content."""
MAX_UPLOAD = 10 << 20  # aiohttp's default client_max_size is 1 MiB


async def read_body(request: web.Request) -> tuple[Any, tuple[tuple[str, bytes], ...]]:
    if not request.can_read_body:
        return None, ()
    if request.content_type.startswith("multipart/"):  # Discord takes files up to 10 MiB
        form = await request.clone(client_max_size=MAX_UPLOAD).post()
        fields = form.values()
        files = tuple((f.filename, f.file.read()) for f in fields if isinstance(f, web.FileField))
        payload = form.get("payload_json")
        return (json.loads(payload) if isinstance(payload, str) else None), files
    text = await request.text()
    try:
        return json.loads(text), ()
    except ValueError:
        return text or None, ()


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Content-Type exactly "application/json": discord.py treats anything else as text."""
    if body is None and status == 204:
        return web.Response(status=204, headers=headers)
    headers = {"Content-Type": "application/json", **(headers or {})}
    # text= would get "; charset=utf-8" appended even with this header (aiohttp 3.14): send bytes
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)


def unknown(what: str, code: int) -> Answer:
    return 404, {"message": f"Unknown {what}", "code": code}


def found(registry: dict[int, JSON], m: re.Match[str], what: str, code: int) -> Answer:
    item = registry.get(int(m["id"]))
    return (200, item) if item else unknown(what, code)
