"""A project's knowledge: items proposed from conversations (to confirm or dismiss),
and what the project knows now."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.dashboard.views.params import path_id
from novabot.store.knowledge import KINDS, STATUSES

LISTED = 200


async def knowledge(request: web.Request) -> web.Response:
    store = sources_of(request).store
    projects = await store.projects()
    names = [project.name for project in projects]
    chosen = request.query.get("project") or (names[0] if names else "")
    if chosen and chosen not in names:
        raise web.HTTPNotFound(text=f"There is no project named {chosen!r}.")
    items = await store.knowledge_items(chosen) if chosen else []
    counts = Counter(item.status for item in items)
    return render(
        request, "knowledge.html", projects=projects, chosen=chosen,
        proposals=[item for item in items if item.status == "proposed"],
        active=[item for item in items if item.status == "active"][:LISTED],
        counts=[(status, counts[status]) for status in STATUSES], kinds=KINDS,
        notice=request.query.get("done", ""),
    )  # fmt: skip


async def decide(request: web.Request) -> web.Response:
    """Confirm a proposed item (it joins the project's prompts) or dismiss it."""
    store = sources_of(request).store
    item_id = path_id(request, "knowledge item")
    confirm = (await request.post()).get("decision") == "confirm"
    item = await store.knowledge(item_id)
    if item is None:
        raise web.HTTPNotFound(text=f"There is no knowledge item #{item_id}.")
    if item.status != "proposed":
        notice = f"#{item_id} was already {item.status}."
    else:
        await store.edit_knowledge(item_id, status="active" if confirm else "dismissed")
        notice = f"{'Confirmed' if confirm else 'Dismissed'} #{item_id}: {item.title}"
    target = request.app.router["knowledge"].url_for().with_query(project=item.project, done=notice)
    raise web.HTTPSeeOther(target)
