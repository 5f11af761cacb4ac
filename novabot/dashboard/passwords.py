"""The operator's password, kept as a salted scrypt hash (memory-hard: a stolen database
does not give it up to a GPU), in one self-describing string."""

from __future__ import annotations

import hashlib
import hmac
import secrets

MIN_LENGTH = 12
"""Long enough that the login throttle, not the password, is what stops guessing."""

_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024  # scrypt needs 128·r·n bytes (32 MiB here); the default cap is 32 MiB


class PasswordError(ValueError):
    """A password that cannot be used (too short); the message says why."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password must be at least {MIN_LENGTH} characters long")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:  # a damaged hash matches nothing
        return False
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32
    )
