"""What a code tool may touch: paths inside the repository, never credentials.

User (and model) text names paths, globs and commits. Each is checked here before any
git command sees it: no absolute path, no `..`, no symlink leading out of the work tree,
nothing under `.git/`, and no file whose name says it holds secrets (`.env`, keys,
certificates, credential stores). The same names are kept out of search results and diffs.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath


class CodeError(Exception):
    """A code tool cannot do what was asked; the message is one line for the user."""


SECRET_FILES = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".htpasswd",
    "credentials",
    "credentials.*",
    "secrets.*",
    "service-account*.json",
)
"""File names (case-insensitive globs) that commonly hold passwords, tokens or keys."""
SECRET_DIRS = (".git", ".ssh", ".gnupg", ".aws")
"""Folders whose files are never read: git's own (remote URLs carry tokens) and key stores."""

_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/~^@{}-]{0,127}$")


def secret_reason(relative: str) -> str | None:
    """Why a repository path is refused as credentials-like, or None when it is not."""
    parts = PurePosixPath(relative).parts
    for folder in parts[:-1]:
        if folder.lower() in SECRET_DIRS:
            return f"'{relative}' is inside {folder}/, which is never read"
    name = parts[-1].lower() if parts else ""
    if name in SECRET_DIRS:
        return f"'{relative}' is {name}/, which is never read"
    for pattern in SECRET_FILES:
        if fnmatch.fnmatchcase(name, pattern):
            return f"'{relative}' looks like a credentials file ({pattern}); it is never read"
    return None


def secret_excludes() -> list[str]:
    """Pathspecs that keep credentials-like files out of `git grep` and `git show`."""
    files = [f":(exclude,glob,icase)**/{pattern}" for pattern in SECRET_FILES]
    folders = [f":(exclude,glob,icase)**/{folder}/**" for folder in SECRET_DIRS]
    return files + folders


def relative_path(text: str) -> str:
    """A path as the user gave it, checked for shape only: relative, no `..`, no oddities."""
    raw = text.strip()
    if not raw:
        raise CodeError("give a path inside the repository (e.g. src/app.py)")
    if any(ord(char) < 32 for char in raw):
        raise CodeError("a path may not contain control characters")
    if raw.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", raw):
        raise CodeError(f"'{raw}' is an absolute path; give a path inside the repository")
    parts = [part for part in PurePosixPath(raw).parts if part != "."]
    if ".." in parts:
        raise CodeError(f"'{raw}': '..' is refused; give a path inside the repository")
    if not parts:
        raise CodeError("give a path inside the repository (e.g. src/app.py)")
    return "/".join(parts)


def confine(root: Path, text: str) -> str:
    """`text` as a path inside the work tree at `root` (resolved), or a CodeError saying why
    not. A symlink is followed: its target must stay inside and must not be a secret."""
    relative = relative_path(text)
    reason = secret_reason(relative)
    if reason:
        raise CodeError(reason)
    target = root / relative
    if target.is_symlink() or target.exists():
        resolved = target.resolve()
        if not resolved.is_relative_to(root):
            raise CodeError(f"'{relative}' leads outside the repository (a symlink); refused")
        inner = resolved.relative_to(root).as_posix()
        reason = secret_reason(inner) if inner != "." else None
        if reason:
            raise CodeError(f"'{relative}' points to {reason}")
    return relative


def check_glob(text: str) -> str:
    """A file glob as a git pathspec: `*.py` matches at any depth, `src/**/*.ts` as written."""
    glob = relative_path(text)
    return f":(glob){glob}" if "/" in glob else f":(glob)**/{glob}"


def check_ref(text: str) -> str:
    """A commit name (hash, branch, tag, HEAD~2): never an option, a range or `rev:path`."""
    ref = text.strip()
    if not ref:
        raise CodeError("name a commit (a hash, a branch, a tag or HEAD~1)")
    if not _REF.match(ref) or ".." in ref:
        raise CodeError(f"'{ref[:60]}' is not a commit name (a hash, a branch, a tag or HEAD~1)")
    return ref
