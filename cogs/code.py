"""Read-only tools over the git repositories in `NOVA_CODE_REPOS`, for code-reader and
code-reviewer: list files, search, read a file, `git log`, `git show`, `git blame`.

The work is in `novabot.code` (platform-free); this cog only describes the tools to the
model and turns a refusal into the `error: …` line the model reads and can correct.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from novabot.agents.tools import Tool, ToolFunc, make_tool
from novabot.code import CodeError, CodeReader, CodeRepos
from novabot.code.repos import SETTING

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup

log = logging.getLogger(__name__)

RepoName = Annotated[
    str, Field(description="The repository's name; may be left empty when only one exists")
]
PathArg = Annotated[str, Field(description="A path inside the repository, e.g. src/app.py")]
Glob = Annotated[
    str, Field(description="Optional file glob, e.g. '*.py' (any folder) or 'src/**/*.ts'")
]
Line = Annotated[int, Field(description="A line number, counting from 1")]


async def answer(work: Awaitable[str]) -> str:
    """The tool's text, or its refusal as one `error:` line for the model."""
    try:
        return await work
    except CodeError as exc:
        return f"error: {exc}"


def tools(reader: CodeReader) -> list[ToolFunc]:
    """The six tools, as closures over the reader."""

    async def list_code_files(repo: RepoName = "", glob: Glob = "") -> str:
        """List the files git tracks in a code repository, optionally filtered by a glob."""
        return await answer(reader.list_files(repo, glob))

    async def search_code(
        pattern: Annotated[str, Field(description="An extended regular expression (grep -E)")],
        repo: RepoName = "",
        glob: Glob = "",
        ignore_case: bool = False,
    ) -> str:
        """Search a code repository's tracked files for a regex; returns path:line: text."""
        return await answer(reader.search(pattern, repo, glob, ignore_case))

    async def read_code_file(
        path: PathArg, repo: RepoName = "", start_line: Line = 1, end_line: Line = 0
    ) -> str:
        """Read lines of a tracked file, numbered (about 200 lines unless end_line is given)."""
        return await answer(reader.read_file(path, repo, start_line, end_line))

    async def git_log(
        repo: RepoName = "",
        path: Annotated[str, Field(description="Optional: only commits touching this path")] = "",
        limit: Annotated[int, Field(description="How many commits (at most 50)")] = 20,
    ) -> str:
        """Recent commits of a code repository: short hash, date, author and subject."""
        return await answer(reader.log(repo, path, limit))

    async def git_show(
        commit: Annotated[str, Field(description="A commit: hash, branch, tag or HEAD~1")],
        repo: RepoName = "",
    ) -> str:
        """One commit of a code repository: its message, the files changed and the diff."""
        return await answer(reader.show(commit, repo))

    async def git_blame(
        path: PathArg, start_line: Line, end_line: Line, repo: RepoName = ""
    ) -> str:
        """Who last changed each line of a range of a tracked file, and in which commit."""
        return await answer(reader.blame(path, start_line, end_line, repo))

    return [list_code_files, search_code, read_code_file, git_log, git_show, git_blame]


def described(func: ToolFunc, repos: CodeRepos) -> Tool:
    """The tool with the configured repositories named, so the model knows what to pass."""
    tool = make_tool(func)
    names = ", ".join(repos.names) or f"none yet (set {SETTING})"
    return make_tool(func, description=f"{tool.description} Repositories: {names}.")


async def setup(nova: CogSetup) -> None:
    repos = CodeRepos(nova.settings.code.repos, timeout_s=nova.settings.code.timeout_s)
    for func in tools(CodeReader(repos)):
        nova.add_tool(described(func, repos))
    for problem in await repos.problems():
        # Not fatal: the repository may appear later; the tools say the same when used.
        log.warning("%s", problem)
