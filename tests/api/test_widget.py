"""The web chat in a real Chromium: `/chat` on Nova's own origin, the widget embedded in a
page of another origin (CORS), errors that keep the typed text, and answers shown as
text; plus the headers of `/widget.js` and `/chat` over plain HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page, expect

from novabot.api.widget import CHAT_CSP
from novabot.core.message import ConversationKey
from tests.api.conftest import RunningApi, serving_api
from tests.browser import browser_fixtures, save_screenshot
from tests.fakes.openai_server import Text
from tests.helpers import eventually, free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")
browser, page, page_errors = browser_fixtures(loop_scope="module")

ANSWER = "Hello there, I am Nova and I am glad to help you today"


@dataclass
class Site:
    """A shop's website on its own origin (localhost, where Nova is 127.0.0.1)."""

    origin: str
    nova: str
    pages: dict[str, str]

    def embed(self, path: str, key: str, *, model: str = "chat") -> str:
        self.pages[path] = f"""<!doctype html><html lang="en"><head><title>Shop</title>
<style>p {{ color: rgb(255, 0, 0); }} button {{ display: none; }}</style></head>
<body><h1>The shop</h1><p id="own">Our own paragraph.</p>
<script src="{self.nova}/widget.js" data-key="{key}" data-model="{model}"
        data-title="Ask us"></script></body></html>"""
        return f"{self.origin}{path}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site_port() -> int:
    return free_port()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def nova(
    tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path, site_port: int
) -> AsyncIterator[RunningApi]:
    """A Nova of this module's own: the shop's origin is in its NOVA_API_CORS_ORIGINS."""
    folder = tmp_path_factory.mktemp("widget")
    origins = [f"http://localhost:{site_port}"]
    async with serving_api(folder, embedding_cache_dir, api_cors_origins=origins) as api:
        yield api


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site(nova: RunningApi, site_port: int) -> AsyncIterator[Site]:
    pages: dict[str, str] = {}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=pages[request.path], content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", site_port).start()
    try:
        yield Site(f"http://localhost:{site_port}", nova.base_url.removesuffix("/v1"), pages)
    finally:
        await runner.cleanup()


@pytest.fixture
def api(nova: RunningApi) -> RunningApi:
    nova.fake.assert_all_consumed()  # what an earlier test scripted is not ours
    return nova


def root(api: RunningApi) -> str:
    return api.base_url.removesuffix("/v1")


async def history(api: RunningApi, conversation: ConversationKey, count: int) -> list[str]:
    """The conversation's (role: text) once it has `count` messages: the answer is stored
    as the last chunk leaves, so the page may show it a moment before."""

    async def read() -> list[str]:
        found = [f"{m.role}: {m.content}" for m in await api.app.store.history(conversation)]
        return found if len(found) >= count else []

    result: list[str] = await eventually(read)
    return result


async def conversation_id(page: Page) -> str:
    stored: dict[str, str] = await page.evaluate("Object.assign({}, sessionStorage)")
    [found] = [value for name, value in stored.items() if name.endswith(":conversation")]
    return found


async def test_the_chat_page_streams_answers_and_nova_keeps_the_history(
    api: RunningApi, page: Page, page_errors: list[str]
) -> None:
    key = await api.add_key("web-page", models=("chat",))
    api.fake.script(Text(ANSWER, chunk_delay_s=0.1))
    await page.goto(f"{root(api)}/chat#key={key}")
    assert "#" not in page.url  # the key is taken out of the address bar
    box = page.get_by_label("Your message")
    await box.fill("hi Nova")
    await box.press("Shift+Enter")  # a new line, not a send
    await box.press_sequentially("how are you?")
    await box.press("Enter")
    question = page.locator(".message.user .text")
    await expect(question).to_have_text("hi Nova\nhow are you?")
    answer = page.locator(".message.assistant .text").last
    await expect(answer).to_contain_text("Hello there")  # the first words, while streaming
    shown = await answer.text_content()
    assert shown and ANSWER.startswith(shown) and shown != ANSWER
    await save_screenshot(page, "chat-page-streaming")
    await expect(answer).to_have_text(ANSWER)
    await expect(box).to_have_value("")
    conversation = ConversationKey("api", "web-page", await conversation_id(page))
    first = ["user: hi Nova\nhow are you?", f"assistant: {ANSWER}"]
    assert await history(api, conversation, 2) == first
    await box.fill("and again")
    await box.press("Enter")
    await expect(answer).to_have_text("echo: and again")
    sent = [m["content"] for m in api.fake.requests[-1].body["messages"][1:]]
    assert sent == ["hi Nova\nhow are you?", ANSWER, "and again"]
    assert api.fake.requests[-1].body["messages"][0]["role"] == "system"
    second = ["user: and again", "assistant: echo: and again"]
    assert await history(api, conversation, 4) == first + second
    assert page_errors == []  # nothing refused by the page's CSP


async def test_the_widget_works_on_another_origin(
    api: RunningApi, site: Site, page: Page, page_errors: list[str]
) -> None:
    key = await api.add_key("shop", models=("chat",))
    await page.goto(site.embed("/shop", key))
    await page.get_by_role("button", name="Open chat: Ask us").click()
    box = page.get_by_label("Your message")
    await expect(box).to_be_focused()
    await box.fill("do you ship to Oslo?")
    await box.press("Enter")
    answer = page.locator(".message.assistant .text")
    await expect(answer).to_have_text("echo: do you ship to Oslo?")
    await expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    # The shop's CSS and the widget's stay apart.
    assert await answer.evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert await page.locator("#own").evaluate("e => getComputedStyle(e).color") == (
        "rgb(255, 0, 0)"
    )
    await save_screenshot(page, "widget-on-another-origin")
    conversation = ConversationKey("api", "shop", await conversation_id(page))
    assert await history(api, conversation, 2) == [
        "user: do you ship to Oslo?",
        "assistant: echo: do you ship to Oslo?",
    ]
    assert page_errors == []


async def test_a_revoked_key_shows_one_line_and_keeps_the_text(
    api: RunningApi, site: Site, page: Page
) -> None:
    key = await api.add_key("old-shop", models=("chat",))
    await api.app.store.revoke_api_key("old-shop")
    asked = len(api.fake.requests)
    await page.goto(site.embed("/old-shop", key))
    await page.get_by_role("button", name="Open chat: Ask us").click()
    box = page.get_by_label("Your message")
    await box.fill("is my order on its way?")
    await box.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(
        "This chat's key is not valid (revoked or mistyped)."
    )
    await expect(box).to_have_value("is my order on its way?")
    await expect(page.locator(".message")).to_have_count(0)
    await save_screenshot(page, "widget-revoked-key")
    assert len(api.fake.requests) == asked  # refused before any agent


@pytest.mark.parametrize(
    ("model", "host", "line"),
    [
        ("translator", "localhost", "This chat's key may not use this assistant."),
        # An origin missing from NOVA_API_CORS_ORIGINS: the browser refuses the answer.
        ("chat", "127.0.0.1", "Nova could not be reached: check the connection and try again."),
    ],
)
async def test_a_refused_or_failed_request_keeps_the_text(
    api: RunningApi, site: Site, page: Page, model: str, host: str, line: str
) -> None:
    key = await api.add_key(f"shop-{host}", models=("chat",))
    url = site.embed(f"/{host}", key, model=model).replace("localhost", host)
    await page.goto(url)
    await page.get_by_role("button", name="Open chat: Ask us").click()
    box = page.get_by_label("Your message")
    await box.fill("hello?")
    await box.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(line)
    await expect(box).to_have_value("hello?")
    await expect(box).to_be_editable()
    await expect(page.locator(".message")).to_have_count(0)


async def test_past_the_rate_limit_the_wait_is_shown(api: RunningApi, page: Page) -> None:
    key = await api.add_key("slow-page", models=("chat",), rate="1/min")
    await page.goto(f"{root(api)}/chat#key={key}&model=chat")
    box = page.get_by_label("Your message")
    await box.fill("one")
    await box.press("Enter")
    await expect(page.locator(".message.assistant .text")).to_have_text("echo: one")
    await box.fill("two")
    await box.press("Enter")
    alert = page.get_by_role("alert")
    await expect(alert).to_have_text(re.compile(r"^Too many messages: try again in \d+ s\.$"))
    await expect(box).to_have_value("two")
    await save_screenshot(page, "chat-page-rate-limited")


async def test_the_chat_page_asks_for_a_key_when_none_is_given(
    api: RunningApi, page: Page, page_errors: list[str]
) -> None:
    key = await api.add_key("asked", models=("chat",))
    await page.goto(f"{root(api)}/chat")
    await page.get_by_label("API key").fill("nova_wrong")
    await page.get_by_role("button", name="Use this key").click()
    box = page.get_by_label("Your message")
    await box.fill("hello")
    await box.press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("key is not valid")
    await page.get_by_label("API key").fill(key)  # asked again, the text still there
    await page.get_by_role("button", name="Use this key").click()
    await expect(box).to_have_value("hello")
    await box.press("Enter")
    await expect(page.locator(".message.assistant .text")).to_have_text("echo: hello")
    await expect(page.get_by_role("alert")).to_be_hidden()
    await page.reload()  # the key is kept for the tab
    await expect(page.get_by_label("API key")).to_be_hidden()
    await save_screenshot(page, "chat-page-key-asked")
    assert all("401" in error for error in page_errors)  # the refused key's request only


async def test_an_answer_is_shown_as_text_never_as_html(api: RunningApi, page: Page) -> None:
    key = await api.add_key("html-answer", models=("chat",))
    hostile = '<img src=x onerror="window.pwned = 1"> <b>bold</b>'
    api.fake.script(Text(hostile))
    await page.goto(f"{root(api)}/chat#key={key}")
    box = page.get_by_label("Your message")
    await box.fill("show me HTML")
    await box.press("Enter")
    answer = page.locator(".message.assistant .text")
    await expect(answer).to_have_text(hostile)
    assert await page.locator(".nova-widget img, .nova-widget b").count() == 0
    assert await answer.evaluate("e => e.children.length") == 0
    assert await page.evaluate("window.pwned") is None
    await save_screenshot(page, "answer-as-text")


async def test_the_files_are_served_with_their_types_and_headers(api: RunningApi) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{root(api)}/widget.js") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
            assert response.headers["Cache-Control"] == "public, max-age=300"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "document.currentScript" in await response.text()
            etag = response.headers["ETag"]
        async with session.get(
            f"{root(api)}/widget.js", headers={"If-None-Match": etag}
        ) as response:
            assert response.status == 304 and not await response.read()
        async with session.get(f"{root(api)}/widget.css") as response:
            assert response.headers["Content-Type"] == "text/css; charset=utf-8"
        async with session.get(f"{root(api)}/chat") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            csp = response.headers["Content-Security-Policy"]
            assert csp == CHAT_CSP
            assert "script-src 'self'" in csp and "connect-src 'self'" in csp
            assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
            assert response.headers["Cache-Control"] == "no-cache"
            page_html = await response.text()
            assert '<script src="widget.js" data-mode="page"' in page_html
            assert "<style" not in page_html and "onclick" not in page_html
