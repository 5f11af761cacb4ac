"""`nova api-key create | list | revoke`: a key printed once, only its hash stored; bad
input is one line, exit 2, and nothing stored."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from novabot.api.keys import KEY_PREFIX, key_hash
from novabot.store import Store
from tests.cli.conftest import Nova, nova_here


@pytest.fixture
def nova(nova_here: Nova) -> Nova:
    """`nova ARGS…` in this process; (exit code, stdout, stderr)."""
    return nova_here


__all__ = ["nova_here"]  # the fixture, from tests/cli


def stored_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM api_keys ORDER BY name").fetchall()


def test_create_prints_the_key_once_and_stores_only_its_hash(nova: Nova, tmp_path: Path) -> None:
    code, out, err = nova(
        "api-key", "create", "website", "--agents", "chat,summarizer", "--rate", "30/min"
    )
    assert (code, err) == (0, "")
    key, note = out.splitlines()
    assert key.startswith(KEY_PREFIX)
    assert "website" in note and "only chat, summarizer" in note and "30/min" in note
    [row] = stored_rows(tmp_path / "nova.db")
    assert key_hash(key) in row and not any(key in str(value) for value in row)

    async def lookup() -> tuple[str, ...] | None:
        async with await Store.open(tmp_path / "nova.db") as store:
            found = await store.api_key_by_hash(key_hash(key))
        assert found is not None and (found.rate_limit, found.rate_period_s) == (30, 60)
        return found.models

    assert asyncio.run(lookup()) == ("chat", "summarizer")


def test_list_shows_names_agents_rate_and_use_never_the_key(nova: Nova) -> None:
    assert nova("api-key", "list")[1].startswith("no API keys yet")
    key = nova("api-key", "create", "website")[1].splitlines()[0]
    nova("api-key", "create", "bot", "--agents", "nova", "--rate", "5/s")
    code, out, _ = nova("api-key", "list")
    assert code == 0 and key not in out
    bot, website = out.splitlines()
    assert bot.startswith("bot: only nova; 5/s; created ") and "last used never" in bot
    assert website.startswith("website: every agent and the router; 60/min; created ")


def test_revoke_forgets_the_key(nova: Nova, tmp_path: Path) -> None:
    nova("api-key", "create", "old")
    code, out, _ = nova("api-key", "revoke", "old")
    assert code == 0 and "revoked API key old" in out
    assert stored_rows(tmp_path / "nova.db") == []
    code, _, err = nova("api-key", "revoke", "old")
    assert code == 2 and err == "nova: there is no API key named 'old' (keys: none)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--agents", "chat,wizard"), "unknown agent 'wizard'; choose from: "),
        (("--rate", "lots"), "'lots' is not a rate like 30/min"),
        (("--rate", "0/min"), "'0/min': a rate needs at least 1 request"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(
    nova: Nova, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = nova("api-key", "create", "website", *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"nova: {message}") and err.count("\n") == 1, err
    assert not (tmp_path / "nova.db").exists() or stored_rows(tmp_path / "nova.db") == []


def test_a_duplicate_or_malformed_name_is_refused(nova: Nova, tmp_path: Path) -> None:
    first = nova("api-key", "create", "website")[1].splitlines()[0]
    code, out, err = nova("api-key", "create", "website")
    assert (code, out, err) == (2, "", "nova: there is already an API key named 'website'\n")
    code, _, err = nova("api-key", "create", "two words")
    assert code == 2 and "is not a key name" in err
    [row] = stored_rows(tmp_path / "nova.db")
    assert key_hash(first) in row
