"""The summarizer reads a page through `fetch_url` in a real agent turn: the fake OpenAI
server scripts the call, the page is served on 127.0.0.1, and the answer cites the URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Reply, Text, ToolCalls
from tests.fakes.openai_wire import JSON
from tests.fakes.web_site import ARTICLE_SENTENCE, BOILERPLATE, FakeWebSite
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1")


@pytest.fixture
async def site() -> AsyncIterator[FakeWebSite]:
    async with FakeWebSite() as started:
        yield started


@pytest.fixture
def open_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_openai: FakeOpenAI
) -> Settings:
    """Settings as the environment gives them, with private addresses allowed."""
    monkeypatch.setenv("NOVA_FETCH_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("NOVA_FETCH_TIMEOUT_S", "5")
    return Settings(
        db_path=tmp_path / "nova.db",
        llm_base_url=fake_openai.base_url,
        llm_model="fake-model",
        llm_max_retries=0,
        llm_timeout_s=5,
    )


def tool_message(body: JSON) -> str:
    return str(body["messages"][-1]["content"])


def cite_the_source(body: JSON) -> Reply:
    """A model's answer that quotes the source line from the tool's result."""
    fetched = tool_message(body).splitlines()
    url = next(line.removeprefix("URL: ") for line in fetched if line.startswith("URL: "))
    title = next(line.removeprefix("Title: ") for line in fetched if line.startswith("Title: "))
    return Text(f"- The council approved a tram line.\n\nSource: {title} — {url}")


async def summarise(app: App, text: str) -> RecordingResponder:
    responder = RecordingResponder(KEY)
    await app.bot.handle(Message(KEY, text, user_id="U1", agent="summarizer"), responder)
    return responder


async def test_the_summarizer_reads_a_page_and_cites_it(
    open_settings: Settings, fake_openai: FakeOpenAI, site: FakeWebSite
) -> None:
    assert open_settings.fetch.allow_private
    asked = f"{site.base_url}/redirect?to=/article"
    fake_openai.script(ToolCalls((Call("fetch_url", {"url": asked}),)))
    fake_openai.default = cite_the_source
    async with started_app(open_settings) as app:
        responder = await summarise(app, f"summarize this {asked}")
    first, second = fake_openai.requests
    assert "fetch_url" in {tool["function"]["name"] for tool in first.body["tools"]}
    assert "fetch_url" in first.body["messages"][0]["content"]  # the card says how to use it
    fetched = tool_message(second.body)
    assert fetched.startswith(f"URL: {site.base_url}/article\nTitle: Tram line approved\n")
    assert ARTICLE_SENTENCE in fetched and BOILERPLATE[0] not in fetched
    assert responder.texts[-1].endswith(f"Source: Tram line approved — {site.base_url}/article")
    assert site.requested == ["/redirect?to=/article", "/article"]


async def test_a_page_that_cannot_be_read_is_one_line_for_the_model(
    open_settings: Settings, fake_openai: FakeOpenAI, site: FakeWebSite
) -> None:
    fake_openai.script(
        ToolCalls((Call("fetch_url", {"url": f"{site.base_url}/logo.png"}),)),
        Text("I could not read that link: it is an image, not text."),
    )
    async with started_app(open_settings) as app:
        await summarise(app, f"tl;dr {site.base_url}/logo.png")
    assert (
        tool_message(fake_openai.requests[1].body) == "error: not text: the server sent image/png"
    )


async def test_by_default_a_private_address_is_refused(
    settings: Settings, fake_openai: FakeOpenAI, site: FakeWebSite
) -> None:
    fake_openai.script(
        ToolCalls((Call("fetch_url", {"url": f"{site.base_url}/article"}),)),
        Text("I may not open that address."),
    )
    async with started_app(settings) as app:
        responder = await summarise(app, f"summarize {site.base_url}/article")
    result = tool_message(fake_openai.requests[1].body)
    assert result.startswith("error: refused: 127.0.0.1 is a loopback address")
    assert "\n" not in result and site.requested == []
    assert responder.texts[-1] == "I may not open that address."
