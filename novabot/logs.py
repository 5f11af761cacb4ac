"""Logging: everything (tracebacks too) to the log file, only short errors to the terminal.

The file is text by default (`2026-12-01 07:00:00,123 ERROR novabot.core.bot: …`, the
traceback on the lines after it) or, with NOVA_LOG_FORMAT=json, one JSON object per line
(`time`, `level`, `logger`, `message`, and `exc` with the traceback) for log collectors.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a field, not more lines)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _OneLine(logging.Formatter):
    """Terminal lines without tracebacks; the log file has them, under the same error id."""

    def format(self, record: logging.LogRecord) -> str:
        return f"nova: {record.levelname.lower()}: {record.getMessage()}"


def configure_logging(
    log_file: Path, level: str, *, console_level: int = logging.ERROR, json_lines: bool = False
) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
        root.addHandler(file_handler)
    except OSError as exc:
        print(f"nova: warning: cannot write the log file {log_file} ({exc})", file=sys.stderr)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(console_level)
    console.setFormatter(_OneLine())
    root.addHandler(console)
    # Libraries chatter at INFO (every HTTP request); Nova's own records are what matter.
    for noisy in ("httpx", "httpx2", "openai", "aiosqlite", "asyncio", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
