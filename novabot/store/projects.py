"""Projects, and which channels (terminal threads, for `cli`) belong to which project."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from novabot.core.message import ConversationKey
from novabot.store.conversations import StoreBase
from novabot.store.errors import StoreError
from novabot.store.records import now_text, parse_time

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
"""A project's name: a slug, as it is typed in commands (`/nova project bind airep`)."""


class ProjectError(StoreError):
    """A project operation that cannot be done as asked (unknown, duplicate, bound)."""


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    name: str
    title: str
    description: str
    created_at: datetime
    erp_url: str | None = None
    """The project's ERP database (sqlite:///… or postgresql://…); None: the default one."""


@dataclass(frozen=True, slots=True)
class ProjectBinding:
    platform: str
    channel_id: str
    project: str


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ProjectError(
            f"'{name[:40]}' is not a project name: use lower-case letters, digits and dashes"
            " (up to 40, starting with a letter or digit)"
        )
    return name


def binding_channels(key: ConversationKey) -> list[str]:
    """The binding rows that may hold a conversation's project, most specific first: a
    terminal thread is bound by its own name; elsewhere a thread inherits its channel's."""
    if key.platform == "cli" and key.thread_id:
        return [key.thread_id, key.channel_id]
    return [key.channel_id]


class ProjectsMixin(StoreBase):
    async def create_project(self, name: str, *, title: str = "", description: str = "") -> Project:
        now = now_text()
        try:
            async with self._db.transaction() as tx:
                row = await tx.fetchone(
                    "INSERT INTO projects (name, title, description, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?) RETURNING *",
                    (check_name(name), title, description, now, now),
                )
        except sqlite3.IntegrityError:
            raise ProjectError(f"there is already a project named '{name}'") from None
        assert row is not None
        return _project(row)

    async def project(self, name: str) -> Project | None:
        row = await self._db.fetchone("SELECT * FROM projects WHERE name = ?", (name,))
        return None if row is None else _project(row)

    async def require_project(self, name: str) -> Project:
        found = await self.project(name)
        if found is None:
            known = ", ".join(p.name for p in await self.projects()) or "none yet"
            raise ProjectError(f"there is no project named '{name[:40]}' (projects: {known})")
        return found

    async def projects(self) -> list[Project]:
        rows = await self._db.fetchall("SELECT * FROM projects ORDER BY name")
        return [_project(row) for row in rows]

    async def set_project_erp_url(self, name: str, url: str | None) -> Project:
        """Point a project at its ERP database (None: back to NOVA_ERP_DATABASE_URL)."""
        await self.require_project(name)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE projects SET erp_url = ?, updated_at = ? WHERE name = ? RETURNING *",
                (url, now_text(), name),
            )
        assert row is not None
        return _project(row)

    async def delete_project(self, name: str) -> bool:
        """Delete a project with its knowledge and bindings; False if there was none."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("DELETE FROM projects WHERE name = ? RETURNING id", (name,))
        return bool(rows)

    async def bind_project(
        self, platform: str, channel_id: str, name: str, *, force: bool = False
    ) -> str | None:
        """Bind a channel to a project; returns the project it was bound to before (None).
        A channel bound to another project stays so unless `force`."""
        project = await self.require_project(name)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT p.name FROM project_bindings b JOIN projects p ON p.id = b.project_id"
                " WHERE b.platform = ? AND b.channel_id = ?",
                (platform, channel_id),
            )
            before = None if row is None else str(row["name"])
            if before not in (None, name) and not force:
                raise ProjectError(
                    f"{platform}:{channel_id} is bound to project '{before}'; "
                    "unbind it first, or bind again with --force"
                )
            await tx.fetchall(
                "INSERT OR REPLACE INTO project_bindings (platform, channel_id, project_id,"
                " bound_at) VALUES (?, ?, ?, ?)",
                (platform, channel_id, project.id, now_text()),
            )
        return before

    async def unbind_project(self, platform: str, channel_id: str) -> str | None:
        """Unbind a channel; returns the project it was bound to (None: it was not)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "DELETE FROM project_bindings WHERE platform = ? AND channel_id = ?"
                " RETURNING project_id",
                (platform, channel_id),
            )
            if row is None:
                return None
            name = await tx.fetchone("SELECT name FROM projects WHERE id = ?", (row["project_id"],))
        return None if name is None else str(name["name"])

    async def project_bindings(self, name: str | None = None) -> list[ProjectBinding]:
        rows = await self._db.fetchall(
            "SELECT b.platform, b.channel_id, p.name FROM project_bindings b"
            " JOIN projects p ON p.id = b.project_id WHERE ? IS NULL OR p.name = ?"
            " ORDER BY p.name, b.platform, b.channel_id",
            (name, name),
        )
        return [ProjectBinding(r["platform"], r["channel_id"], r["name"]) for r in rows]

    async def project_for(self, key: ConversationKey) -> Project | None:
        """The project a conversation belongs to, through its channel (or its own terminal
        thread); None when it belongs to none."""
        for channel_id in binding_channels(key):
            row = await self._db.fetchone(
                "SELECT p.* FROM project_bindings b JOIN projects p ON p.id = b.project_id"
                " WHERE b.platform = ? AND b.channel_id = ?",
                (key.platform, channel_id),
            )
            if row is not None:
                return _project(row)
        return None


def _project(row: sqlite3.Row) -> Project:
    return Project(
        int(row["id"]),
        row["name"],
        row["title"],
        row["description"],
        parse_time(row["created_at"]),
        row["erp_url"],
    )
