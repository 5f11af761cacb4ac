"""What a message asks, apart from what it pastes.

In chat, people paste the thing they want worked on: "fix the typos in this:" and an
e-mail about invoices, a traceback with "where is this raised?", a query with "why does
this return duplicates?". Ranked whole, such a message goes where its pasted topic points
(the e-mail about invoices to erp-finance), and a long paste costs the encoder tens of
milliseconds. So such a message is ranked on its request, with a note of the paste where
the request alone may not say what it is: "any bug here? (pasted code)", "what does this
say? (pasted Polish text)", "fix the typos in this".

The paste is told apart by layout alone: fenced or indented code, "> " quotes, a paragraph
much longer than the short one that asks, or a lead-in line or colon before a long text.
A message that is long without such a layout (a long question written out) is ranked whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from novabot.routing.language import ENGLISH, guess_language
from novabot.routing.scope import Candidate, ScopeMatcher

PASTE_MIN_WORDS = 15
"""Prose shorter than this is part of the request, never a paste…"""
TERSE_PASTE_MIN_WORDS = 5
"""… except after a terse lead-in: "record decision: from July we stop stocking nylon
brooms" asks to record, whatever the decision is about."""
QUOTE_MIN_WORDS = 6
"""Quoted text ('…', "…", “…”, «…») this long inside a line is pasted: "firmer tone pls:
'Just checking in on the order…'"."""
ASK_MAX_WORDS = 30
"""A request is at most this long."""
PLAIN_ASK_WORDS = 4
"""An opening line that neither points, asks nor leads in is a request from this long."""
TERSE_LEAD_WORDS = 8
"""A lead-in this short before a colon ("proofread:", "into French pls:") is a request
without pointing at the text, unless the text goes on to ask a question itself."""
LANGUAGE_NAMES = {"fr": "French", "de": "German", "es": "Spanish", "it": "Italian"}
LANGUAGE_NAMES |= {"pl": "Polish", "pt": "Portuguese", "nl": "Dutch"}
POINTERS = frozenset(
    "this these that those following below above here it attached "
    "ce cet cette ces ça cela ceci ci-dessous ci-dessus voici suivant suivants "
    "das dies diese dieser dieses diesen folgende folgenden unten oben hier "
    "esto este esta estos estas eso esa siguiente abajo arriba aquí "
    "to ten ta te tego tej tym poniżej ponizej powyżej powyzej tutaj tu "
    "questo questa questi queste quello quella seguente sotto sopra qui".split()
)
"""Words that point at a pasted text ("fix the typos in this", "übersetze das"): a short
line before a long text is its request only when it points at it."""
COURTESY = frozenset(
    "hi hello hey thanks thank you cheers please pls thx nova best regards kind bonjour "
    "salut merci hallo danke grüße hola gracias saludos ciao grazie saluti cześć dzięki "
    "dziękuję pozdrawiam".split()
)
"""Words of a greeting or a sign-off: a part made only of them asks for nothing."""

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)?")
_CODE_LINE = re.compile(
    r"^(?:\s{2,}|\t)\S|[;{}]\s*$|^\s*(?:def|class|return|import|from|SELECT|FROM|JOIN|WHERE|"
    r"GROUP BY|ORDER BY|Traceback|File \")\b|^\s*\w+(?:\.\w+)*(?:Error|Exception):|=>|==|!="
)
_LEAD_COLON = re.compile(r":\s")
_INLINE_QUOTE = re.compile(
    r"(?<!\w)'((?:[^'\n]|(?<=\w)'(?=\w))+)'(?!\w)|\"([^\"\n]+)\"|“([^”\n]+)”|«([^»\n]+)»"
)
_SIGN_OFF = re.compile(
    r"\s*(?:--|—|(?:best|kind|warm|many)?\s*regards?\b|(?:best|cheers|sincerely|yours)\s*[,.!]?\s*$"
    r"|(?:mit\s+)?freundlichen?\s+grü|(?:viele|beste|liebe)\s+grü|(?:bien\s+)?cordialement"
    r"|bien\s+à\s+vous|(?:un\s+)?saludos?\b|atentamente|pozdrawiam|z\s+poważaniem"
    r"|(?:cordiali|distinti)\s+saluti|met\s+vriendelijke\s+groet)",
    re.IGNORECASE | re.MULTILINE,
)
"""The first line of a letter's closing ("Kind regards,", "Mit freundlichen Grüßen"):
a short paragraph, but the pasted letter's, not the request."""
_TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|^\s+at \S+\(|^\w+(?:Error|Exception):", re.M
)
_SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\b(?:INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b", re.I)


@dataclass(frozen=True)
class Part:
    """A piece of a message: prose, code (fenced, or lines marked as code) or a quote."""

    text: str
    code: bool = False
    quoted: bool = False
    table: bool = False

    @property
    def words(self) -> list[str]:
        return [word.lower() for word in _WORD.findall(self.text)]

    @property
    def verbatim(self) -> bool:
        """Code, a quote or a table: pasted, however short."""
        return self.code or self.quoted or self.table

    @property
    def asks_something(self) -> bool:
        return any(word not in COURTESY for word in self.words)

    @property
    def may_ask(self) -> bool:
        """Short prose that asks something and is no letter's sign-off."""
        short = len(self.words) <= ASK_MAX_WORDS and not self.verbatim
        return short and self.asks_something and not _SIGN_OFF.match(self.text)

    @property
    def points(self) -> bool:
        return self.text.lstrip().startswith("^") or not POINTERS.isdisjoint(self.words)


def request_text(text: str) -> str:
    """`text` as the router should rank it: the request, and a note of what it pastes
    when the request alone does not say (code, a query, a traceback, another language)."""
    split = _split(_parts(text))
    if split is None:
        return text
    asks, pasted = split
    request = " ".join(" ".join(part.text.split()) for part in asks)
    note = _described(pasted, english=guess_language(text) == ENGLISH)
    return f"{request} ({note})" if note else request


def _split(parts: list[Part]) -> tuple[list[Part], list[Part]] | None:
    """(request, pasted) parts, or None when nothing was pasted."""
    if len(parts) == 1 and not parts[0].verbatim:
        return _lead_in(parts[0].text.strip())
    scored = [(_request_score(parts, i), i) for i, part in enumerate(parts) if part.may_ask]
    if not scored:
        return None
    score, best = max(scored)  # on a tie, the later part: people paste, then ask
    ask, rest = parts[best], parts[:best] + parts[best + 1 :]
    if any(part.verbatim for part in parts):
        return [ask], rest  # code or a quote is pasted, however the request reads
    if not _is_request(ask, rest, pointing=False):
        return None  # too little pasted beside it; where it stands is weighed below
    if score < 1 and len(ask.words) < PLAIN_ASK_WORDS:
        return None  # "Quick question" opens a long text; it asks for nothing itself
    if not ask.points and best < len(parts) - 1 and _asks_itself(parts[best + 1 :]):
        return None  # "Quick question:" before a long question of the user's own
    return [ask], rest


def _request_score(parts: list[Part], index: int) -> float:
    """How much a short part reads as the request: it asks a question, points at the
    text, leads in with a colon, comes last (people paste, then ask) or, less, first."""
    part = parts[index]
    text = part.text.rstrip()
    place = 1.0 if index == len(parts) - 1 else 0.5 if index == 0 else 0.0
    return 2 * ("?" in text) + part.points + text.endswith(":") + place


def _asks_itself(parts: list[Part]) -> bool:
    return parts[-1].text.rstrip().endswith("?")


def _is_request(
    ask: Part, rest: list[Part], *, pointing: bool, minimum: int = PASTE_MIN_WORDS
) -> bool:
    """Short, asking something, next to at least `minimum` words of text; a request
    before the text must also point at it (else it may open a long question)."""
    pasted = sum(len(part.words) for part in rest)
    fits = ask.may_ask and pasted >= max(minimum, len(ask.words))
    return fits and (ask.points or not pointing)


def _lead_in(text: str) -> tuple[list[Part], list[Part]] | None:
    """For one paragraph: a request before a colon, on the last line or on the first,
    next to a longer text."""
    lines = text.split("\n")
    colon = _LEAD_COLON.search(text)
    candidates = []
    if colon:
        ask, rest = Part(text[: colon.start()]), Part(text[colon.end() :])
        terse = len(ask.words) <= TERSE_LEAD_WORDS and not text.rstrip().endswith("?")
        minimum = TERSE_PASTE_MIN_WORDS if terse else PASTE_MIN_WORDS
        candidates.append((ask, rest, not terse, minimum))
    if len(lines) > 1:
        candidates.append((Part(lines[-1]), Part("\n".join(lines[:-1])), False, PASTE_MIN_WORDS))
        candidates.append((Part(lines[0]), Part("\n".join(lines[1:])), True, PASTE_MIN_WORDS))
    for ask, rest, before, minimum in candidates:
        if _is_request(ask, [rest], pointing=before, minimum=minimum):
            return [ask], [rest]
    return None


def _parts(text: str) -> list[Part]:
    """Fenced code, then paragraphs; "> " lines inside a paragraph are a quote."""
    parts: list[Part] = []
    position = 0
    for fence in _FENCE.finditer(text):
        parts += _paragraphs(text[position : fence.start()])
        parts.append(Part(fence.group(), code=True))
        position = fence.end()
    return parts + _paragraphs(text[position:])


def _paragraphs(text: str) -> list[Part]:
    parts = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        quoted = [line for line in lines if line.lstrip().startswith(">")]
        said = [line for line in lines if not line.lstrip().startswith(">")]
        if said:
            parts += _with_quotes_apart(said)
        if quoted:
            parts.append(Part("\n".join(line.lstrip()[1:] for line in quoted), quoted=True))
    return parts


def _with_quotes_apart(lines: list[str]) -> list[Part]:
    """The lines as one part, or, when they quote a long enough text inline, the words
    around the quotes as one part and each quote as another."""
    joined = "\n".join(lines)
    code, table = _looks_like_code(lines), _looks_like_table(lines)
    quotes = (
        []
        if code or table
        else [
            quote
            for quote in _INLINE_QUOTE.finditer(joined)
            if len(_WORD.findall(_quoted(quote))) >= QUOTE_MIN_WORDS
        ]
    )
    if not quotes:
        return [Part(joined, code=code, table=table)]
    around = joined
    for quote in reversed(quotes):
        around = around[: quote.start()] + " " + around[quote.end() :]
    pasted = [Part(_quoted(quote), quoted=True) for quote in quotes]
    return [Part(around.strip()), *pasted] if around.strip() else pasted


def _quoted(quote: re.Match[str]) -> str:
    return next(group for group in quote.groups() if group is not None)


def _looks_like_code(lines: list[str]) -> bool:
    """Code, a query or a traceback: most of several lines carry code's marks."""
    marked = sum(bool(_CODE_LINE.search(line)) for line in lines)
    return len(lines) >= 2 and marked * 2 >= len(lines)


def _looks_like_table(lines: list[str]) -> bool:
    """Rows of a CSV, TSV or Markdown table: every line splits on the same separator."""
    return len(lines) >= 2 and any(
        all(line.count(separator) >= 2 for line in lines) for separator in "|;\t"
    )


def _described(pasted: list[Part], *, english: bool) -> str | None:
    """What the request alone may not say: code (which kind), or that an English message
    pastes another language (a translator's cue; a request in another language goes to
    the multilingual matcher, which reads it without one). Prose gets no other note:
    "(pasted text)" only pulled requests toward the agents whose examples say "text"
    (the first 42 pasted cases: 92.5 % in scope with it, 100 % without)."""
    code = "\n".join(part.text for part in pasted if part.code)
    if _TRACEBACK.search(code):
        return "pasted error traceback"
    if _SQL.search(code):
        return "pasted SQL query"
    if code:
        return "pasted code"
    language = guess_language(" ".join(part.text for part in pasted))
    name = LANGUAGE_NAMES.get(language) if english and language != ENGLISH else None
    return f"pasted {name} text" if name else None


class RequestMatcher:
    """Ranks a message on its request (`request_text`), through another matcher."""

    def __init__(self, inner: ScopeMatcher) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def embedder(self) -> object:
        return getattr(self.inner, "embedder", None)

    def rank(self, text: str) -> list[Candidate]:
        return self.inner.rank(request_text(text))

    def threshold_for(self, agent: str) -> float:
        return self.inner.threshold_for(agent)
