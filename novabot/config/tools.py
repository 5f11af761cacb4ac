"""Settings for what agents' tools may reach: web pages, the ERP database, code repositories."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import NoDecode

from novabot.config.values import blank_is_unset, comma_separated
from novabot.erp.url import parse_url


class FetchSettings(BaseModel):
    """`NOVA_FETCH_*`: how the summarizer's `fetch_url` reads a web page or PDF."""

    allow_private: bool = False
    """Allow private, loopback and link-local addresses (an intranet wiki, tests); off, a
    URL that resolves to one, before or after a redirect, is refused."""
    allow_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    """Networks reachable even when private ones are not (`10.1.2.0/24,fd00::/64`): an
    intranet wiki without opening every private address."""
    max_bytes: Annotated[int, Field(ge=1024)] = 5_000_000
    """A body larger than this is refused, not cut (a cut PDF cannot be read)."""
    timeout_s: Annotated[float, Field(gt=0)] = 15.0
    """For the whole fetch, redirects included."""
    max_chars: Annotated[int, Field(ge=500)] = 12_000
    """How much extracted text reaches the model (about 3,000 tokens by default)."""

    _list = field_validator("allow_networks", mode="before")(comma_separated)


class ErpSettings(BaseModel):
    """`NOVA_ERP_*`: the ERP database the erp-* agents read, and how much one query may
    take. A project's own database (`nova project set NAME --erp-url URL`) wins over
    `NOVA_ERP_DATABASE_URL` in the channels bound to it."""

    database_url: SecretStr | None = None
    """A SQLite file (a path or sqlite:///PATH) or postgresql://USER:PASSWORD@HOST/DB."""
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 5.0
    """A query is stopped by the database past this."""
    max_rows: Annotated[int, Field(ge=1, le=10_000)] = 100
    max_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    """The most text one query returns to the agent; more is cut and marked truncated."""

    _secret = field_validator("database_url")(blank_is_unset)

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_url(value.get_secret_value())
        return value


REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _repo_entries(value: object) -> object:
    """`nova=/srv/nova,site=~/site` → {"nova": Path, "site": Path}; the shape is checked
    here (at start), whether each path is a git repository when a tool first uses it."""
    if not isinstance(value, str):
        return value
    repos: dict[str, Path] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, equals, path = (piece.strip() for piece in entry.partition("="))
        if not equals or not path:
            raise ValueError(f"'{entry}' is not name=path (e.g. nova=/srv/nova)")
        if not REPO_NAME.match(name):
            raise ValueError(f"'{name}' is not a repository name (letters, digits, . _ -)")
        if name.lower() in {known.lower() for known in repos}:
            raise ValueError(f"'{name}' is named twice")
        repos[name] = Path(path).expanduser().absolute()
    return repos


class CodeSettings(BaseModel):
    """`NOVA_CODE_*`: the git repositories code-reader and code-reviewer may read."""

    repos: Annotated[dict[str, Path], NoDecode] = Field(default_factory=dict)
    """`name=path,name2=path2`; each path is the top level of a git work tree."""
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    """How long one git command may run before it is stopped (a slow regex, say)."""

    _entries = field_validator("repos", mode="before")(_repo_entries)
