"""The configured repositories (`NOVA_CODE_REPOS`), picked by name and checked at use.

Whether a path is a git work tree is checked when a tool first uses it, every time, not
when Nova starts: a repository may be cloned, moved or mounted while Nova runs, and one
missing repository should not stop Nova answering everything else. (The setting's shape,
`name=path`, is checked at start by the settings.) `problems()` runs the same check for
all of them, so start-up can log what is wrong early.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from novabot.code.git import run_git
from novabot.code.paths import CodeError

SETTING = "NOVA_CODE_REPOS"
HOW_TO_CONFIGURE = (
    f"no code repository is configured: set {SETTING}=name=/path/to/repo (several: a=…,b=…)"
)


@dataclass(frozen=True)
class Repo:
    name: str
    root: Path
    """The top level of the work tree, resolved (symlinks followed)."""


class CodeRepos:
    """The repositories the code tools may read, by name."""

    def __init__(self, repos: Mapping[str, Path], *, timeout_s: float = 10.0) -> None:
        self.repos = dict(repos)
        self.timeout_s = timeout_s

    @property
    def names(self) -> list[str]:
        return list(self.repos)

    async def pick(self, name: str = "") -> Repo:
        """The named repository (optional when only one is configured), checked."""
        wanted = name.strip()
        if not self.repos:
            raise CodeError(HOW_TO_CONFIGURE)
        listed = ", ".join(self.repos)
        if not wanted:
            if len(self.repos) > 1:
                raise CodeError(f"several repositories are configured; name one of: {listed}")
            wanted = next(iter(self.repos))
        found = next((key for key in self.repos if key.lower() == wanted.lower()), None)
        if found is None:
            raise CodeError(f"no repository is named '{wanted[:40]}'; configured: {listed}")
        return Repo(found, await self.check(found, self.repos[found]))

    async def check(self, name: str, path: Path) -> Path:
        """`path` resolved, when it is the top level of a git work tree; else a CodeError."""
        where = f"{SETTING}: {name}={path}"
        root = _directory(path, where)
        result = await run_git(
            root, ["rev-parse", "--show-toplevel"], timeout_s=self.timeout_s, cap=4096
        )
        if result.code != 0:
            reason = result.first_error or "git rev-parse failed"
            raise CodeError(f"{where}: is not the top level of a git work tree ({reason})")
        top = _directory(Path(result.out.strip()), where)
        if top != root:
            raise CodeError(f"{where}: is not the top level of a git work tree ({top} is)")
        return root

    async def problems(self) -> list[str]:
        """One line per configured repository that a tool could not use now."""
        found = []
        for name, path in self.repos.items():
            try:
                await self.check(name, path)
            except CodeError as exc:
                found.append(str(exc))
        return found


def _directory(path: Path, where: str) -> Path:
    """`path` with symlinks resolved, when it is a directory (a quick local look-up)."""
    if not path.is_dir():
        raise CodeError(f"{where}: no such directory")
    return path.resolve()
