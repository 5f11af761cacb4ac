from __future__ import annotations

import pytest

from novabot.dashboard.passwords import (
    PasswordError,
    check_new_password,
    hash_password,
    password_matches,
)


def test_a_password_matches_its_own_hash_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert password_matches("correct horse battery", stored)
    assert not password_matches("correct horse batterY", stored)
    assert not password_matches("", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


@pytest.mark.parametrize("damaged", ["", "plain", "scrypt$1$2$3$zz$zz", "bcrypt$a$b$c$d$e"])
def test_a_damaged_hash_matches_nothing(damaged: str) -> None:
    assert not password_matches("correct horse battery", damaged)


def test_a_short_password_is_refused_with_the_reason() -> None:
    with pytest.raises(PasswordError, match="at least 12 characters"):
        check_new_password("hunter2")
    check_new_password("twelve chars")
