"""The summarizer's `fetch_url`: read one web page or PDF and hand its text to the model.

The fetching itself (address checks, caps, extraction) is `novabot.web`; this cog only
turns a page into text the model can quote, with the URL and title to cite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from novabot.agents.tools import ToolFunc
from novabot.config import FetchSettings
from novabot.web import FetchError, Page, fetch_page

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup


def page_report(page: Page) -> str:
    """The tool's answer: where the text came from, then the text."""
    kind = page.kind
    if page.pages is not None:
        kind += f", {page.pages} page{'s' if page.pages != 1 else ''}"
    lines = [f"URL: {page.url}", f"Title: {page.title or '(none)'}", f"Kind: {kind}"]
    if page.url != page.requested:
        lines.append(f"Requested: {page.requested} (redirected)")
    if page.truncated:
        lines.append(f"Truncated: the first {len(page.text):,} of {page.total_chars:,} characters")
    return "\n".join(lines) + "\n\n" + page.text


def fetch_tool(settings: FetchSettings) -> ToolFunc:
    async def fetch_url(
        url: Annotated[str, Field(description="The http(s) URL of a web page or PDF")],
    ) -> str:
        """Fetch a web page or PDF and return its title and readable text (cite its URL)."""
        try:
            return page_report(await fetch_page(url, settings))
        except FetchError as exc:
            return f"error: {exc}"

    return fetch_url


async def setup(nova: CogSetup) -> None:
    nova.add_tool(fetch_tool(nova.settings.fetch))
