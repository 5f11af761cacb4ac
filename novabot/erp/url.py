"""Where an ERP database is: a SQLite file (a path, or `sqlite:///PATH`) or a PostgreSQL
server (`postgresql://user:password@host:port/dbname`).

`sqlite:///` follows the convention of SQLAlchemy and most tools: what follows the three
slashes is the path, so `sqlite:///data/erp.db` is relative and `sqlite:////srv/erp.db`
absolute. The password of a PostgreSQL URL never leaves this module unmasked except to
the driver (`label` is what logs and the CLI show).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from novabot.erp.errors import ErpUrlError

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
HOW = "use a SQLite file path, sqlite:///PATH, or postgresql://USER:PASSWORD@HOST/DB"


@dataclass(frozen=True)
class ErpUrl:
    kind: Literal["sqlite", "postgresql"]
    target: str
    """The SQLite file's path, or the PostgreSQL URL as the driver takes it."""

    @property
    def label(self) -> str:
        """The URL with any password masked: safe to log and show."""
        if self.kind == "sqlite":
            return f"{SQLITE_PREFIX}{self.target}"
        return mask_password(self.target)

    def absolute(self) -> ErpUrl:
        """The same database with a SQLite path made absolute (against the working
        directory), so it means the same file whichever directory Nova runs from."""
        if self.kind != "sqlite":
            return self
        return ErpUrl("sqlite", str(Path(self.target).expanduser().resolve()))

    @property
    def text(self) -> str:
        """The URL as stored (with its password): `sqlite:///…` or `postgresql://…`."""
        return f"{SQLITE_PREFIX}{self.target}" if self.kind == "sqlite" else self.target


def parse_url(text: str) -> ErpUrl:
    """Read an ERP database URL; a form Nova cannot use is an ErpUrlError (one line)."""
    value = text.strip()
    if not value:
        raise ErpUrlError(f"the ERP database URL is empty: {HOW}")
    if value.startswith(SQLITE_PREFIX):
        path = value.removeprefix(SQLITE_PREFIX)
        if not path:
            raise ErpUrlError(f"'{value}' names no file: {HOW}")
        return ErpUrl("sqlite", path)
    scheme, sep, _ = value.partition("://")
    if not sep:
        return ErpUrl("sqlite", value)  # a plain file path
    # `postgresql+psycopg://` (SQLAlchemy's spelling) is the same server.
    base = scheme.lower().split("+", 1)[0]
    if base in POSTGRES_SCHEMES:
        parts = urlsplit(value)
        if not parts.hostname and not parts.path.strip("/"):
            raise ErpUrlError(f"'{mask_password(value)}' names no server or database: {HOW}")
        return ErpUrl("postgresql", urlunsplit(parts._replace(scheme="postgresql")))
    if base == "sqlite":
        raise ErpUrlError(f"'{value}': a SQLite URL starts with sqlite:/// (three slashes)")
    raise ErpUrlError(f"'{scheme}' databases are not supported: {HOW}")


def mask_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
