"""Logging: everything (tracebacks too) to the log file, only short errors to the terminal."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


class _OneLine(logging.Formatter):
    """Terminal lines without tracebacks; the log file has them, under the same error id."""

    def format(self, record: logging.LogRecord) -> str:
        return f"nova: {record.levelname.lower()}: {record.getMessage()}"


def configure_logging(log_file: Path, level: str, *, console_level: int = logging.ERROR) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
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
