"""Password hashing with argon2id (argon2-cffi), and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from refugio.core.errors import ValidationFailed

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_dummy: str | None = None


def configure(*, time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    """Change the argon2id cost parameters for new hashes (old hashes are rehashed at next login).

    Production keeps the library's defaults; the test suite lowers them to stay fast.
    """
    global _hasher, _dummy
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy = None


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


def dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so the response time does not tell."""
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("refugio-no-such-user-placeholder")
    return _dummy
