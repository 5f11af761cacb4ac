"""A real git repository built per test: a few commits, a nested file, a committed `.env`
and key, symlinks that escape the work tree or point at a secret, an untracked file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from novabot.code import CodeReader, CodeRepos

APP_V1 = '''"""The shop's order maths."""


def total(lines):
    return sum(line.price * line.quantity for line in lines)
'''
APP_V2 = (
    APP_V1
    + """

def total_with_vat(lines, rate=0.2):
    # VAT is added once, on the whole order.
    return total(lines) * (1 + rate)
"""
)
SECRET = "API_KEY=sk-live-0123456789"
OUTSIDE = "TOP SECRET, outside the repository"


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.com",
        GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.com",
    )  # fmt: skip
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def write(repo: Path, relative: str, text: str) -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(OUTSIDE, encoding="utf-8")
    return folder


@pytest.fixture
def repo(tmp_path: Path, outside: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "README.md", "# Shop\nOrders and invoices.\n")
    write(root, "src/shop/app.py", APP_V1)
    write(root, "src/shop/deep/nested/rules.py", "DISCOUNTS_STACK = False\n")
    commit(root, "Order totals")
    write(root, "src/shop/app.py", APP_V2)
    commit(root, "VAT on the whole order")
    write(root, ".env", SECRET + "\n")
    write(root, "keys/server.pem", "-----BEGIN PRIVATE KEY-----\nAPI_KEY\n")
    (root / "escape.txt").symlink_to(outside / "secret.txt")
    (root / "escape_dir").symlink_to(outside)
    (root / "env_link.txt").symlink_to(".env")
    commit(root, "Local settings and links")
    write(root, "untracked.txt", "not in git\n")
    return root


@pytest.fixture
def reader(repo: Path) -> CodeReader:
    return CodeReader(CodeRepos({"shop": repo}, timeout_s=10))
