"""split_message: long answers cut into platform-sized messages, code fences kept balanced."""

from __future__ import annotations

import random
import re

import pytest

from novabot.adapters.chunking import fences_balanced, split_message

FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,}).*$", re.MULTILINE)


def content(text: str) -> str:
    """The non-whitespace characters outside fence marker lines, in order."""
    return re.sub(r"\s", "", FENCE_LINE.sub("", text))


def assert_invariants(text: str, chunks: list[str], limit: int) -> None:
    assert all(len(chunk) <= limit for chunk in chunks)
    assert all(chunk.strip() for chunk in chunks)
    assert all(fences_balanced(chunk) for chunk in chunks), chunks
    assert content("\n".join(chunks)) == content(text)


def code_block(lang: str, lines: int, width: int = 30) -> str:
    body = "\n".join(f"line_{i} = {'x' * (width - 12)}" for i in range(lines))
    return f"```{lang}\n{body}\n```"


def test_short_text_comes_back_unchanged() -> None:
    text = "Hello **there**\n\n```py\nx = 1\n```\n"
    assert split_message(text, 2000) == [text]


def test_blank_text_gives_no_chunk() -> None:
    assert split_message("", 100) == []
    assert split_message(" \n\n ", 100) == []


def test_limit_below_minimum_is_rejected() -> None:
    with pytest.raises(ValueError):
        split_message("some text", 19)


def test_paragraphs_are_packed_greedily() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * 8 for i in range(6)]
    paragraphs = [p.strip() for p in paragraphs]
    text = "\n\n".join(paragraphs)
    chunks = split_message(text, 2 * len(paragraphs[0]) + 2)
    assert chunks == ["\n\n".join(paragraphs[i : i + 2]) for i in range(0, 6, 2)]


def test_long_answer_with_code_blocks() -> None:
    parts: list[str] = []
    for i in range(8):
        parts.append(f"Step {i}: " + "some explanation of the step " * 12 + "done.")
        parts.append(code_block("python" if i % 2 else "", 12))
    text = "\n\n".join(parts)
    assert len(text) > 5000
    chunks = split_message(text, 2000)
    assert len(chunks) > 2
    assert_invariants(text, chunks, 2000)
    # Every block fits, so none is cut: lines come back in order, fences on their own lines.
    rejoined = [line for chunk in chunks for line in chunk.split("\n") if line]
    assert rejoined == [line for line in text.split("\n") if line]


def test_oversize_code_block_is_reopened_with_its_language() -> None:
    text = "Here:\n\n" + code_block("python", 40)
    chunks = split_message(text, 300)
    assert_invariants(text, chunks, 300)
    code_chunks = [chunk for chunk in chunks if "line_" in chunk]
    assert len(code_chunks) > 3
    for chunk in code_chunks:
        assert chunk.split("\n")[0] in ("```python", "Here:")
        assert chunk.endswith("\n```")


def test_unclosed_fence_is_closed() -> None:
    text = "Start\n~~~sh\n" + "echo hi\n" * 40
    chunks = split_message(text, 100)
    assert_invariants(text, chunks, 100)
    assert all(chunk.endswith("~~~") for chunk in chunks[1:])


def test_huge_paragraph_without_spaces_is_hard_cut() -> None:
    text = "a" * 4500
    chunks = split_message(text, 2000)
    assert chunks == ["a" * 2000, "a" * 2000, "a" * 500]


def test_long_lines_are_split_at_words_first() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    chunks = split_message(text, 100)
    assert_invariants(text, chunks, 100)
    assert " ".join(chunks) == text


def test_line_longer_than_limit_inside_a_code_block() -> None:
    text = "```js\nconst s = '" + "z" * 500 + "';\nshort();\n```"
    chunks = split_message(text, 120)
    assert_invariants(text, chunks, 120)
    assert all(chunk.startswith("```js\n") and chunk.endswith("\n```") for chunk in chunks)


def test_fences_balanced() -> None:
    assert fences_balanced("no code")
    assert fences_balanced("```py\nx\n```\n~~~\ny\n~~~")
    assert not fences_balanced("```py\nx")
    assert not fences_balanced("````\n```\n")  # a shorter fence does not close a longer one
    assert fences_balanced("use ```inline``` here")  # not a fence: backticks in the info


def random_text(rng: random.Random) -> str:
    words = ["a", "word", "longer_word", "x" * rng.randint(1, 60), "`code`", "**bold**"]
    blocks: list[str] = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.3:
            lang = rng.choice(["", "python", "sh"])
            fence = rng.choice(["```", "~~~", "````"])
            body = [
                " " * rng.randint(0, 4) + "y" * rng.randint(0, 90)
                for _ in range(rng.randint(0, 30))
            ]
            close = "" if rng.random() < 0.1 else "\n" + fence
            blocks.append(f"{fence}{lang}\n" + "\n".join(body) + close)
        else:
            lines = [
                " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
                for _ in range(rng.randint(1, 5))
            ]
            blocks.append("\n".join(lines))
    return "".join(block + rng.choice(["\n", "\n\n", "\n\n\n"]) for block in blocks)


@pytest.mark.parametrize("seed", range(300))
def test_random_inputs_keep_the_invariants(seed: int) -> None:
    rng = random.Random(seed)
    text = random_text(rng)
    limit = rng.choice([20, 37, 80, 200, 500, 2000])
    chunks = split_message(text, limit)
    assert_invariants(text, chunks, limit)
