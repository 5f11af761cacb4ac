"""The dashboard's login: the operator's password hash and the signed-in sessions.

The store only ever sees hashes (the dashboard hashes the password and the session
cookie): a copy of the database neither reveals the password nor signs anybody in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from novabot.store.conversations import StoreBase
from novabot.store.records import now_text, parse_time, time_after


@dataclass(frozen=True, slots=True)
class DashboardSession:
    csrf: str
    """The token every form of this session must carry."""
    expires_at: datetime


class DashboardLoginMixin(StoreBase):
    async def set_dashboard_password(self, password_hash: str) -> None:
        """Set (or replace) the password; every session signed in before ends."""
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "INSERT INTO dashboard_admin (id, password_hash, set_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash,"
                " set_at = excluded.set_at",
                (password_hash, now_text()),
            )
            await tx.fetchall("DELETE FROM dashboard_sessions")

    async def dashboard_password(self) -> str | None:
        """The password's hash; None while none is set (the dashboard is then off)."""
        row = await self._db.fetchone("SELECT password_hash FROM dashboard_admin WHERE id = 1")
        return None if row is None else str(row["password_hash"])

    async def start_dashboard_session(self, token_hash: str, csrf: str, lifetime_s: float) -> None:
        """Record a sign-in; sessions already expired are forgotten on the way."""
        now = now_text()
        async with self._db.transaction() as tx:
            await tx.fetchall("DELETE FROM dashboard_sessions WHERE expires_at <= ?", (now,))
            await tx.fetchall(
                "INSERT INTO dashboard_sessions (token_hash, csrf, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, csrf, now, time_after(lifetime_s)),
            )

    async def dashboard_session(self, token_hash: str) -> DashboardSession | None:
        """The session of that cookie, if it is signed in and not expired."""
        row = await self._db.fetchone(
            "SELECT csrf, expires_at FROM dashboard_sessions"
            " WHERE token_hash = ? AND expires_at > ?",
            (token_hash, now_text()),
        )
        if row is None:
            return None
        return DashboardSession(str(row["csrf"]), parse_time(row["expires_at"]))

    async def end_dashboard_session(self, token_hash: str) -> None:
        async with self._db.transaction() as tx:
            await tx.fetchall("DELETE FROM dashboard_sessions WHERE token_hash = ?", (token_hash,))
