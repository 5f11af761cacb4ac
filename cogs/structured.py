"""The extractor's `validate_json`: check a JSON document against a JSON Schema the user
gave, so what the extractor hands back is known to fit (the model fixes what does not)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jsonschema import FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import validator_for
from pydantic import BaseModel, Field
from referencing.exceptions import Unresolvable

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup

MAX_PROBLEMS = 20
"""More than this many problems are counted, not listed: the model fixes them in rounds."""


def parse(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the {what} is not valid JSON: {exc}") from None


def where(error: ValidationError) -> str:
    """`$.items[0].amount`: the place of a problem in the document."""
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _document_order(error: ValidationError) -> list[tuple[int, int, str]]:
    # Indices sort as numbers, keys as text; one path never mixes them at one depth.
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


def check(document_text: str, schema_text: str) -> str:
    """`valid`, or `invalid` with each problem on a line, or `error: …` in one line."""
    try:
        schema = parse(schema_text, "schema")
        document = parse(document_text, "document")
    except ValueError as exc:
        return f"error: {exc}"
    if not isinstance(schema, dict):  # `true`/`false` are schemas too, but no user's
        return "error: the schema is not a valid JSON Schema: it must be an object"
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
        validator = cls(schema, format_checker=FormatChecker())
        problems = sorted(validator.iter_errors(document), key=_document_order)
    except SchemaError as exc:
        return f"error: the schema is not a valid JSON Schema: {exc.message}"
    except Unresolvable as exc:  # only refs inside the schema resolve; nothing is fetched
        return f"error: the schema refers to something it does not contain: {exc}"
    if not problems:
        return "valid: the document matches the schema"
    lines = [f"- {where(error)}: {error.message}" for error in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"- … and {len(problems) - MAX_PROBLEMS} more")
    return f"invalid: {len(problems)} problem(s)\n" + "\n".join(lines)


class ValidateJson(BaseModel):
    """A JSON document and the JSON Schema to check it against."""

    # The model calls the second argument `schema`; a pydantic field may not be named so.
    document: str = Field(description="The JSON document, as JSON text")
    json_schema: str = Field(
        alias="schema", description="The JSON Schema the user gave, as JSON text"
    )


async def validate_json(arguments: ValidateJson) -> str:
    """Check a JSON document against a JSON Schema; lists every problem with its place."""
    return check(arguments.document, arguments.json_schema)


async def setup(nova: CogSetup) -> None:
    nova.add_tool(validate_json)
