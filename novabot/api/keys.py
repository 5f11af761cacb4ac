"""API keys as users see them: the key itself, its hash, the models and rate it allows."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from novabot.store.api_keys import ApiKeyRecord

KEY_PREFIX = "nova_"
ROUTER_MODEL = "nova"
"""The model name that lets Nova's router choose the agent."""
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

_UNITS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hour": 3600,
    "d": 86400, "day": 86400,
}  # fmt: skip
_UNIT_NAMES = {1: "s", 60: "min", 3600: "hour", 86400: "day"}


def new_key() -> str:
    """A fresh key: 256 random bits, recognisable by its prefix (e.g. in a leak scan)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """What the store keeps. A fast hash is enough: the key is random, not a password."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `period_s` seconds."""

    count: int
    period_s: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`30/min`, `5/s`, `1000/day`, `100/10min`; ValueError with what is wrong."""
        count, _, per = text.strip().partition("/")
        match = re.fullmatch(r"(\d*)\s*([a-z]+?)s?", per.strip().lower())
        if not count.strip().isdigit() or match is None or match.group(2) not in _UNITS:
            raise ValueError(f"'{text}' is not a rate like 30/min (units: s, min, hour, day)")
        times = int(match.group(1) or 1)
        if int(count) < 1 or times < 1:
            raise ValueError(f"'{text}': a rate needs at least 1 request per period")
        return cls(int(count), times * _UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = _UNIT_NAMES.get(self.period_s)
        return f"{self.count}/{unit}" if unit else f"{self.count}/{self.period_s}s"


DEFAULT_RATE = Rate(60, 60)


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(
            f"'{name}' is not a key name: letters, digits, '.', '_' or '-' (at most 64)"
        )
    return name


def parse_models(text: str, known: Collection[str]) -> tuple[str, ...]:
    """`chat,summarizer` → the models a key may use; ValueError naming an unknown one."""
    models = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not models:
        raise ValueError("--agents is empty: name at least one agent (or nova for the router)")
    unknown = [model for model in models if model not in known]
    if unknown:
        choices = ", ".join(sorted(known))
        raise ValueError(f"unknown agent '{unknown[0]}'; choose from: {choices}")
    return models


def allowed_models(key: ApiKeyRecord, agents: Sequence[str]) -> list[str]:
    """What `key` may ask for, the router first, in the agents' order."""
    every = [ROUTER_MODEL, *agents]
    return every if key.models is None else [m for m in every if m in key.models]
