"""Password hashing with argon2id (argon2-cffi), and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from refugio.core.errors import ValidationFailed

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_policy(password: str, *, username: str = "") -> None:
    """Reject weak passwords with a field error."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.single("password", f"must be at least {MIN_LENGTH} characters long")
    if username and username.lower() in password.lower():
        raise ValidationFailed.single("password", "must not contain the username")
    if len(set(password)) < 5:
        raise ValidationFailed.single("password", "is too repetitive")


# A hash of a random password, verified against when a user is unknown so timing does not tell.
DUMMY_HASH = _hasher.hash("refugio-no-such-user-placeholder")
