"""`git log`, `git show` and `git blame` over a real repository, with their caps."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.code import CodeError, CodeReader
from novabot.code.reading import MAX_BLAME_LINES, MAX_LOG, MAX_SHOW_BYTES
from tests.code.conftest import SECRET, commit, git, write


async def test_log_lists_recent_commits_optionally_for_a_path(reader: CodeReader) -> None:
    lines = (await reader.log()).splitlines()
    assert lines[0] == "shop: the last 20 commits at most"
    subjects = [line.split(": ", 1)[1] for line in lines[1:]]
    assert subjects == ["Local settings and links", "VAT on the whole order", "Order totals"]
    assert all(" Ada: " in line for line in lines[1:])
    only_app = (await reader.log(path="src/shop/app.py", limit=1)).splitlines()
    assert only_app[0] == "shop: the last 1 commits at most touching src/shop/app.py"
    assert only_app[1:] and only_app[1].endswith("Ada: VAT on the whole order")
    assert await reader.log(path="docs") == "shop: no commits touching docs"


async def test_log_is_capped(repo: Path, reader: CodeReader) -> None:
    for index in range(MAX_LOG + 5):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"empty {index}")
    lines = (await reader.log(limit=1000)).splitlines()
    assert lines[0] == f"shop: the last {MAX_LOG} commits at most" and len(lines) == MAX_LOG + 1


async def test_show_gives_the_message_stat_and_diff(reader: CodeReader) -> None:
    shown = await reader.show("HEAD~1")
    assert shown.startswith("commit ") and "VAT on the whole order" in shown
    assert "src/shop/app.py | 5 +++++" in shown  # the stat
    assert "+def total_with_vat(lines, rate=0.2):" in shown  # the diff
    assert await reader.show(shown.split()[1][:8]) == shown  # a short hash names it too


async def test_show_leaves_out_credentials_files(reader: CodeReader) -> None:
    shown = await reader.show("HEAD")
    assert "Local settings and links" in shown and "env_link.txt" in shown
    assert SECRET not in shown and ".env " not in shown and "server.pem" not in shown
    assert shown.endswith("(changes to 2 credentials-like file(s) are not shown)")


async def test_show_is_capped(repo: Path, reader: CodeReader) -> None:
    write(repo, "big.txt", "".join(f"row {i} of a big change\n" for i in range(5000)))
    commit(repo, "A big change")
    shown = await reader.show("main")
    assert len(shown) < MAX_SHOW_BYTES + 200 and shown.endswith("read files for the rest)")


async def test_blame_names_commit_author_and_line(reader: CodeReader) -> None:
    lines = (await reader.blame("src/shop/app.py", 8, 9)).splitlines()
    assert lines[0] == "shop:src/shop/app.py lines 8-9"
    assert len(lines) == 3 and all("(Ada " in line for line in lines[1:])
    assert lines[1].endswith("def total_with_vat(lines, rate=0.2):")
    with pytest.raises(CodeError, match=r"cannot blame README\.md: .*2 lines"):
        await reader.blame("README.md", 10, 12)


async def test_blame_is_capped(repo: Path, reader: CodeReader) -> None:
    write(repo, "long.txt", "".join(f"line {i}\n" for i in range(1, 501)))
    commit(repo, "Long file")
    lines = (await reader.blame("long.txt", 1, 500)).splitlines()
    assert lines[0] == f"shop:long.txt lines 1-{MAX_BLAME_LINES} (at most {MAX_BLAME_LINES} lines)"
    assert len(lines) == MAX_BLAME_LINES + 1
