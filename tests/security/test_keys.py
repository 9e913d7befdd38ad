"""The keyring: secrets generated once outside the database, private to the owner, reused afterwards."""

from __future__ import annotations

import stat
from pathlib import Path

from refugio.security import keys


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_are_generated_once_with_private_permissions(tmp_path: Path) -> None:
    directory = tmp_path / "secrets"
    ring = keys.Keyring(directory)
    public = ring.public_key_pem()
    session_key = ring.session_key()

    signing_file = directory / keys.SIGNING_KEY_FILE
    session_file = directory / keys.SESSION_KEY_FILE
    assert _mode(directory) == 0o700
    assert _mode(signing_file) == 0o600 and _mode(session_file) == 0o600
    assert (directory / keys.PUBLIC_KEY_FILE).read_bytes() == public
    assert len(session_key) == 32

    again = keys.Keyring(directory)
    assert again.public_key_pem() == public
    assert again.session_key() == session_key
    assert signing_file.read_bytes() == (directory / keys.SIGNING_KEY_FILE).read_bytes()


def test_two_installations_have_different_keys(tmp_path: Path) -> None:
    one, two = keys.Keyring(tmp_path / "a"), keys.Keyring(tmp_path / "b")
    assert one.public_key_pem() != two.public_key_pem()
    assert one.session_key() != two.session_key()
    assert keys.key_id(one.public_key()) != keys.key_id(two.public_key())


def test_a_signature_verifies_only_with_the_matching_key_and_message(tmp_path: Path) -> None:
    ring, other = keys.Keyring(tmp_path / "a"), keys.Keyring(tmp_path / "b")
    signature = ring.signing_key().sign(b"message")
    assert keys.verify_signature(ring.public_key(), signature, b"message")
    assert not keys.verify_signature(ring.public_key(), signature, b"messagE")
    assert not keys.verify_signature(other.public_key(), signature, b"message")
    loaded = keys.load_public_key(ring.public_key_pem())
    assert keys.key_id(loaded) == keys.key_id(ring.public_key())
