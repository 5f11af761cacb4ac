"""`nova` in this process, for command tests that need no subprocess."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from novabot.cli.main import main

Nova = Callable[..., tuple[int, str, str]]


@pytest.fixture
def nova_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Nova:
    """`nova ARGS…` in this process (main() runs its own loop: these tests are not async);
    returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("NOVA_DB_PATH", str(tmp_path / "nova.db"))

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call
