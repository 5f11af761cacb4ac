"""`nova dashboard set-password`, and `nova run` serving the dashboard alone."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from novabot.store import Store
from tests.cli.test_main import assert_one_line_error, nova
from tests.conftest import cli_env
from tests.dashboard.conftest import sign_in
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import free_port, start_nova_run

PASSWORD = "a long enough password"


async def test_a_password_from_stdin_is_stored_as_a_hash(tmp_path: Path) -> None:
    result = await nova(
        tmp_path, "dashboard", "set-password", "--stdin", env=cli_env(tmp_path), stdin=PASSWORD
    )
    assert result.code == 0, result.err
    assert "dashboard password set" in result.out and PASSWORD not in result.out
    async with await Store.open(tmp_path / "nova.db") as store:
        stored = await store.dashboard_password()
    assert stored is not None and stored.startswith("scrypt$") and PASSWORD not in stored


async def test_a_short_password_or_no_terminal_is_one_line_and_stores_nothing(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path)
    short = await nova(tmp_path, "dashboard", "set-password", "--stdin", env=env, stdin="short")
    assert_one_line_error(short, "at least 12 characters")
    piped = await nova(tmp_path, "dashboard", "set-password", env=env, stdin=PASSWORD)
    assert_one_line_error(piped, "--stdin")
    async with await Store.open(tmp_path / "nova.db") as store:
        assert await store.dashboard_password() is None


async def test_nova_run_with_a_password_and_no_platform_serves_the_dashboard(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    port = free_port()
    env = cli_env(tmp_path, fake_openai, NOVA_HTTP_PORT=str(port))
    setting = await nova(tmp_path, "dashboard", "set-password", "--stdin", env=env, stdin=PASSWORD)
    assert setting.code == 0, setting.err
    process = await start_nova_run(tmp_path, env)
    url = f"http://127.0.0.1:{port}/dashboard/"
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line.decode().strip() == f"nova: listening on the dashboard (at {url})"
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            assert await sign_in(session, url, PASSWORD) == 303
            async with session.get(url + "pipelines") as page:
                assert page.status == 200 and "No pipeline has run yet." in await page.text()
            async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
