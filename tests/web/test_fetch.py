"""`fetch_page` against a real website on 127.0.0.1: extraction, caps, redirects, errors."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from ipaddress import ip_network

import pytest

from novabot.config import FetchSettings
from novabot.web import AddressRefused, FetchError, fetch_page
from tests.fakes.web_site import ARTICLE_SENTENCE, BOILERPLATE, PDF_LINES, FakeWebSite

OPEN = FetchSettings(allow_private=True, timeout_s=5)
"""As the tests run it: the site is on loopback."""
ONLY_THE_SITE = FetchSettings(allow_networks=[ip_network("127.0.0.1/32")], timeout_s=5)
"""Private addresses refused, but for the site's own address."""


@pytest.fixture
async def site() -> AsyncIterator[FakeWebSite]:
    async with FakeWebSite(big_bytes=50_000, slow_s=5.0) as started:
        yield started


async def test_an_article_is_read_without_its_boilerplate(site: FakeWebSite) -> None:
    page = await fetch_page(f"{site.base_url}/article", OPEN)
    assert page.url == f"{site.base_url}/article" and page.kind == "web page"
    assert page.title == "Tram line approved"
    assert ARTICLE_SENTENCE in page.text and "240 million euros" in page.text
    for noise in (*BOILERPLATE, "Most read", "Privacy"):
        assert noise not in page.text, noise
    assert "\n\n" in page.text  # paragraphs stay apart
    assert not page.truncated


async def test_a_pdf_is_read_with_its_title(site: FakeWebSite) -> None:
    page = await fetch_page(f"{site.base_url}/report.pdf", OPEN)
    assert (page.kind, page.title, page.pages) == ("PDF", "Q3 Report", 1)
    for line in PDF_LINES:
        assert line in page.text


async def test_plain_text_is_read_as_it_is(site: FakeWebSite) -> None:
    page = await fetch_page(f"{site.base_url}/notes.txt", OPEN)
    assert (page.kind, page.title, page.text) == ("text", "", "Plain notes: ship on Friday.")


async def test_long_text_is_cut_to_max_chars_and_says_so(site: FakeWebSite) -> None:
    settings = OPEN.model_copy(update={"max_chars": 500})
    page = await fetch_page(f"{site.base_url}/article", settings)
    assert page.truncated and len(page.text) <= 500 < page.total_chars
    assert page.text.startswith("Tram line approved")


async def test_a_redirect_is_followed_and_the_final_url_reported(site: FakeWebSite) -> None:
    url = f"{site.base_url}/redirect?to=/report.pdf"
    page = await fetch_page(url, ONLY_THE_SITE)
    assert page.url == f"{site.base_url}/report.pdf" and page.requested == url
    assert page.kind == "PDF"


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/article", "http://[::1]:{port}/x"])
async def test_a_redirect_to_a_private_address_is_refused(site: FakeWebSite, target: str) -> None:
    to = target.format(port=site.port)
    with pytest.raises(AddressRefused, match=r"refused: .* a loopback address"):
        await fetch_page(f"{site.base_url}/redirect?to={to}", ONLY_THE_SITE)
    [asked] = site.requested  # the target was never asked
    assert asked.startswith("/redirect?to=")


async def test_a_redirect_to_another_scheme_is_refused(site: FakeWebSite) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        await fetch_page(f"{site.base_url}/redirect?to=file:///etc/passwd", OPEN)


async def test_redirects_are_capped(site: FakeWebSite) -> None:
    with pytest.raises(FetchError, match=r"^too many redirects \(more than 5\)$"):
        await fetch_page(f"{site.base_url}/loop", OPEN)
    assert site.requested == ["/loop"] * 6


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
async def test_an_oversize_body_is_refused(site: FakeWebSite, path: str) -> None:
    settings = OPEN.model_copy(update={"max_bytes": 20_000})
    with pytest.raises(FetchError, match=r"^too large: more than 20,000 bytes"):
        await fetch_page(site.base_url + path, settings)
    assert (await fetch_page(site.base_url + path, OPEN)).total_chars >= 50_000


async def test_a_slow_server_hits_the_timeout(site: FakeWebSite) -> None:
    settings = OPEN.model_copy(update={"timeout_s": 0.5})
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 0.5 s$"):
        await fetch_page(f"{site.base_url}/slow", settings)
    assert time.monotonic() - started < 3


async def test_an_image_is_not_text(site: FakeWebSite) -> None:
    with pytest.raises(FetchError, match=r"^not text: the server sent image/png$"):
        await fetch_page(f"{site.base_url}/logo.png", OPEN)


async def test_a_missing_page_is_not_found(site: FakeWebSite) -> None:
    with pytest.raises(FetchError, match=r"^not found \(HTTP 404\)$"):
        await fetch_page(f"{site.base_url}/nothing-here", OPEN)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "example.com"])
async def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        await fetch_page(url, OPEN)
