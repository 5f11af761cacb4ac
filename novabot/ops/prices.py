"""The price table: what a model's tokens cost, in US dollars per 1 million tokens.

Nova ships `deploy/prices.yaml`; `NOVA_PRICES_FILE` points at another. A model the table
does not list costs 0 and is reported as unpriced, which is honest for local models and
visible for a missing entry. The table is read when asked, so an edit needs no restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

PER_TOKENS = 1_000_000
"""Prices are per this many tokens, as providers publish them."""


class PriceError(Exception):
    """The price file cannot be used; the message is one line naming it."""


class Price(BaseModel):
    """USD per 1M tokens: `input` for prompt tokens, `output` for completion tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Annotated[float, Field(ge=0)]
    output: Annotated[float, Field(ge=0)]


class _PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[str, Price] = Field(default_factory=dict)


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]

    def price_of(self, model: str) -> Price | None:
        """The exact name's price, else the longest listed name followed by '-' (so
        `gpt-4o-mini` prices the dated `gpt-4o-mini-2024-07-18`), else None."""
        if model in self.prices:
            return self.prices[model]
        prefixes = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(prefixes, key=len)] if prefixes else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The cost in USD, or None when the model has no price (counted as 0)."""
        price = self.price_of(model)
        if price is None:
            return None
        return (prompt_tokens * price.input + completion_tokens * price.output) / PER_TOKENS


NO_PRICES = PriceTable({})


def shipped_prices_file() -> Path | None:
    """`deploy/prices.yaml` inside the installed package, or in the source tree."""
    package = Path(__file__).resolve().parents[1]  # novabot/, from novabot/ops/
    for candidate in (
        package / "deploy" / "prices.yaml",
        package.parent / "deploy" / "prices.yaml",
    ):
        if candidate.is_file():
            return candidate
    return None


def load_prices(path: Path | None) -> PriceTable:
    """Read a price file (None: no prices at all); PriceError names the file and the fault."""
    if path is None:
        return NO_PRICES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise PriceError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    try:
        return PriceTable(dict(_PriceFile.model_validate(data).models))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        raise PriceError(f"{path}: {where}: {error['msg']}") from None


def prices_file(configured: Path | None) -> Path | None:
    """The file to read: NOVA_PRICES_FILE when set, else the shipped one."""
    return configured if configured is not None else shipped_prices_file()


def current_prices(configured: Path | None) -> PriceTable:
    """The table as the file says now (an edit needs no restart)."""
    return load_prices(prices_file(configured))
