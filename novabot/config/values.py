"""The shapes shared by several settings groups: URLs, secrets, `platform:id` lists."""

from __future__ import annotations

from typing import Annotated

from pydantic import SecretStr
from pydantic_settings import NoDecode


class ConfigError(Exception):
    """A setting has a value Nova cannot use; the message is one line naming it."""


def http_url(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must start with http:// or https:// (got {value!r})")
    return value.rstrip("/")


ACCESS_PLATFORMS = ("slack", "discord")
"""Platforms whose users and channels the access lists name (the terminal is the owner's)."""

PlatformIds = Annotated[frozenset[tuple[str, str]], NoDecode]
"""`slack:U123,discord:456` → {("slack", "U123"), ("discord", "456")}."""


def platform_ids(value: object) -> object:
    """Parse `platform:id` entries (comma-separated text, or a collection of them)."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(platform_id(entry) for entry in value)
    return value


def platform_id(entry: object) -> tuple[str, str]:
    if isinstance(entry, tuple | list) and len(entry) == 2:
        entry = f"{entry[0]}:{entry[1]}"
    platform, _, ident = str(entry).strip().partition(":")
    platform, ident = platform.strip().lower(), ident.strip()
    if platform not in ACCESS_PLATFORMS or not ident:
        raise ValueError(f"'{entry}' is not platform:id (e.g. slack:U123 or discord:456)")
    if platform == "discord" and not ident.isdigit():
        raise ValueError(f"'{entry}': Discord ids are numbers (Developer Mode → Copy ID)")
    return platform, ident


def blank_is_unset(value: SecretStr | None) -> SecretStr | None:
    # `NOVA_SLACK_APP_TOKEN=` in a .env file means "not set", not "an empty token".
    return value if value and value.get_secret_value().strip() else None


def comma_separated(value: object) -> object:
    """`a, b,c` → ["a", "b", "c"]; anything else as given (a list from code, say)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
