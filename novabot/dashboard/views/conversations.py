"""Conversations per platform and channel, each message with its routing decision."""

from __future__ import annotations

from aiohttp import web

from novabot.dashboard.render import render
from novabot.dashboard.sources import sources_of
from novabot.dashboard.views.params import page_number, path_id

PAGE_SIZE = 50


async def conversations(request: web.Request) -> web.Response:
    store = sources_of(request).store
    platform = request.query.get("platform") or None
    page = page_number(request)
    rows = await store.conversation_list(
        platform=platform, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request, "conversations.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE,
        page=page, platform=platform or "", platforms=await store.conversation_platforms(),
    )  # fmt: skip


async def conversation(request: web.Request) -> web.Response:
    store = sources_of(request).store
    conversation_id = path_id(request, "conversation")
    summary = await store.conversation_summary(conversation_id)
    if summary is None:
        raise web.HTTPNotFound(text=f"There is no conversation #{conversation_id}.")
    turns = await store.conversation_turns(conversation_id)
    wanted = {i for turn in turns if turn.decision for i in turn.decision.knowledge_ids}
    titles = await store.knowledge_titles(wanted)
    return render(request, "conversation.html", summary=summary, turns=turns, titles=titles)
