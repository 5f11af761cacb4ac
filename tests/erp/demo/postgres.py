"""A real PostgreSQL server for one test module: initdb and pg_ctl from the distribution's
packages, in a temporary folder, on a free port of 127.0.0.1, stopped afterwards.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
that the Debian package creates (through `runuser`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

SERVER_USER = "postgres"


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    pytest.fail("PostgreSQL's server is not installed: apt-get install -y postgresql")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway server; yields the URL of an empty database `erp` on it."""
    bin_dir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="nova-pg-"))
    data, port = root / "data", free_port()
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
    run = [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "30"]
    try:
        subprocess.run(
            as_server_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "nova", "--auth=trust",
                 "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            as_server_user([*run, "-o", options, "-l", str(root / "log"), "start"]),
            check=True,
            capture_output=True,
        )
        admin = f"postgresql://nova@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE erp")
        yield f"postgresql://nova@127.0.0.1:{port}/erp"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(as_server_user([*run, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
