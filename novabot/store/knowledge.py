"""Knowledge items: what a project knows (schemas, rules, decisions, open problems…),
searchable by full text (SQLite FTS5, kept in step by triggers), with sentence vectors
kept beside them for the semantic half of retrieval (projects/retrieval.py)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from novabot.store.conversations import StoreBase
from novabot.store.errors import StoreError
from novabot.store.projects import ProjectError
from novabot.store.records import now_text, parse_time

KINDS = ("schema", "rule", "decision", "problem", "glossary", "note")
STATUSES = ("proposed", "active", "resolved", "superseded", "dismissed")
MAX_BODY = 20_000
"""Characters of Markdown an item's body may hold."""
MAX_TITLE = 200

_WORD = re.compile(r"\w+", re.UNICODE)


class KnowledgeError(StoreError):
    """An item that cannot be stored or found as asked (one line, for the user)."""


@dataclass(frozen=True, slots=True)
class KnowledgeItem:
    id: int
    project: str
    kind: str
    title: str
    body: str
    tags: tuple[str, ...]
    pinned: bool
    status: str
    supersedes: int | None
    source: str
    source_link: str | None
    author: str
    origin: str | None
    created_at: datetime
    updated_at: datetime


EDITABLE = frozenset(
    {"kind", "title", "body", "tags", "pinned", "status", "supersedes", "source",
     "source_link", "author"}
)  # fmt: skip


def check_item(values: dict[str, Any]) -> dict[str, Any]:
    """Validate (and normalise) item fields before anything is written."""
    checked = dict(values)
    if "kind" in checked and checked["kind"] not in KINDS:
        raise KnowledgeError(f"kind must be one of {', '.join(KINDS)}, not '{checked['kind']}'")
    if "status" in checked and checked["status"] not in STATUSES:
        raise KnowledgeError(
            f"status must be one of {', '.join(STATUSES)}, not '{checked['status']}'"
        )
    if "title" in checked:
        checked["title"] = " ".join(str(checked["title"]).split())
        if not checked["title"] or len(checked["title"]) > MAX_TITLE:
            raise KnowledgeError(f"a title needs 1 to {MAX_TITLE} characters")
    if "body" in checked:
        if not str(checked["body"]).strip():
            raise KnowledgeError("the body is empty: say what there is to know")
        if len(checked["body"]) > MAX_BODY:
            raise KnowledgeError(
                f"the body has {len(checked['body']):,} characters; the limit is {MAX_BODY:,}"
            )
    if "tags" in checked:
        checked["tags"] = " ".join(
            sorted({t.strip().lower() for t in checked["tags"] if t.strip()})
        )
    if "pinned" in checked:
        checked["pinned"] = int(bool(checked["pinned"]))
    return checked


def fts_query(text: str) -> str | None:
    """A user's words as an FTS5 query: each token quoted (so punctuation such as
    `orders.status` or `don't` never breaks it), any of them matching; None if no word."""
    words = _WORD.findall(text.lower())
    if not words:
        return None
    return " OR ".join(f'"{word}"' for word in dict.fromkeys(words))


class KnowledgeMixin(StoreBase):
    async def add_knowledge(
        self,
        project: str,
        kind: str,
        title: str,
        body: str,
        *,
        tags: Iterable[str] = (),
        pinned: bool = False,
        status: str = "active",
        supersedes: int | None = None,
        source: str = "",
        source_link: str | None = None,
        author: str = "",
        origin: str | None = None,
    ) -> KnowledgeItem:
        """Store an item; one with the same `origin` in the project is updated instead."""
        values = check_item(
            {"kind": kind, "title": title, "body": body, "tags": list(tags), "pinned": pinned,
             "status": status, "supersedes": supersedes, "source": source,
             "source_link": source_link, "author": author}
        )  # fmt: skip
        now = now_text()
        async with self._db.transaction() as tx:
            project_id = await _project_id(tx, project)
            columns = ", ".join(values)
            row = await tx.fetchone(
                f"INSERT INTO knowledge (project_id, {columns}, origin, created_at, updated_at)"
                f" VALUES (?, {', '.join('?' * len(values))}, ?, ?, ?)"
                " ON CONFLICT (project_id, origin) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in values if c != "status")
                + ", updated_at = excluded.updated_at RETURNING id",
                (project_id, *values.values(), origin, now, now),
            )
        assert row is not None
        return await self.require_knowledge(int(row["id"]))

    async def knowledge(self, item_id: int) -> KnowledgeItem | None:
        rows = await self._db.fetchall(f"{SELECT_ITEMS} WHERE k.id = ?", (item_id,))
        return item_from_row(rows[0]) if rows else None

    async def require_knowledge(self, item_id: int) -> KnowledgeItem:
        found = await self.knowledge(item_id)
        if found is None:
            raise KnowledgeError(f"there is no knowledge item {item_id}")
        return found

    async def knowledge_items(
        self,
        project: str,
        *,
        kinds: Sequence[str] = (),
        statuses: Sequence[str] = (),
        pinned: bool | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[KnowledgeItem]:
        """A project's items (newest first), filtered by kind, status, pinned or id."""
        where: list[str] = ["p.name = ?"]
        params: list[object] = [project]
        for column, wanted in (("k.kind", kinds), ("k.status", statuses), ("k.id", ids)):
            if wanted is not None and (wanted or column == "k.id"):
                where.append(f"{column} IN ({', '.join('?' * len(wanted))})")
                params.extend(wanted)
        if pinned is not None:
            where.append("k.pinned = ?")
            params.append(int(pinned))
        rows = await self._db.fetchall(
            f"{SELECT_ITEMS} WHERE {' AND '.join(where)} ORDER BY k.updated_at DESC, k.id DESC",
            params,
        )
        return [item_from_row(row) for row in rows]

    async def edit_knowledge(self, item_id: int, **changes: Any) -> KnowledgeItem:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise KnowledgeError(f"cannot edit {', '.join(sorted(unknown))} of an item")
        values = check_item(changes)
        if values:
            async with self._db.transaction() as tx:
                sets = ", ".join(f"{column} = ?" for column in values)
                rows = await tx.fetchall(
                    f"UPDATE knowledge SET {sets}, updated_at = ? WHERE id = ? RETURNING id",
                    (*values.values(), now_text(), item_id),
                )
            if not rows:
                raise KnowledgeError(f"there is no knowledge item {item_id}")
        return await self.require_knowledge(item_id)

    async def move_knowledge(self, item_id: int, status: str, *, only_from: str) -> bool:
        """Change an item's status only if it is `only_from` now (a confirm or dismiss
        button clicked twice changes it once); True if it changed."""
        check_item({"status": status})
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE knowledge SET status = ?, updated_at = ? WHERE id = ? AND status = ?"
                " RETURNING id",
                (status, now_text(), item_id, only_from),
            )
        return bool(rows)

    async def forget_knowledge(self, item_id: int) -> bool:
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("DELETE FROM knowledge WHERE id = ? RETURNING id", (item_id,))
        return bool(rows)

    async def search_knowledge(
        self, project: str, query: str, *, statuses: Sequence[str] = ("active",), limit: int = 20
    ) -> list[tuple[KnowledgeItem, float]]:
        """Items matching the words of `query` by BM25 (best first, with the rank as
        SQLite gives it: lower is better); [] when the query has no word in it."""
        match = fts_query(query)
        if match is None or not statuses:
            return []
        rows = await self._db.fetchall(
            f"{_SELECT_RANKED} WHERE knowledge_fts MATCH ? AND p.name = ?"
            f" AND k.status IN ({', '.join('?' * len(statuses))}) ORDER BY rank LIMIT ?",
            (match, project, *statuses, limit),
        )
        return [(item_from_row(row), float(row["rank"])) for row in rows]

    async def knowledge_version(self, project: str) -> tuple[int, int, str]:
        """(items, highest id, latest update) of a project: changes whenever an item is
        added, edited, moved or forgotten, so a cache of its items knows when to reload."""
        row = await self._db.fetchone(
            "SELECT count(k.id) AS n, coalesce(max(k.id), 0) AS top,"
            " coalesce(max(k.updated_at), '') AS latest FROM projects p"
            " LEFT JOIN knowledge k ON k.project_id = p.id WHERE p.name = ?",
            (project,),
        )
        assert row is not None  # an aggregate always has a row
        return int(row["n"]), int(row["top"]), str(row["latest"])

    async def knowledge_vectors(self, project: str, model: str) -> dict[int, tuple[str, bytes]]:
        """item id -> (digest of the text it was made from, float32 vector bytes)."""
        rows = await self._db.fetchall(
            "SELECT v.item_id, v.digest, v.vector FROM knowledge_vectors v"
            " JOIN knowledge k ON k.id = v.item_id JOIN projects p ON p.id = k.project_id"
            " WHERE p.name = ? AND v.model = ?",
            (project, model),
        )
        return {int(r["item_id"]): (str(r["digest"]), bytes(r["vector"])) for r in rows}

    async def save_knowledge_vectors(
        self, model: str, vectors: Iterable[tuple[int, str, bytes]]
    ) -> None:
        async with self._db.transaction() as tx:
            for item_id, digest, vector in vectors:
                await tx.fetchall(
                    "INSERT OR REPLACE INTO knowledge_vectors (item_id, model, digest, vector)"
                    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM knowledge WHERE id = ?)",
                    (item_id, model, digest, vector, item_id),
                )


SELECT_ITEMS = (
    "SELECT k.*, p.name AS project FROM knowledge k JOIN projects p ON p.id = k.project_id"
)
_SELECT_RANKED = (
    "SELECT k.*, p.name AS project, knowledge_fts.rank AS rank FROM knowledge_fts"
    " JOIN knowledge k ON k.id = knowledge_fts.rowid JOIN projects p ON p.id = k.project_id"
)


async def _project_id(tx: Any, project: str) -> int:
    row = await tx.fetchone("SELECT id FROM projects WHERE name = ?", (project,))
    if row is None:
        raise ProjectError(f"there is no project named '{project[:40]}'")
    return int(row["id"])


def item_from_row(row: sqlite3.Row) -> KnowledgeItem:
    values = {f.name: row[f.name] for f in fields(KnowledgeItem)}
    values["tags"] = tuple(row["tags"].split()) if row["tags"] else ()
    values["pinned"] = bool(row["pinned"])
    values["created_at"] = parse_time(row["created_at"])
    values["updated_at"] = parse_time(row["updated_at"])
    return KnowledgeItem(**values)
