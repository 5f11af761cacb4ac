"""Readable text from bodies already fetched: what is kept, what is dropped, how it is cut."""

from __future__ import annotations

import subprocess
import sys

import pytest

from novabot.web import FetchError
from novabot.web.extract import html_text, pdf_text, plain_text, truncate
from tests.fakes.web_site import minimal_pdf

PARAGRAPH = "This paragraph is long enough to count as the article's text, with commas, and more."


def page(body: str, *, body_attrs: str = "", head: str = "<title>T</title>") -> bytes:
    return f"<html><head>{head}</head><body {body_attrs}>{body}</body></html>".encode()


def test_markup_that_names_the_article_is_never_dropped() -> None:
    html = page(
        f"<article><header><h1>Headline</h1></header><p>{PARAGRAPH}</p>"
        f"<p>{PARAGRAPH} Second.</p></article><footer>Footer links</footer>",
        body_attrs='class="cookie-consent-shown"',  # a body named like a banner stays
    )
    extracted = html_text(html, "utf-8")
    assert extracted.title == "T"  # readability drops an article's <header>: the title stays
    assert "Second." in extracted.text and "Footer" not in extracted.text


def test_preformatted_text_keeps_its_lines() -> None:
    html = page(f"<article><p>{PARAGRAPH}</p><pre>line one\n    line two</pre></article>")
    assert html_text(html, None).text.endswith("\n\nline one\nline two")


def test_utf8_without_a_declared_charset_is_read_as_utf8() -> None:
    html = page(f"<article><p>Zürich, Łódź and São Paulo. {PARAGRAPH}</p></article>")
    assert "Zürich, Łódź and São Paulo." in html_text(html, None).text


def test_latin1_declared_in_the_page_is_honoured() -> None:
    html = (
        page(
            f"<article><p>Caf\u00e9 cr\u00e8me. {PARAGRAPH}</p></article>",
            head='<meta charset="iso-8859-1"><title>T</title>',
        )
        .decode("utf-8")
        .encode("latin-1")
    )
    assert "Café crème." in html_text(html, None).text


def test_xhtml_with_an_xml_declaration_is_read() -> None:
    html = b'<?xml version="1.0" encoding="utf-8"?>\n' + page(
        f"<article><p>{PARAGRAPH}</p></article>"
    )
    assert PARAGRAPH in html_text(html, None).text


def test_a_page_without_text_is_an_error() -> None:
    with pytest.raises(FetchError, match=r"^the page has no readable text$"):
        html_text(page("<nav><a href='/'>Home</a></nav>"), "utf-8")
    with pytest.raises(FetchError, match=r"^the page has no readable text$"):
        html_text(b"", None)


def test_pdfs_that_cannot_be_read_say_why() -> None:
    with pytest.raises(FetchError, match=r"^not a readable PDF$"):
        pdf_text(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(FetchError, match="no text layer"):
        pdf_text(minimal_pdf("Empty", ()))


def test_plain_text_is_tidied() -> None:
    assert plain_text(b"  a   b \n\n\n\n c  ", None).text == "a b\n\nc"
    with pytest.raises(FetchError, match="empty"):
        plain_text(b" \n ", "utf-8")


def test_truncation_cuts_at_a_break_near_the_limit() -> None:
    text = "first paragraph here.\n\n" + "word " * 50
    cut = truncate(text, 60)
    assert len(cut) <= 60 and not cut.endswith(" ") and cut.startswith("first paragraph")
    assert truncate("short", 60) == "short"
    assert truncate("x" * 100, 60) == "x" * 60  # no break near the end: cut mid-word


def test_the_page_and_pdf_readers_load_only_when_a_page_or_pdf_is_read() -> None:
    # About 17 MB of every `nova run` that never fetches a link.
    code = (
        "import sys, novabot.app, novabot.web.fetch\n"
        "print(sorted({'lxml', 'pypdf', 'readability'} & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
