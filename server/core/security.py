"""Password hashing (argon2) and opaque bearer tokens (random, stored only as a hash)."""

from __future__ import annotations

import hashlib
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the user does not exist, so that a failed login takes the same time
# whether or not the username is known.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

SESSION_TOKEN_PREFIX = "gys_"
BOT_TOKEN_PREFIX = "gyb_"
MIN_PASSWORD_LENGTH = 10
_COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "administrator",
        "changeme123",
        "welcome123",
        "iloveyou12",
        "seoul12345",
        "beijing123",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-work check: a missing hash still costs one argon2 verification."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."
    if password.lower() in _COMMON_PASSWORDS or len(set(password)) < 4:
        return "This password is too easy to guess."
    if username and username.lower() in password.lower():
        return "The password must not contain the username."
    return None


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()
