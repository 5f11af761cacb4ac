"""The tests' real, throwaway PostgreSQL server: `initdb` in a temporary folder, started
with `pg_ctl` on a free port of 127.0.0.1, stopped and deleted after. One per session
(tests/erp/conftest.py); each test or module makes the databases it needs on it.

PostgreSQL refuses to run as root; when the tests do (CI, these machines), the cluster
belongs to `nobody` and every server command runs through `runuser -u nobody`. The
binaries come from the distribution's packages (`apt-get install postgresql`, which
.ci/run does), found on the PATH or in /usr/lib/postgresql/<version>/bin.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.helpers import free_port

SUPERUSER = "nova"
START_TIMEOUT_S = 30


def postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql")
    return versions[-1].parent


def _version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


class PostgresServer:
    """`start()` returns the superuser's URL; `stop()` ends the server and removes it."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="nova-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_nobody = os.geteuid() == 0
        if self.as_nobody:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url_of(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its URL."""
        copy = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{copy}")
        return self.url_of(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "nobody", "--"] if self.as_nobody else []
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, timeout=START_TIMEOUT_S
        )

    def start(self) -> str:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start",
        )  # fmt: skip
        return self.url

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
