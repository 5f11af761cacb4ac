"""A small website on 127.0.0.1 for `fetch_url`: an article among boilerplate, a PDF,
redirects, an oversize body, a slow page and an image."""

from __future__ import annotations

import asyncio

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

ARTICLE_SENTENCE = "The city council approved the new tram line to the harbour on Tuesday."
BOILERPLATE = ("Subscribe to our newsletter", "Cookie settings", "All rights reserved")
ARTICLE_HTML = f"""<!doctype html>
<html><head><title>Tram line approved | Harbour Gazette</title></head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/weather">Weather</a> <a href="/about">About us</a></nav></header>
<div class="cookie-banner">{BOILERPLATE[1]}: we use cookies. Accept all, reject all.</div>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Ten recipes</a></li>
<li><a href="/b">Local team wins</a></li><li><a href="/c">Road works</a></li></ul>
<p>{BOILERPLATE[0]} for weekly updates.</p></aside>
<article class="post"><h1>Tram line approved</h1>
<p>{ARTICLE_SENTENCE} The line will run for 6.5 kilometres, with nine stops between the
central station and the ferry terminal, and is expected to carry 18,000 passengers a day.</p>
<p>Construction starts in March next year and should take about three years. The council
estimates the cost at 240 million euros, of which the national government pays half,
according to the transport committee's report published this week.</p>
<p>Opponents argued that buses would be cheaper, but the majority said the tram would cut
journey times by a third and reduce traffic on the harbour road, which is congested most
mornings. A public consultation on the stop locations opens next month.</p>
</article>
<footer><p>© 2026 Harbour Gazette. {BOILERPLATE[2]}.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""
PDF_LINES = ("Quarterly report", "Revenue grew by twelve percent in the third quarter.")


def minimal_pdf(title: str, lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with a text layer and a title, written by hand (offsets computed)."""
    text_ops = " ".join(f"({line}) Tj 0 -20 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {text_ops} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        f"<< /Title ({title}) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


class FakeWebSite(LoopbackServer):
    """Pages at fixed paths; `/redirect?to=URL` answers 302 to URL, `/loop` to itself;
    `requested` lists the paths asked for."""

    def __init__(self, *, big_bytes: int = 200_000, slow_s: float = 5.0) -> None:
        super().__init__()
        self.big_bytes = big_bytes
        self.slow_s = slow_s
        self.requested: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_routes(self, app: web.Application) -> None:
        @web.middleware
        async def record(request: web.Request, handler: web.Handler) -> web.StreamResponse:
            self.requested.append(request.path_qs)
            return await handler(request)

        app.middlewares.append(record)
        app.router.add_get("/article", self._article)
        app.router.add_get("/report.pdf", self._pdf)
        app.router.add_get("/notes.txt", self._plain)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/loop", self._loop)
        app.router.add_get("/big", self._big)
        app.router.add_get("/big-chunked", self._big_chunked)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/logo.png", self._image)

    async def _article(self, request: web.Request) -> web.Response:
        return web.Response(text=ARTICLE_HTML, content_type="text/html")

    async def _pdf(self, request: web.Request) -> web.Response:
        body = minimal_pdf("Q3 Report", PDF_LINES)
        return web.Response(body=body, content_type="application/pdf")

    async def _plain(self, request: web.Request) -> web.Response:
        return web.Response(text="Plain notes: ship on Friday.", content_type="text/plain")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def _big(self, request: web.Request) -> web.Response:
        return web.Response(text="x" * self.big_bytes, content_type="text/plain")

    async def _big_chunked(self, request: web.Request) -> web.StreamResponse:
        # No Content-Length: the cap must hold while reading, not only from the header.
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(self.big_bytes // 10_000 + 1):
            await response.write(b"y" * 10_000)
        await response.write_eof()
        return response

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.slow_s)
        return web.Response(text="<p>finally</p>", content_type="text/html")

    async def _image(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
