"""Tools for the general-purpose agents: things a model cannot know on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup


async def current_time(
    timezone: Annotated[
        str, Field(description="IANA time zone such as 'Europe/Paris' or 'Asia/Tokyo'")
    ] = "UTC",
) -> str:
    """The current date and time in a time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"error: unknown time zone {timezone!r}; use an IANA name like 'Europe/Paris'"
    now = datetime.now(UTC).astimezone(zone)
    return now.strftime(f"%A %d %B %Y, %H:%M ({timezone}, UTC%z)")


async def setup(nova: CogSetup) -> None:
    nova.add_tool(current_time)
