"""Tools: JSON schema from type hints or a pydantic model; errors go back to the model."""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from cogs.general import current_time
from cogs.text import text_stats
from novabot.agents.tools import make_tool


async def forecast(city: Annotated[str, Field(description="City name")], days: int = 1) -> str:
    """Weather forecast for a city.

    Longer explanation that is not part of the summary.
    """
    return f"{city} for {days} day(s)"


class Search(BaseModel):
    query: str
    limit: int = 5


async def search(arguments: Search) -> list[str]:
    """Search the notes."""
    return [arguments.query] * arguments.limit


def test_schema_from_type_hints() -> None:
    schema = make_tool(forecast).schema()["function"]
    assert schema["name"] == "forecast"
    assert schema["description"] == "Weather forecast for a city."
    assert schema["parameters"]["required"] == ["city"]
    assert schema["parameters"]["properties"]["city"]["description"] == "City name"
    assert schema["parameters"]["properties"]["days"]["type"] == "integer"


def test_schema_from_a_pydantic_model() -> None:
    schema = make_tool(search).schema()["function"]["parameters"]
    assert schema["required"] == ["query"] and "limit" in schema["properties"]


async def test_call_validates_and_converts_arguments() -> None:
    assert await make_tool(forecast).call('{"city": "Oslo", "days": "2"}') == "Oslo for 2 day(s)"
    assert json.loads(await make_tool(search).call('{"query": "q", "limit": 2}')) == ["q", "q"]


async def test_bad_arguments_and_crashes_become_text_for_the_model() -> None:
    assert "invalid arguments" in await make_tool(forecast).call('{"days": 2}')

    async def broken() -> str:
        """Always fails."""
        raise RuntimeError("disk on fire")

    assert await make_tool(broken).call("{}") == "error: broken failed: disk on fire"


def test_only_typed_async_functions_are_tools() -> None:
    def sync_tool() -> str:
        return ""

    async def untyped(x):  # type: ignore[no-untyped-def]
        return x

    with pytest.raises(TypeError, match="must be an async function"):
        make_tool(sync_tool)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameter 'x' needs a type hint"):
        make_tool(untyped)


async def test_shipped_tools() -> None:
    assert "Asia/Tokyo" in await current_time("Asia/Tokyo")
    assert "unknown time zone" in await current_time("Mars/Olympus")
    stats = await text_stats("One two three. Four five!")
    assert stats == {"words": 5, "sentences": 2, "characters": 25, "reading_minutes": 0.0}
