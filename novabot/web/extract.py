"""Readable text out of a fetched body: an HTML page's main text, a PDF's text, plain text.

HTML goes through readability-lxml (the article, without menus, footers and sidebars);
PDFs through pypdf. Both are CPU work, so callers run them in a thread.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from novabot.web.addresses import FetchError

if TYPE_CHECKING:
    import lxml.html

# lxml, readability and pypdf are imported where a page or a PDF is read: together they
# hold about 17 MB of every `nova run`, most of which never fetches a link.

log = logging.getLogger(__name__)

MAX_PDF_PAGES = 200
"""Pages past this are not read: the text would be cut long before anyway."""
_BLOCKS = (
    "p", "div", "section", "article", "li", "tr", "pre", "blockquote", "table",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "figcaption",
)  # fmt: skip
_CHROME_TAGS = ("nav", "aside", "form", "script", "style", "noscript", "template", "iframe")
_CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search"}
)
_CHROME_NAMES = re.compile(
    r"(?:^|[-_\s])(?:cookies?|consent|gdpr|newsletter|subscribe|social|share|promo|advert|"
    r"popup|modal)(?:[-_\s]|$)",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_WHITESPACE = re.compile(r"\s+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLANK_LINES = re.compile(r"\n{3,}")
_NO_TITLE = "[no-title]"  # readability's stand-in when a page has no <title>


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    pages: int | None = None
    """A PDF's page count."""


def tidy(text: str) -> str:
    """Spaces collapsed within lines, at most one blank line between paragraphs."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_text(body: bytes, charset: str | None) -> Extracted:
    """The main text and title of an HTML page (boilerplate left out)."""
    from readability import Document

    source = _decoded(body, charset)
    try:
        document = Document(without_chrome(source))
        title = document.short_title() or document.title()
        article = document.summary(html_partial=True)
    except Exception as exc:  # readability raises its own and lxml's errors on odd pages
        log.info("readability could not parse the page: %s", exc)
        raise FetchError("the page has no readable text") from None
    text = _element_text(article)
    if not text:
        raise FetchError("the page has no readable text")
    return Extracted("" if title == _NO_TITLE else tidy(title), text)


def _decoded(body: bytes, charset: str | None) -> str | bytes:
    """Text when the charset is known or the body is UTF-8; else the bytes, for lxml to
    read the page's own <meta charset> (it would take UTF-8 for Latin-1 otherwise)."""
    if charset:
        text = body.decode(charset, errors="replace")
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
    # lxml refuses text that still declares an encoding (XHTML's <?xml … encoding=…?>).
    return _XML_DECLARATION.sub("", text, count=1)


def without_chrome(source: str | bytes) -> str:
    """The page without what is plainly not its text (menus, banners, cookie notices).

    readability-lxml scores paragraphs and keeps short sentence-like siblings of the
    article, which lets a cookie notice in; markup that says what it is goes first.
    """
    import lxml.html

    root = lxml.html.document_fromstring(source)
    doomed = [
        element for element in root.iter() if isinstance(element.tag, str) and _is_chrome(element)
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return str(lxml.html.tostring(root, encoding="unicode"))


def _is_chrome(element: lxml.html.HtmlElement) -> bool:
    if element.tag in ("html", "body", "main", "article"):
        return False
    if element.tag in _CHROME_TAGS or element.get("role", "") in _CHROME_ROLES:
        return True
    named = f"{element.get('class', '')} {element.get('id', '')}"
    if element.tag not in ("header", "footer") and not _CHROME_NAMES.search(named):
        return False
    # A page's own header or footer, or a named widget, unless it holds the article.
    return next(element.iter("main", "article", "h1"), None) is None


def _element_text(html: str) -> str:
    import lxml.html

    if not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    for element in root.iter():  # source line breaks are spaces, except in <pre>
        inside_pre = any(ancestor.tag == "pre" for ancestor in element.iterancestors())
        if not inside_pre and element.tag != "pre":
            element.text = element.text and _WHITESPACE.sub(" ", element.text)
        if not inside_pre:
            element.tail = element.tail and _WHITESPACE.sub(" ", element.tail)
    for element in root.iter(*_BLOCKS):  # each block on its own lines
        element.tail = "\n\n" + (element.tail or "")
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    return tidy(root.text_content())


def pdf_text(body: bytes) -> Extracted:
    """A PDF's text, page after page, and its title from the document's metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FetchError("the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
        title = (reader.metadata.title if reader.metadata else None) or ""
        count = len(reader.pages)
    except FetchError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
        log.info("pypdf could not read the document: %s", exc)
        raise FetchError("not a readable PDF") from None
    text = tidy("\n\n".join(pages))
    if not text:
        raise FetchError("the PDF has no text layer (a scan?)")
    return Extracted(tidy(str(title)), text, pages=count)


def plain_text(body: bytes, charset: str | None) -> Extracted:
    text = tidy(body.decode(charset or "utf-8", errors="replace"))
    if not text:
        raise FetchError("the document is empty")
    return Extracted("", text)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a paragraph or word break near the limit."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("\n\n", "\n", " "):
        at = cut.rfind(mark)
        if at >= limit * 0.8:  # a break near the end; else cut mid-word rather than lose much
            return cut[:at].rstrip()
    return cut
