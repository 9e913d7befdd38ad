"""Password hashing (argon2id) and the password policy. No database."""

from __future__ import annotations

import pytest

from refugio.core.errors import ValidationFailed
from refugio.security import passwords


def test_a_password_is_hashed_with_argon2id_and_salted() -> None:
    first = passwords.hash_password("correct horse battery staple")
    second = passwords.hash_password("correct horse battery staple")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt each time
    assert "correct horse" not in first


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = passwords.hash_password("correct horse battery staple")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "correct horse battery stapl")
    assert not passwords.verify_password(stored, "")
    assert not passwords.verify_password("not-a-hash", "correct horse battery staple")


@pytest.mark.parametrize(
    ("password", "username", "words"),
    [
        pytest.param("short pass", "", "at least 12", id="too-short"),
        pytest.param("xyz-amina-2026!", "amina", "username", id="contains-username"),
        pytest.param("XYZ-AMINA-2026!", "amina", "username", id="contains-username-any-case"),
        pytest.param("abababababababab", "", "repetitive", id="repetitive"),
    ],
)
def test_the_policy_names_the_password_field(password: str, username: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        passwords.check_policy(password, username=username)
    (error,) = caught.value.errors
    assert error.field == "password" and words in error.message


def test_a_long_varied_password_passes_the_policy() -> None:
    passwords.check_policy("correct horse battery staple", username="amina")
