"""Markdown from the model, turned into Slack mrkdwn that cannot ping a whole channel.

slackify_markdown does the conversion (bold, italics, links, lists, headings, code); a few of
its renderer rules are adjusted here, because Slack parses `<...>` everywhere, code included:

- code is sent as written, so `List<String>` or a `<!here>` in a code block would be read as
  a link or a broadcast: its `&`, `<`, `>` are escaped (Slack shows the characters again);
  image alt texts, also written out raw, get the same treatment;
- Slack tokens the model (or a quoted message) wrote, `<https://x.com|a label>` or
  `<!subteam^S1|@team>`, are kept as written: markdown-it would take the ones without a space
  for autolinks and URL-encode them into broken links, and slackify escapes the others.

Then `neutralize_broadcasts` turns every `<!...>` command (@channel, @here, @everyone,
user-group mentions, dates) into literal text, and breaks plain "@here" words.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.token import Token
from slackify_markdown.slackify import SlackifyMarkdown
from slackify_markdown.utils import escape_specials

_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)  # an unclosed ``` runs to the end
_COMMAND = re.compile(r"<!([^<>]*)>")
_BROADCAST_WORD = re.compile(r"(?<![\w.@])@(here|channel|everyone)\b", re.IGNORECASE)
_SLACK_LINK = re.compile(r"<((?:https?://|mailto:)[^\s<>|]+\|[^<>]+)>")  # label with spaces
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def to_mrkdwn(markdown: str) -> str:
    """Slack mrkdwn for `markdown`: formatting converted, special characters escaped once."""
    if not markdown.strip():
        return ""
    return neutralize_broadcasts(_Renderer(markdown).slackify().rstrip("\n"))


def neutralize_broadcasts(mrkdwn: str) -> str:
    """Make `<!channel>`, `<!here>`, `<!subteam^…>` and plain "@here" words harmless.

    Slack reads `&lt;` as a literal "<", so an escaped command is shown, never executed. User
    mentions (`<@U…>`) and links (`<http…|text>`) are left alone.
    """
    mrkdwn = _COMMAND.sub(r"&lt;!\1&gt;", mrkdwn).replace("<!", "&lt;!")
    pieces: list[str] = []
    last = 0
    for code in _CODE.finditer(mrkdwn):  # a zero-width space in code would break copy-paste
        pieces += [_break_words(mrkdwn[last : code.start()]), code.group()]
        last = code.end()
    return "".join([*pieces, _break_words(mrkdwn[last:])])


def _break_words(text: str) -> str:
    """Plain @here pings only when posted with link_names; a zero-width space makes sure."""
    return _BROADCAST_WORD.sub("@\u200b\\1", text)


Env = dict[str, Any]


class _Renderer(SlackifyMarkdown):
    """slackify_markdown's renderer, with code escaped and raw Slack tokens kept."""

    def text(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        # Only `<@…>`, `<#…>`, `<!…>` survive escape_specials; keep `<url|a label>` too.
        parts = _SLACK_LINK.split(tokens[idx].content)  # odd indices: the links' insides
        return "".join(
            f"<{part.replace('&', '&amp;')}>" if i % 2 else escape_specials(part)
            for i, part in enumerate(parts)
        )

    def image(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        token = tokens[idx]  # slackify writes the alt text (or title) out unescaped
        token.content = token.content.translate(_ESCAPES)
        if isinstance(title := token.attrs.get("title"), str):
            token.attrs["title"] = title.translate(_ESCAPES)
        return super().image(tokens, idx, options, env)

    def code_inline(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        return super().code_inline(tokens, idx, options, env).translate(_ESCAPES)

    def code_block(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        _close_on_own_line(tokens[idx])
        return super().code_block(tokens, idx, options, env).translate(_ESCAPES)

    def fence(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        _close_on_own_line(tokens[idx])
        return super().fence(tokens, idx, options, env).translate(_ESCAPES)

    def link_open(self, tokens: list[Token], idx: int, options: Any, env: Env) -> str:
        # The autolink's text token follows as written and link_close adds the ">".
        if tokens[idx].markup == "autolink" and _is_slack_token(tokens[idx + 1].content):
            return "<"
        return super().link_open(tokens, idx, options, env)


def _is_slack_token(text: str) -> bool:
    return "|" in text or text.startswith(("!", "@", "#"))


def _close_on_own_line(token: Token) -> None:
    """A fence cut off mid-stream has no final newline; slackify would glue ``` to the code."""
    if token.content and not token.content.endswith("\n"):
        token.content += "\n"
