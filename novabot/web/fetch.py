"""Fetching one URL for an agent: http(s) only, public addresses only, bounded in size
and time, redirects followed here (each target checked again) rather than by aiohttp."""

from __future__ import annotations

import asyncio
import codecs
from dataclasses import dataclass

import aiohttp
from yarl import URL

from novabot.config import FetchSettings
from novabot.web.addresses import AddressPolicy, FetchError, GuardedResolver
from novabot.web.extract import Extracted, html_text, pdf_text, plain_text, truncate

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_HEADERS = {
    "User-Agent": "Nova/0.1 (+fetch_url; reads one page for a summary)",
    "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
}
_HTML = frozenset({"text/html", "application/xhtml+xml"})
_TEXT = frozenset({"application/json", "application/xml", "application/ld+json"})


@dataclass(frozen=True)
class Page:
    """What was read at a URL, ready to quote: where, its title and its text."""

    url: str
    """Where the text came from, after redirects."""
    requested: str
    title: str
    kind: str
    """"web page", "PDF" or "text"."""
    text: str
    total_chars: int
    """The extracted text's length before it was cut to `text`."""
    pages: int | None = None

    @property
    def truncated(self) -> bool:
        return len(self.text) < self.total_chars


@dataclass(frozen=True)
class Body:
    url: URL
    content_type: str
    charset: str | None
    data: bytes


def policy_of(settings: FetchSettings) -> AddressPolicy:
    return AddressPolicy(settings.allow_private, tuple(settings.allow_networks))


async def fetch_page(url: str, settings: FetchSettings) -> Page:
    """Fetch `url` and extract its readable text; a `FetchError` says in one line why not."""
    target = checked_target(url, policy_of(settings))
    try:
        async with asyncio.timeout(settings.timeout_s):
            body = await _fetch_body(target, settings)
    except TimeoutError:
        raise FetchError(f"timed out after {settings.timeout_s:g} s") from None
    extracted = await asyncio.to_thread(extract, body)
    text = truncate(extracted.text, settings.max_chars)
    kind = "PDF" if extracted.pages is not None else _kind_name(body.content_type)
    return Page(
        str(body.url), url, extracted.title, kind, text, len(extracted.text), extracted.pages
    )


def checked_target(text: str, policy: AddressPolicy) -> URL:
    """The URL, if it is http(s) and its host is no refused address (names are checked
    when the connection resolves them); done before every request, redirects included."""
    url = checked_url(text)
    assert url.host is not None  # checked_url made sure
    if _is_address(url.host):
        policy.check(url.host, [url.host])
    return url


def checked_url(text: str) -> URL:
    try:
        url = URL(text.strip())
    except ValueError:
        raise FetchError(f"not a URL: {text[:80]}") from None
    if url.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {text[:80]}")
    if not url.host:
        raise FetchError(f"the URL names no host: {text[:80]}")
    return url


async def _fetch_body(url: URL, settings: FetchSettings) -> Body:
    """GET the URL, following at most MAX_REDIRECTS redirects, each checked like the first."""
    policy = policy_of(settings)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy), use_dns_cache=False)
    # trust_env off: a proxy from the environment would connect on our behalf, unchecked.
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with session.get(url, headers=_HEADERS, allow_redirects=False) as response:
                    if response.status in _REDIRECTS and "Location" in response.headers:
                        location = url.join(URL(response.headers["Location"]))
                        url = checked_target(str(location), policy)
                        continue
                    return await _read_body(response, settings.max_bytes)
            except aiohttp.ClientError as exc:
                raise FetchError(f"could not fetch {url.host}: {_reason(exc)}") from None
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


async def _read_body(response: aiohttp.ClientResponse, max_bytes: int) -> Body:
    if response.status in (404, 410):
        raise FetchError(f"not found (HTTP {response.status})")
    if response.status in (401, 403):
        raise FetchError(f"access denied (HTTP {response.status})")
    if response.status >= 400:
        raise FetchError(f"the server answered HTTP {response.status}")
    content_type = response.content_type.lower()
    if not _readable(content_type):
        raise FetchError(f"not text: the server sent {content_type}")
    too_large = FetchError(f"too large: more than {max_bytes:,} bytes (NOVA_FETCH_MAX_BYTES)")
    if response.content_length is not None and response.content_length > max_bytes:
        raise too_large
    data = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data.extend(chunk)
        if len(data) > max_bytes:  # counted after decompression: a small gzip bomb stops too
            raise too_large
    return Body(response.url, content_type, _known_charset(response.charset), bytes(data))


def extract(body: Body) -> Extracted:
    sniffed = body.data.lstrip()[:1]
    if body.content_type == "application/pdf" or body.data.startswith(b"%PDF-"):
        return pdf_text(body.data)
    if body.content_type in _HTML or (_untyped(body) and sniffed == b"<"):
        return html_text(body.data, body.charset)
    if _untyped(body) or b"\x00" in body.data[:1024]:  # binary, whatever it claims
        raise FetchError(f"not text: the {body.content_type} body is binary")
    return plain_text(body.data, body.charset)


def _untyped(body: Body) -> bool:
    return body.content_type == "application/octet-stream"


def _readable(content_type: str) -> bool:
    # aiohttp reports a missing Content-Type as application/octet-stream; `extract` sniffs it.
    return (
        content_type.startswith("text/")
        or content_type in _HTML
        or content_type in _TEXT
        or content_type in ("application/pdf", "application/octet-stream")
    )


def _kind_name(content_type: str) -> str:
    return "web page" if content_type in _HTML else "text"


def _is_address(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


def _known_charset(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        codecs.lookup(charset)
    except LookupError:
        return None
    return charset


def _reason(exc: aiohttp.ClientError) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__
