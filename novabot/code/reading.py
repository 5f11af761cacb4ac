"""The read-only code tools' work: list, search, read, log, show and blame, each capped.

Every piece of user text reaches git after `--`, after `-e`, or as a commit checked by
`check_ref` and resolved with `rev-parse --end-of-options`, so none can become an option.
Each answer says when it was cut and how to narrow the question.
"""

from __future__ import annotations

import asyncio

from novabot.code.git import GitOutput, run_git
from novabot.code.paths import (
    CodeError,
    check_glob,
    check_ref,
    confine,
    secret_excludes,
    secret_reason,
)
from novabot.code.repos import CodeRepos, Repo

MAX_FILES = 300
MAX_MATCHES = 100
MAX_MATCH_CHARS = 240
MAX_PATTERN = 500
READ_LINES = 200
MAX_READ_LINES = 400
MAX_READ_BYTES = 32_000
MAX_FILE_BYTES = 10_000_000
MAX_LOG = 50
MAX_SHOW_BYTES = 16_000
MAX_BLAME_LINES = 200
LIST_BYTES = 1_000_000
SEARCH_BYTES = 256_000


class CodeReader:
    """Reads the configured repositories; every method returns text for the model."""

    def __init__(self, repos: CodeRepos) -> None:
        self.repos = repos

    async def git(self, repo: Repo, args: list[str], cap: int) -> GitOutput:
        return await run_git(repo.root, args, timeout_s=self.repos.timeout_s, cap=cap)

    async def list_files(self, repo_name: str = "", glob: str = "") -> str:
        repo = await self.repos.pick(repo_name)
        spec = [check_glob(glob)] if glob.strip() else []
        result = await self.git(repo, ["ls-files", "-z", "--", *spec], LIST_BYTES)
        _raise_for(result)
        files = [name for name in result.out.split("\0") if name]
        if result.truncated:
            files = files[:-1]  # the last name may be cut in the middle
        what = f" matching '{glob.strip()}'" if glob.strip() else ""
        if not files:
            return f"{repo.name}: no tracked files{what}"
        total = f"at least {len(files)}" if result.truncated else str(len(files))
        lines = [f"{repo.name}: {total} tracked files{what}", *files[:MAX_FILES]]
        if len(files) > MAX_FILES or result.truncated:
            lines.append(f"(showing the first {MAX_FILES}; narrow with a glob such as 'src/**')")
        return "\n".join(lines)

    async def search(
        self, pattern: str, repo_name: str = "", glob: str = "", ignore_case: bool = False
    ) -> str:
        if not pattern.strip():
            raise CodeError("give a regular expression to search for")
        if len(pattern) > MAX_PATTERN or "\n" in pattern:
            raise CodeError(f"a search pattern is one line of at most {MAX_PATTERN} characters")
        repo = await self.repos.pick(repo_name)
        spec = [check_glob(glob)] if glob.strip() else ["."]
        flags = ["-i"] if ignore_case else []
        args = ["grep", "-z", "-n", "-I", "-E", "--full-name", *flags, "-e", pattern]
        result = await self.git(repo, [*args, "--", *spec, *secret_excludes()], SEARCH_BYTES)
        _raise_for(result, f"cannot search for /{pattern[:80]}/", allowed=(0, 1))
        matches = _matches(result.out)
        if not matches:
            return f"{repo.name}: no matches for /{pattern}/"
        cut = result.truncated or len(matches) > MAX_MATCHES
        lines = [f"{repo.name}: matches for /{pattern}/", *matches[:MAX_MATCHES]]
        if cut:
            lines.append(f"(first {MAX_MATCHES} matches shown; narrow the pattern or the glob)")
        return "\n".join(lines)

    async def read_file(
        self, path: str, repo_name: str = "", start_line: int = 1, end_line: int = 0
    ) -> str:
        repo = await self.repos.pick(repo_name)
        relative = confine(repo.root, path)
        await self.require_tracked(repo, relative)
        start = max(1, start_line)
        end = end_line if end_line >= start else start + READ_LINES - 1
        end = min(end, start + MAX_READ_LINES - 1)
        return await asyncio.to_thread(_numbered, repo, relative, start, end)

    async def require_tracked(self, repo: Repo, relative: str) -> None:
        """Only files git tracks are read: ignored and untracked files are where local
        secrets and build output usually live."""
        args = ["--literal-pathspecs", "ls-files", "-z", "--", relative]
        result = await self.git(repo, args, 4096)
        _raise_for(result)
        if not result.out:
            raise CodeError(f"'{relative}' is not a file git tracks in {repo.name}")

    async def log(self, repo_name: str = "", path: str = "", limit: int = 20) -> str:
        repo = await self.repos.pick(repo_name)
        count = min(max(1, limit), MAX_LOG)
        spec = [confine(repo.root, path)] if path.strip() else []
        args = ["--literal-pathspecs", "log", f"-n{count}", "--no-color", "--date=short"]
        args.append("--format=%h %ad %an: %s")
        result = await self.git(repo, [*args, "--", *spec], 64_000)
        _raise_for(result)
        where = f" touching {spec[0]}" if spec else ""
        if not result.out.strip():
            return f"{repo.name}: no commits{where}"
        return f"{repo.name}: the last {count} commits at most{where}\n{result.out.rstrip()}"

    async def show(self, commit: str, repo_name: str = "") -> str:
        repo = await self.repos.pick(repo_name)
        sha = await self.resolve_commit(repo, check_ref(commit))
        args = ["show", "--stat", "--patch", "--format=fuller", "--no-color", "--no-ext-diff"]
        args += ["--no-textconv", sha, "--", ".", *secret_excludes()]
        result = await self.git(repo, args, MAX_SHOW_BYTES)
        _raise_for(result)
        notes = []
        hidden = await self.secret_files_in(repo, sha)
        if hidden:
            notes.append(f"(changes to {hidden} credentials-like file(s) are not shown)")
        if result.truncated:
            notes.append(f"(cut at {MAX_SHOW_BYTES // 1000} KB; read files for the rest)")
        return "\n".join([result.out.rstrip(), *notes])

    async def resolve_commit(self, repo: Repo, ref: str) -> str:
        """The commit's full hash; a blob, tree or unknown name is refused."""
        args = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"]
        result = await self.git(repo, args, 4096)
        if result.code != 0 or not result.out.strip():
            raise CodeError(f"'{ref}' is not a commit in {repo.name}")
        return result.out.strip()

    async def secret_files_in(self, repo: Repo, sha: str) -> int:
        args = ["show", "--name-only", "--format=", "-z", "--no-renames", sha]
        result = await self.git(repo, args, LIST_BYTES)
        return sum(1 for name in result.out.split("\0") if name and secret_reason(name))

    async def blame(self, path: str, start_line: int, end_line: int, repo_name: str = "") -> str:
        repo = await self.repos.pick(repo_name)
        relative = confine(repo.root, path)
        await self.require_tracked(repo, relative)
        start = max(1, start_line)
        end = min(max(end_line, start), start + MAX_BLAME_LINES - 1)
        args = ["--literal-pathspecs", "blame", "--date=short", f"-L{start},{end}"]
        result = await self.git(repo, [*args, "--", relative], 64_000)
        _raise_for(result, f"cannot blame {relative}")
        note = f" (at most {MAX_BLAME_LINES} lines)" if end_line > end else ""
        return f"{repo.name}:{relative} lines {start}-{end}{note}\n{result.out.rstrip()}"


def _raise_for(
    result: GitOutput, doing: str = "git failed", allowed: tuple[int, ...] = (0,)
) -> None:
    """A CodeError naming git's own complaint, unless git succeeded or was stopped by us."""
    if result.code not in allowed and not result.truncated:
        raise CodeError(f"{doing}: {result.first_error or f'exit status {result.code}'}")


def _matches(out: str) -> list[str]:
    """`path\\0line\\0text` records as `path:line: text`, credentials-like files dropped."""
    found = []
    for record in out.splitlines():
        path, _, rest = record.partition("\0")
        number, _, text = rest.partition("\0")
        if not number or secret_reason(path):
            continue
        text = text.strip()
        if len(text) > MAX_MATCH_CHARS:
            text = text[:MAX_MATCH_CHARS] + "…"
        found.append(f"{path}:{number}: {text}")
    return found


def _numbered(repo: Repo, relative: str, start: int, end: int) -> str:
    """Lines start..end of a text file, numbered, within MAX_READ_BYTES."""
    target = repo.root / relative
    if target.is_dir():
        raise CodeError(f"'{relative}' is a folder; list it with a glob like '{relative}/**'")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise CodeError(f"'{relative}' is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    with target.open("rb") as file:
        if b"\0" in file.read(8192):
            raise CodeError(f"'{relative}' is a binary file")
        file.seek(0)
        lines: list[str] = []
        size, total, cut = 0, 0, False
        for total, raw in enumerate(file, start=1):
            if start <= total <= end and not cut:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                size += len(line) + 8
                cut = size > MAX_READ_BYTES
                if not cut:
                    lines.append(f"{total:>5}| {line}")
    if total < start:
        return f"{repo.name}:{relative} has {total} lines; nothing at line {start}"
    last = start + len(lines) - 1
    head = f"{repo.name}:{relative} lines {start}-{last} of {total}"
    more = f"\n(cut at {MAX_READ_BYTES // 1000} KB; ask for a later start_line)" if cut else ""
    return head + "\n" + "\n".join(lines) + more
