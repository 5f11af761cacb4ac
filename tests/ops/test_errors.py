"""Errors by id in a log file written the way Nova writes it (logs.py's formats: text,
and one JSON object per line with NOVA_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from novabot.logs import configure_logging
from novabot.ops.errors import MAX_TRACE_CHARS, lookup, normalise_id, recent_errors

log = logging.getLogger("novabot.core.bot")


@pytest.fixture(params=[False, True], ids=["text", "json"])
def log_file(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    with logging_to(tmp_path / "nova.log", json_lines=request.param) as path:
        yield path


@contextmanager
def logging_to(path: Path, *, json_lines: bool) -> Iterator[Path]:
    """Nova's own logging to a file, put back as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(path, "INFO", json_lines=json_lines)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def fail(error_id: str, message: str) -> None:
    try:
        raise RuntimeError(message)
    except RuntimeError:
        log.exception("agent chat failed in slack:C1 [error %s]", error_id)


def test_an_error_is_found_by_its_id_with_its_traceback(log_file: Path) -> None:
    log.info("started")
    fail("3f9a1c2b", "the widget broke")
    log.warning("could not report error 3f9a1c2b to the user")  # mentions it, is not it
    fail("00aa11bb", "another thing")
    text = lookup(log_file, "3F9A1C2B", 5)
    assert "[error 3f9a1c2b]" in text.splitlines()[0]
    assert "Traceback" in text and "RuntimeError: the widget broke" in text
    assert "another thing" not in text
    assert lookup(log_file, "error id 00aa11bb", 5).endswith("RuntimeError: another thing")


def test_an_id_not_in_the_log_is_one_line(log_file: Path) -> None:
    fail("3f9a1c2b", "x")
    text = lookup(log_file, "deadbeef", 5)
    assert text == "No error deadbeef in nova.log: it may be older than the log kept."
    assert "\n" not in lookup(log_file, "not-an-id", 5)


def test_the_most_recent_come_first_each_once_and_capped(log_file: Path) -> None:
    for n in range(30):
        fail(f"{n:08x}", f"failure {n}")
    log.warning("could not report error %08x to the user", 29)
    newest = recent_errors(log_file, 3)
    assert [e.error_id for e in newest] == [f"{n:08x}" for n in (29, 28, 27)]
    text = lookup(log_file, None, 100)  # capped at RECENT_LIMIT
    lines = text.splitlines()
    assert len(lines) == 20 and lines[0].startswith("0000001d: ")
    assert lines[0].endswith("RuntimeError: failure 29")


def test_no_log_file_and_no_errors_are_said_plainly(tmp_path: Path, log_file: Path) -> None:
    assert "no log file" in lookup(tmp_path / "missing.log", None, 5)
    log.info("all quiet")
    assert lookup(log_file, None, 5) == "No errors with an id in nova.log."


def test_a_long_traceback_is_cut_keeping_its_end(log_file: Path) -> None:
    def deep(n: int) -> None:
        if n == 0:
            raise ValueError("at the bottom")
        deep(n - 1)

    try:
        deep(200)
    except ValueError:
        log.exception("deep [error cafef00d]")
    text = lookup(log_file, "cafef00d", 5)
    assert len(text) <= MAX_TRACE_CHARS + 1 and text.endswith("ValueError: at the bottom")


def test_ids_are_normalised() -> None:
    assert normalise_id("#3F9A1C2B") == "3f9a1c2b"
    assert normalise_id("error id 3f9a1c2b") == "3f9a1c2b"
    assert normalise_id("3f9a1c2") is None


def test_json_lines_are_one_object_per_record(tmp_path: Path) -> None:
    with logging_to(tmp_path / "nova.log", json_lines=True) as path:
        fail("3f9a1c2b", "the widget broke")
    [record] = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["level"] == "ERROR" and record["logger"] == "novabot.core.bot"
    assert record["message"] == "agent chat failed in slack:C1 [error 3f9a1c2b]"
    assert record["exc"].endswith("RuntimeError: the widget broke")
    assert record["time"].endswith("+00:00")
