"""Storage and process faults, as a user meets them running `nova`: one line on stderr,
no traceback, a non-zero exit; or, for the router's cache, a command that still works."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.cli.test_main import Result, nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.store.damage import overwrite_page, read_only, real_database, root_page

HAS_PROC = Path("/proc/self").is_dir()


def assert_one_line(result: Result, *fragments: str) -> None:
    assert result.code != 0, result
    assert "Traceback" not in result.err, result.err
    assert result.err.startswith("nova: ") and result.err.count("\n") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


async def test_damaged_pages_met_at_open(tmp_path: Path) -> None:
    path = await real_database(tmp_path / "nova.db")
    overwrite_page(path, 1)
    result = await nova(tmp_path, "agents", env=cli_env(tmp_path))
    assert_one_line(result, "database disk image is malformed", "nova db check")


async def test_damaged_pages_met_by_a_query(tmp_path: Path) -> None:
    """The store opens; `nova why` reads the damaged table: the CLI words SQLite's error."""
    path = await real_database(tmp_path / "nova.db")
    overwrite_page(path, root_page(path, "routing_decisions"))
    result = await nova(tmp_path, "why", env=cli_env(tmp_path))
    assert_one_line(result, f"database {path}: database disk image is malformed", ".recover")


async def test_a_read_only_database_file(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("never sent"))
    path = await real_database(tmp_path / "nova.db")
    with read_only(path):
        result = await nova(tmp_path, "ask", "hello", env=cli_env(tmp_path, fake_openai))
    assert_one_line(result, "attempt to write a readonly database", "writable")
    assert fake_openai.requests == []


async def test_a_parent_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file")
    env = cli_env(tmp_path, NOVA_DB_PATH=str(tmp_path / "data" / "nova.db"))
    result = await nova(tmp_path, "agents", env=env)
    # One line: not a second one about the log file, which would live in the same folder.
    assert_one_line(result, f"{tmp_path / 'data'} is a file, not a folder", "NOVA_DB_PATH")


@pytest.mark.skipif(not HAS_PROC, reason="no /proc here")
@pytest.mark.parametrize("where", ["/proc/nova-test/nova.db", "/proc/self/nova.db"])
async def test_a_path_under_proc(tmp_path: Path, where: str) -> None:
    result = await nova(tmp_path, "agents", env=cli_env(tmp_path, NOVA_DB_PATH=where))
    assert_one_line(result, "cannot create files in /proc/", "NOVA_DB_PATH")


async def test_an_unwritable_router_cache_only_costs_time(tmp_path: Path) -> None:
    """Caching is an optimisation: the command works, and the log says why it is slower."""
    (tmp_path / "cache").write_text("a file")
    # A set threshold: the router is trained once, not six times (what matters is the cache).
    env = cli_env(
        tmp_path, NOVA_ROUTER_CACHE_DIR=str(tmp_path / "cache"), NOVA_ROUTER_THRESHOLD="0.3"
    )
    result = await nova(tmp_path, "agents", env=env)
    assert (result.code, result.err) == (0, ""), result.err
    assert "translator" in result.out
    log = (tmp_path / "nova.log").read_text()
    assert log.count("not caching embeddings") == 1 and "Traceback" not in log


async def test_an_empty_model_name_is_refused(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    env = cli_env(tmp_path, fake_openai, NOVA_LLM_MODEL="")
    result = await nova(tmp_path, "ask", "hello", env=env)
    assert_one_line(result, "NOVA_LLM_MODEL: is empty")
    assert fake_openai.requests == []


async def test_a_closed_stdout_pipe_is_quiet(tmp_path: Path) -> None:
    """`nova agents | true`: the reader is gone before nova writes (deterministically so)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "novabot", "agents",
            cwd=tmp_path, env=cli_env(tmp_path), stdout=write_end, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    finally:
        os.close(write_end)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert err.decode() == ""
    assert process.returncode == 1
