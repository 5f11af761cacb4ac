"""API keys: who may call Nova's HTTP API, which models they may use, and how often.

The store never sees a key, only its hash (the caller hashes it): a copy of the database
gives nobody a working key.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from novabot.store.conversations import StoreBase
from novabot.store.errors import StoreError
from novabot.store.records import now_text, parse_time


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    name: str
    models: tuple[str, ...] | None
    """The models (agent names, `nova` for the router) the key may use; None: all."""
    rate_limit: int
    rate_period_s: int
    created_at: datetime
    last_used_at: datetime | None


class ApiKeysMixin(StoreBase):
    async def add_api_key(
        self,
        name: str,
        key_hash: str,
        *,
        models: tuple[str, ...] | None,
        rate_limit: int,
        rate_period_s: int,
    ) -> ApiKeyRecord:
        """Store a new key's hash under `name`; StoreError if the name is taken."""
        allowed = None if models is None else json.dumps(list(models))
        try:
            async with self._db.transaction() as tx:
                row = await tx.fetchone(
                    "INSERT INTO api_keys (name, key_hash, agents, rate_limit, rate_period_s,"
                    f" created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                    (name, key_hash, allowed, rate_limit, rate_period_s, now_text()),
                )
        except sqlite3.IntegrityError:
            raise StoreError(f"there is already an API key named '{name}'") from None
        assert row is not None
        return _record(row)

    async def api_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,)
        )
        return None if row is None else _record(row)

    async def api_keys(self) -> list[ApiKeyRecord]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM api_keys ORDER BY name")
        return [_record(row) for row in rows]

    async def has_api_keys(self) -> bool:
        return await self._db.fetchone("SELECT 1 FROM api_keys LIMIT 1") is not None

    async def revoke_api_key(self, name: str) -> bool:
        """Forget the key: a request with it is refused from now on. False if unknown."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("DELETE FROM api_keys WHERE name = ? RETURNING 1", (name,))
        return bool(rows)

    async def note_api_key_used(self, name: str) -> None:
        async with self._db.transaction() as tx:
            await tx.fetchall(
                "UPDATE api_keys SET last_used_at = ? WHERE name = ?", (now_text(), name)
            )


_COLUMNS = "name, agents, rate_limit, rate_period_s, created_at, last_used_at"


def _record(row: sqlite3.Row) -> ApiKeyRecord:
    models = None if row["agents"] is None else tuple(json.loads(row["agents"]))
    used = row["last_used_at"]
    return ApiKeyRecord(
        name=str(row["name"]),
        models=models,
        rate_limit=int(row["rate_limit"]),
        rate_period_s=int(row["rate_period_s"]),
        created_at=parse_time(row["created_at"]),
        last_used_at=None if used is None else parse_time(used),
    )
