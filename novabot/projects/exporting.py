"""Knowledge to files: one Markdown file per item, with the front matter import reads.

The front matter carries the item's `origin` (or, for an item typed in chat or on the
command line, its `id`), so importing the folder back into the same project updates
those items, and into another project recreates them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from novabot.projects.importing import slugify, unique
from novabot.store import Store
from novabot.store.knowledge import KnowledgeItem


async def export_project(store: Store, project: str, folder: Path) -> list[Path]:
    """Write every item of `project` (whatever its status) into `folder`; the paths."""
    await store.require_project(project)
    items = sorted(await store.knowledge_items(project), key=lambda item: item.id)
    return await asyncio.to_thread(write_items, items, folder)


def write_items(items: list[KnowledgeItem], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    seen: set[str] = set()
    for item in items:
        path = folder / f"{unique(f'{item.kind}-{slugify(item.title)}', seen)}.md"
        path.write_text(as_markdown(item), encoding="utf-8")
        written.append(path)
    return written


def as_markdown(item: KnowledgeItem) -> str:
    meta: dict[str, Any] = {"kind": item.kind, "title": item.title}
    if item.tags:
        meta["tags"] = list(item.tags)
    if item.pinned:
        meta["pinned"] = True
    meta["status"] = item.status
    if item.origin:
        meta["origin"] = item.origin
    else:
        meta["id"] = item.id
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{item.body.strip()}\n"
