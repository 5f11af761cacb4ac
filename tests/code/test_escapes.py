"""Every way out of the repository, or into its credentials, is refused with one line, and
user text never becomes a git option."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from novabot.code import CodeError, CodeReader
from novabot.code.paths import secret_reason
from tests.code.conftest import OUTSIDE, SECRET, git

ESCAPES = [
    ("../outside/secret.txt", "'..' is refused"),
    ("src/../../outside/secret.txt", "'..' is refused"),
    ("{outside}/secret.txt", "absolute path"),
    ("/etc/passwd", "absolute path"),
    ("~/.ssh/id_rsa", "absolute path"),
    ("escape.txt", "leads outside the repository"),
    ("escape_dir/secret.txt", "leads outside the repository"),
    (".env", "credentials file (.env)"),
    ("config/.env.production", "credentials file (.env.*)"),
    ("keys/server.pem", "credentials file (*.pem)"),
    ("deploy/ID_RSA.pub", "credentials file (id_rsa*)"),
    ("certs/client.p12", "credentials file (*.p12)"),
    ("tls/site.key", "credentials file (*.key)"),
    ("env_link.txt", "points to '.env' looks like a credentials file"),
    (".git/config", "inside .git/"),
    ("home/.aws/credentials", "inside .aws/"),
    ("bad\nname", "control characters"),
]


def each_path_tool(reader: CodeReader) -> list[Callable[[str], Awaitable[str]]]:
    return [
        lambda path: reader.read_file(path),
        lambda path: reader.blame(path, 1, 5),
        lambda path: reader.log(path=path),
    ]


@pytest.mark.parametrize(("path", "said"), ESCAPES)
async def test_escapes_and_secrets_are_refused_by_every_path_tool(
    reader: CodeReader, outside: Path, path: str, said: str
) -> None:
    for tool in each_path_tool(reader):
        with pytest.raises(CodeError) as caught:
            await tool(path.format(outside=outside))
        message = str(caught.value)
        assert said in message and "\n" not in message, message
        assert OUTSIDE not in message and SECRET not in message


async def test_globs_may_not_leave_the_repository(reader: CodeReader) -> None:
    for glob, said in [("../*", "'..' is refused"), ("/etc/*", "absolute path")]:
        with pytest.raises(CodeError, match=said):
            await reader.list_files(glob=glob)
        with pytest.raises(CodeError, match=said):
            await reader.search("root", glob=glob)


async def test_option_like_text_never_reaches_git_as_an_option(
    repo: Path, reader: CodeReader, tmp_path: Path
) -> None:
    target = tmp_path / "written-by-git"
    option = f"--output={target}"
    assert await reader.search(option) == f"shop: no matches for /{option}/"
    assert "no matches" in await reader.search("-f/etc/passwd")
    assert await reader.list_files(glob=option) == f"shop: no tracked files matching '{option}'"
    with pytest.raises(CodeError, match="not a file git tracks"):
        await reader.read_file(option)
    with pytest.raises(CodeError, match="not a file git tracks"):
        await reader.blame(option, 1, 2)
    assert await reader.log(path=option) == f"shop: no commits touching {option}"
    for commit in (option, "-p", "--all"):
        with pytest.raises(CodeError, match="is not a commit name"):
            await reader.show(commit)
    assert not target.exists()


async def test_show_names_only_commits(repo: Path, reader: CodeReader) -> None:
    blob = git(repo, "rev-parse", "HEAD:.env").strip()
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    for ref, said in [
        ("HEAD:.env", "is not a commit name"),
        ("HEAD~1..HEAD", "is not a commit name"),
        ("HEAD HEAD~1", "is not a commit name"),
        (blob, "is not a commit in shop"),
        (tree, "is not a commit in shop"),
        ("nosuchbranch", "is not a commit in shop"),
    ]:
        with pytest.raises(CodeError, match=said):
            await reader.show(ref)


def test_ordinary_source_files_are_not_taken_for_secrets() -> None:
    for path in ("src/keys.py", "docs/environment.md", "src/key_manager.ts", "pem/readme.md"):
        assert secret_reason(path) is None, path
