"""Scope cards: one Markdown file per agent, saying what it does and what it does not.

A card is YAML front matter (name, description, does, does_not, examples, and optional
model, temperature, tools, threshold, routable) followed by the agent's system prompt.
Cards are validated
when Nova starts; a bad card stops start-up with one line naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

AgentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class CardError(Exception):
    """A scope card cannot be used; the message names the file and the field."""


class ScopeCard(BaseModel):
    """What one agent is for, as its author declared it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: AgentName
    description: Statement
    does: Annotated[list[Statement], Field(min_length=1)]
    does_not: Annotated[list[Statement], Field(min_length=1)]
    examples: Annotated[list[Statement], Field(min_length=1)]
    model: Statement | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    tools: list[Statement] = Field(default_factory=list)
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    """The score below which the router will not pick this agent (default: learnt)."""
    routable: bool = True
    """False for agents Nova uses internally (the planner): the router never picks them."""
    prompt: str = ""
    source: Path | None = None


# libyaml's safe loader when PyYAML was built with it: every start parses every card.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_card(text: str, source: Path) -> ScopeCard:
    """Parse one card's text; `source` is only used to name the file in errors."""
    front, body = _split_front_matter(text, source)
    try:
        data = yaml.load(front, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise CardError(f"{source}: front matter is not valid YAML ({_first_line(exc)})") from None
    if not isinstance(data, dict):
        raise CardError(f"{source}: front matter must be a mapping of fields")
    for reserved in ("prompt", "source"):
        if reserved in data:
            raise CardError(f"{source}: field '{reserved}': not allowed in front matter")
    try:
        return ScopeCard(**data, prompt=body.strip(), source=source)
    except ValidationError as exc:
        raise CardError(_describe(exc, source)) from None


def load_card(path: Path) -> ScopeCard:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError(f"{path}: cannot be read ({exc})") from None
    return parse_card(text, path)


def load_cards(folders: Iterable[Path]) -> list[ScopeCard]:
    """Every `*.md` card in the folders, in order; a later card may not reuse a name."""
    cards: dict[str, ScopeCard] = {}
    for folder in folders:
        if not folder.is_dir():
            raise CardError(f"{folder}: scope card folder does not exist")
        for path in sorted(folder.glob("*.md")):
            card = load_card(path)
            if card.name in cards:
                first = cards[card.name].source
                raise CardError(f"{path}: field 'name': '{card.name}' is already used by {first}")
            cards[card.name] = card
    return list(cards.values())


def _split_front_matter(text: str, source: Path) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise CardError(f"{source}: must start with YAML front matter between '---' lines")
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise CardError(f"{source}: front matter is not closed by a '---' line")


def _describe(exc: ValidationError, source: Path) -> str:
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "?"
    message = error["msg"]
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a scope card field"
    elif error["type"] == "string_pattern_mismatch":
        message = "must be lowercase letters, digits, '-' or '_', starting with a letter"
    return f"{source}: field '{field}': {message}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def shipped_cards_dir() -> Path:
    """The `prompts/` folder Nova ships: inside the installed package, or the source tree."""
    package = Path(__file__).resolve().parents[1]  # novabot/, from novabot/agents/
    for candidate in (package / "prompts", package.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise CardError(f"{package.parent / 'prompts'}: scope card folder does not exist")
