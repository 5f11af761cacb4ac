"""A real headless Chromium for tests of Nova's web pages (Playwright's async API).

The browser is Debian's `/usr/bin/chromium` (`.ci/run` installs it); Playwright's own
downloads are never used. A module makes the fixtures on the event loop its tests run on
(Playwright's objects belong to the loop that started them):

    from tests.browser import browser_fixtures, save_screenshot
    browser, page, page_errors = browser_fixtures(loop_scope="package")

    async def test_it(page: Page, page_errors: list[str]) -> None:
        await page.goto(url)
        ...
        assert page_errors == []

`browser` is one Chromium per test module (starting it is the slow part); `page` is a
fresh context and tab per test, closed with a screenshot at
`test-artifacts/screenshots/<test name>.png` (so a failed test leaves a picture);
`page_errors` collects the tab's uncaught errors and console errors (CSP refusals too).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google's services, which a closed network
    # answers slowly or never.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 5_000
"""Playwright waits this long for an element or an expectation: the tests are local."""


async def save_screenshot(page: Page, name: str) -> Path:
    """The tab as it looks now, at test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def browser_fixtures(loop_scope: str = "module") -> tuple[Callable[..., Any], ...]:
    """`browser`, `page` and `page_errors` fixtures on the `loop_scope` event loop."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium", allow_module_level=True)

    @pytest_asyncio.fixture(scope="module", loop_scope=loop_scope)
    async def browser() -> AsyncIterator[Browser]:
        async with async_playwright() as playwright:
            launched = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
            )
            try:
                yield launched
            finally:
                await launched.close()

    @pytest.fixture
    def page_errors() -> list[str]:
        return []

    @pytest_asyncio.fixture(loop_scope=loop_scope)
    async def page(
        browser: Browser, page_errors: list[str], request: pytest.FixtureRequest
    ) -> AsyncIterator[Page]:
        context = await browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        tab = await context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            # Chromium asks every site for /favicon.ico; a site without one is not an error.
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
                page_errors.append(message.text)

        def on_error(error: Error) -> None:
            page_errors.append(f"{error.name}: {error.message}")

        tab.on("console", on_console)
        tab.on("pageerror", on_error)
        try:
            yield tab
        finally:
            try:
                await save_screenshot(tab, request.node.name)
            finally:
                await context.close()

    return browser, page, page_errors
