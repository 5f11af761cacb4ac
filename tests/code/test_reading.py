"""Listing, searching and reading a real repository, with each answer's caps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from novabot.code import CodeError, CodeReader, CodeRepos
from novabot.code.reading import MAX_FILES, MAX_MATCHES, MAX_READ_BYTES, MAX_READ_LINES
from tests.code.conftest import SECRET, commit, write


async def test_list_files_shows_tracked_files_and_filters_by_glob(reader: CodeReader) -> None:
    listed = (await reader.list_files()).splitlines()
    assert listed[0].startswith("shop: ") and "tracked files" in listed[0]
    assert {"README.md", "src/shop/app.py", "src/shop/deep/nested/rules.py"} <= set(listed)
    assert "untracked.txt" not in listed
    python = (await reader.list_files(glob="*.py")).splitlines()
    assert python[1:] == ["src/shop/app.py", "src/shop/deep/nested/rules.py"]
    assert (await reader.list_files(glob="src/shop/deep/**")).splitlines()[1:] == [
        "src/shop/deep/nested/rules.py"
    ]
    assert await reader.list_files(glob="*.rs") == "shop: no tracked files matching '*.rs'"


async def test_list_files_is_capped(repo: Path, reader: CodeReader) -> None:
    for index in range(MAX_FILES + 20):
        write(repo, f"gen/file{index:03}.txt", "x\n")
    commit(repo, "Many files")
    lines = (await reader.list_files(glob="gen/**")).splitlines()
    assert lines[0] == f"shop: {MAX_FILES + 20} tracked files matching 'gen/**'"
    assert len(lines) == 1 + MAX_FILES + 1 and "narrow with a glob" in lines[-1]


async def test_search_finds_lines_with_paths_and_numbers(reader: CodeReader) -> None:
    found = (await reader.search(r"def total\w*")).splitlines()
    assert found[0] == r"shop: matches for /def total\w*/"
    assert found[1:] == [
        "src/shop/app.py:4: def total(lines):",
        "src/shop/app.py:8: def total_with_vat(lines, rate=0.2):",
    ]
    assert "rules.py:1:" in await reader.search("discounts_stack", ignore_case=True)
    assert await reader.search("nowhere_at_all") == "shop: no matches for /nowhere_at_all/"
    assert "README.md" not in await reader.search("Orders", glob="*.py")


async def test_search_never_shows_credentials_files(reader: CodeReader) -> None:
    # `.env` and the key are committed, but their lines never leave the repository.
    assert await reader.search("API_KEY") == "shop: no matches for /API_KEY/"
    assert SECRET not in await reader.search("sk-live|KEY|PRIVATE")


async def test_search_is_capped_and_long_lines_are_cut(repo: Path, reader: CodeReader) -> None:
    write(repo, "many.txt", "".join(f"needle {i} " + "x" * 500 + "\n" for i in range(150)))
    commit(repo, "Needles")
    lines = (await reader.search("needle")).splitlines()
    assert len(lines) == 1 + MAX_MATCHES + 1 and "first 100 matches" in lines[-1]
    assert lines[1].startswith("many.txt:1: needle 0 ") and len(lines[1]) < 300


async def test_a_bad_regex_is_one_line(reader: CodeReader) -> None:
    with pytest.raises(CodeError) as caught:
        await reader.search("(unclosed")
    assert "cannot search for /(unclosed/" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(CodeError, match="regular expression"):
        await reader.search("  ")


async def test_a_slow_regex_is_stopped_by_the_timeout(repo: Path) -> None:
    # Back-references make git's matcher backtrack: minutes on this one line.
    write(repo, "slow.txt", "a" * 80 + "\n")
    commit(repo, "A long line")
    reader = CodeReader(CodeRepos({"shop": repo}, timeout_s=1))
    started = time.monotonic()
    with pytest.raises(CodeError, match=r"longer than 1 s and was stopped"):
        await reader.search(r"(.*)(.*)(.*)(.*)(.*)\5\4\3\2\1x")
    assert time.monotonic() - started < 5
    assert "src/shop/app.py:4:" in await reader.search("def total")  # the next call works


async def test_read_a_file_by_line_range(reader: CodeReader) -> None:
    text = await reader.read_file("src/shop/app.py", start_line=7, end_line=9)
    assert text.splitlines() == [
        "shop:src/shop/app.py lines 7-9 of 10",
        "    7| ",
        "    8| def total_with_vat(lines, rate=0.2):",
        "    9|     # VAT is added once, on the whole order.",
    ]
    whole = await reader.read_file("./src//shop/app.py")
    assert whole.startswith("shop:src/shop/app.py lines 1-10 of 10\n")
    past = await reader.read_file("README.md", start_line=50)
    assert past == "shop:README.md has 2 lines; nothing at line 50"


async def test_reading_is_capped_in_lines_and_bytes(repo: Path, reader: CodeReader) -> None:
    write(repo, "long.txt", "".join(f"line {i}\n" for i in range(1, 1001)))
    write(repo, "wide.txt", ("y" * 1000 + "\n") * 100)
    commit(repo, "Big files")
    default = (await reader.read_file("long.txt")).splitlines()
    assert default[0] == "shop:long.txt lines 1-200 of 1000" and default[-1].endswith("line 200")
    most = (await reader.read_file("long.txt", start_line=10, end_line=5000)).splitlines()
    assert most[0] == f"shop:long.txt lines 10-{10 + MAX_READ_LINES - 1} of 1000"
    wide = await reader.read_file("wide.txt", end_line=100)
    assert len(wide) < MAX_READ_BYTES + 1200 and "cut at 32 KB" in wide


async def test_binary_files_folders_and_untracked_files_are_not_read(
    repo: Path, reader: CodeReader
) -> None:
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    commit(repo, "Logo")
    write(repo, "scratch.txt", "local notes\n")  # after the commit: untracked
    for path, said in [
        ("logo.png", "binary"),
        ("src/shop", "is a folder; list it with a glob like 'src/shop/\\*\\*'"),
        ("scratch.txt", "not a file git tracks"),
        ("missing.py", "not a file git tracks"),
    ]:
        with pytest.raises(CodeError, match=said):
            await reader.read_file(path)
