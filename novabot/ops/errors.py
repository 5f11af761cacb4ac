"""Errors in Nova's log file, by the error id users are shown ("error id 3f9a1c2b").

Nova logs each unexpected failure once, with `[error <id>]` in the line and the
traceback on the lines after it (logs.py's file format: a timestamped first line, the
traceback continuing without one). An entry is that line and its continuation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ERROR_ID = re.compile(r"\berror(?: id)? ([0-9a-f]{8})\b")
"""How an id appears: `[error 3f9a1c2b]` in the log, `error id 3f9a1c2b` to users."""
ENTRY_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
"""A log record's first line starts with its time; a traceback's lines do not."""
MAX_TRACE_LINES = 30
MAX_TRACE_CHARS = 3000
RECENT_LIMIT = 20


@dataclass(frozen=True)
class LoggedError:
    error_id: str
    line: str
    """The record's first line: time, level, logger, message."""
    trace: tuple[str, ...]
    """The lines after it (the traceback), as logged."""

    @property
    def summary(self) -> str:
        """The first line and the exception itself (the traceback's last line)."""
        last = self.trace[-1].strip() if self.trace else ""
        return f"{self.line} — {last}" if last else self.line

    def detail(self) -> str:
        """The first line and the traceback, cut to what a chat message can hold."""
        trace = list(self.trace)
        if len(trace) > MAX_TRACE_LINES:  # the end says what failed; keep it
            trace = ["…", *trace[-MAX_TRACE_LINES:]]
        text = "\n".join([self.line, *trace])
        return text if len(text) <= MAX_TRACE_CHARS else "…" + text[-MAX_TRACE_CHARS:]


def normalise_id(text: str) -> str | None:
    """`3F9A1C2B`, `#3f9a1c2b` or `error id 3f9a1c2b` → `3f9a1c2b`; None if it is no id."""
    word = text.strip().lower().removeprefix("error id").strip().lstrip("#").strip()
    return word if re.fullmatch(r"[0-9a-f]{8}", word) else None


def logged_errors(log_file: Path) -> Iterator[LoggedError]:
    """Every entry of the log that carries an error id, oldest first (read as it goes)."""
    with log_file.open(encoding="utf-8", errors="replace") as lines:
        head: str | None = None
        error_id = ""
        trace: list[str] = []
        for raw in lines:
            line = raw.rstrip("\n")
            if (entry := _json_entry(line)) is not None:  # NOVA_LOG_FORMAT=json
                if head is not None:
                    yield LoggedError(error_id, head, tuple(trace))
                    head = None
                if entry.error_id:
                    yield entry
            elif ENTRY_START.match(line):
                if head is not None:
                    yield LoggedError(error_id, head, tuple(trace))
                found = ERROR_ID.search(line)
                head = line if found else None
                error_id, trace = (found.group(1) if found else ""), []
            elif head is not None:
                trace.append(line)
        if head is not None:
            yield LoggedError(error_id, head, tuple(trace))


def _json_entry(line: str) -> LoggedError | None:
    """A JSON log line as an entry (its id empty when it carries none); None otherwise."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or "message" not in record:
        return None
    head = f"{record.get('time', '')} {record.get('level', '')} {record.get('logger', '')}:"
    head += f" {record['message']}"
    found = ERROR_ID.search(str(record["message"]))
    trace = str(record.get("exc") or "").splitlines()
    return LoggedError(found.group(1) if found else "", head, tuple(trace))


def find_error(log_file: Path, error_id: str) -> LoggedError | None:
    """The entry logged with this id (the first, should one ever be logged twice)."""
    return next((e for e in logged_errors(log_file) if e.error_id == error_id), None)


def recent_errors(log_file: Path, limit: int) -> list[LoggedError]:
    """The newest `limit` errors, newest first, each once (a later line that mentions an
    id, "could not report error …", is not another error)."""
    first: dict[str, LoggedError] = {}
    for entry in logged_errors(log_file):
        first.setdefault(entry.error_id, entry)
    newest = list(first.values())[-limit:] if limit > 0 else []
    return list(reversed(newest))


def lookup(log_file: Path, error_id: str | None, limit: int) -> str:
    """The answer for one id, or for the most recent ones (`limit` capped); one line when
    there is nothing to show."""
    if not log_file.is_file():
        return f"There is no log file at {log_file} (NOVA_LOG_FILE), so no errors to show."
    if error_id is not None:
        wanted = normalise_id(error_id)
        if wanted is None:
            return f"'{error_id[:40]}' is not an error id (8 hex digits, e.g. 3f9a1c2b)."
        entry = find_error(log_file, wanted)
        if entry is None:
            return f"No error {wanted} in {log_file.name}: it may be older than the log kept."
        return entry.detail()
    entries = recent_errors(log_file, min(max(limit, 1), RECENT_LIMIT))
    if not entries:
        return f"No errors with an id in {log_file.name}."
    return "\n".join(f"{e.error_id}: {e.summary}" for e in entries)
