"""Markdown to Slack mrkdwn: formatting converted, nothing that could ping a whole channel."""

from __future__ import annotations

import pytest

from novabot.adapters.slack.format import neutralize_broadcasts, to_mrkdwn

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and *italic* and ~~gone~~", "*bold* and _italic_ and ~gone~"),
        ("see [the docs](https://example.com/a?b=1)", "see <https://example.com/a?b=1|the docs>"),
        ("- one\n- two\n  - nested", "•   one\n•   two\n    ◦   nested"),
        ("1. first\n2. second", "1.  first\n2.  second"),
        ("# Title\n\nbody", "*Title*\n\nbody"),
        ("run `ls -la` now", "run `ls -la` now"),
        ("```python\nprint('hi')\n```", "```\nprint('hi')\n```"),  # the language is dropped
    ],
)
def test_formatting_is_converted(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


@pytest.mark.parametrize(
    "token",
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!here|here>",
        "<!channel|@channel>",
        "<!subteam^S123|@team>",
        "<!subteam^S123>",
        "<!date^1392734382^{date_pretty}|Feb 18, 2014>",
        "<!here",
    ],
)
@pytest.mark.parametrize(
    "template",
    [
        "hey {} look",
        "`{}`",
        "```\n{}\n```",
        "```sh\necho {}",  # a fence still open mid-stream
        "> {}",
        "# {}",
        "[{}](https://example.com)",
        "- item {}",
    ],
)
def test_broadcast_tokens_are_neutralized(token: str, template: str) -> None:
    out = to_mrkdwn(template.format(token))
    assert "<!" not in out
    assert "&lt;!" in out


def test_neutralize_broadcasts_on_mrkdwn() -> None:
    out = neutralize_broadcasts("<!here> and `<!channel>` and\n```\n<!everyone>\n```")
    assert out == "&lt;!here&gt; and `&lt;!channel&gt;` and\n```\n&lt;!everyone&gt;\n```"
    assert neutralize_broadcasts(out) == out


def test_user_mentions_and_links_are_kept() -> None:
    text = "ask <@U123> in <#C42|general>: <https://x.com|the doc> or <https://y.com|a long label>"
    assert to_mrkdwn(text) == text


def test_plain_broadcast_words_get_a_zero_width_space() -> None:
    out = to_mrkdwn("@here and @channel, @Everyone! but mail bob@here.com")
    assert out == f"@{ZWSP}here and @{ZWSP}channel, @{ZWSP}Everyone! but mail bob@here.com"


def test_broadcast_words_in_code_are_left_alone() -> None:
    assert (
        to_mrkdwn("type `@here` or\n\n```\n@channel\n```")
        == "type `@here` or\n\n```\n@channel\n```"
    )


def test_specials_are_escaped_exactly_once() -> None:
    assert to_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_mrkdwn("Tom &amp; Jerry &lt;3") == "Tom &amp; Jerry &lt;3"
    assert to_mrkdwn("<div>") == "&lt;div&gt;"


def test_specials_in_code_are_escaped() -> None:
    assert to_mrkdwn("`List<String> && x`") == "`List&lt;String&gt; &amp;&amp; x`"
    assert to_mrkdwn("```\nif a < b:\n```") == "```\nif a &lt; b:\n```"


def test_image_alt_text_is_escaped() -> None:
    assert to_mrkdwn("![a > b](https://x.com/i.png)") == "<https://x.com/i.png|a &gt; b>"


def test_unclosed_fence_is_closed_on_its_own_line() -> None:
    assert to_mrkdwn("text\n```python\nprint(1)") == "text\n\n```\nprint(1)\n```"


@pytest.mark.parametrize("blank", ["", "  ", "\n\n"])
def test_blank_input_gives_empty_string(blank: str) -> None:
    assert to_mrkdwn(blank) == ""
