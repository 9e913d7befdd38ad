"""Envelope encryption of sensitive fields: the primitives (AES-256-GCM, `cryptography`).

* The **master key** (key-encryption key, KEK) is kept outside the database, in a key file named by the
  settings (`REFUGIO_FIELD_KEY_FILE`, default `<secrets>/field-master.keys`, mode 0600). The file holds
  one line per version, `v<N> <base64 of 32 bytes>`; the highest version wraps new data keys, every
  version in the file can unwrap (so a rotation can run while the service is up).
* The **data keys** (DEKs) are random AES-256 keys, one current key per table, stored in the database
  (`crypto_data_key`) only wrapped by a master key version, with associated data naming their table,
  their id and the master key version.
* A **field token** is `rf1:<data key id>:<base64url(nonce | ciphertext and tag)>`; its associated data
  is the format, the table, the column, the row's id and the data key id, so a token copied to another
  row, column or table, or altered, is refused.

Imports `cryptography`, refugio.core and refugio.store.encrypted (for the error type) only.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refugio.store.encrypted import FieldCryptoError

TOKEN_PREFIX = "rf1"  # noqa: S105 - the token format tag, not a secret
KEY_ID_LENGTH = 8
_LINE = re.compile(r"^v(\d+)\s+([A-Za-z0-9+/=]+)$")


class MasterKeyMissing(FieldCryptoError):
    """The database holds encrypted fields but the master key file is absent or lacks a version."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key_id() -> str:
    return secrets.token_hex(KEY_ID_LENGTH // 2)


@dataclass
class MasterKeys:
    """The versions of the master key read from `path` (an empty mapping when the file is absent)."""

    path: Path
    versions: dict[int, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> MasterKeys:
        keys = cls(path)
        if not path.exists():
            return keys
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            found = _LINE.match(line)
            key = base64.b64decode(found.group(2)) if found else b""
            if not found or len(key) != 32:
                raise FieldCryptoError(f"{path}, line {number}: expected 'v<N> <base64 of 32 bytes>'")
            keys.versions[int(found.group(1))] = key
        return keys

    @property
    def active(self) -> int:
        if not self.versions:
            raise MasterKeyMissing(f"no field master key in {self.path}")
        return max(self.versions)

    def key(self, version: int) -> bytes:
        try:
            return self.versions[version]
        except KeyError:
            raise MasterKeyMissing(
                f"the field master key version v{version} is not in {self.path}: restore the key file "
                "from its custodian (see docs/decisions/0015-encryption-at-rest.md)"
            ) from None

    def add_version(self) -> int:
        """Append a new random version (the file is rewritten atomically, mode 0600); returns it."""
        version = max(self.versions, default=0) + 1
        self.versions[version] = secrets.token_bytes(32)
        self.save()
        return version

    def remove_version(self, version: int) -> None:
        self.versions.pop(version, None)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["# refugio field master key (key-encryption key): keep it apart from the database"]
        lines += [f"v{v} {base64.b64encode(k).decode()}" for v, k in sorted(self.versions.items())]
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, self.path)


def _wrap_aad(table: str, kid: str, version: int) -> bytes:
    return f"refugio-field-dek|{table}|{kid}|v{version}".encode()


def wrap(master: bytes, version: int, table: str, kid: str, data_key: bytes) -> str:
    nonce = os.urandom(12)
    return _b64url(nonce + AESGCM(master).encrypt(nonce, data_key, _wrap_aad(table, kid, version)))


def unwrap(master: bytes, version: int, table: str, kid: str, wrapped: str) -> bytes:
    raw = _unb64url(wrapped)
    try:
        return AESGCM(master).decrypt(raw[:12], raw[12:], _wrap_aad(table, kid, version))
    except (InvalidTag, ValueError):
        raise FieldCryptoError(
            f"the data key {kid} ({table}) does not unwrap with master key v{version}: "
            "wrong key file, or the wrapped key was altered"
        ) from None


def _aad(table: str, column: str, row_id: str, kid: str) -> bytes:
    return f"{TOKEN_PREFIX}|{table}|{column}|{row_id}|{kid}".encode()


@functools.lru_cache(maxsize=64)
def _cipher(data_key: bytes) -> AESGCM:
    """The AES-GCM cipher of a data key, made once per key (a bulk write seals thousands of values)."""
    return AESGCM(data_key)


def seal(data_key: bytes, kid: str, table: str, column: str, row_id: str, plain: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(data_key).encrypt(nonce, plain.encode(), _aad(table, column, row_id, kid))
    return f"{TOKEN_PREFIX}:{kid}:{_b64url(nonce + sealed)}"


def token_key_id(token: str) -> str:
    """The data key id of a token (raises FieldCryptoError when `token` is not one)."""
    prefix, _, rest = token.partition(":")
    kid, sep, _body = rest.partition(":")
    if prefix != TOKEN_PREFIX or not sep or len(kid) != KEY_ID_LENGTH:
        raise FieldCryptoError("an encrypted field holds something that is not a refugio field token")
    return kid


def open_token(data_key: bytes, table: str, column: str, row_id: str, token: str) -> str:
    kid = token_key_id(token)
    raw = _unb64url(token.split(":", 2)[2])
    try:
        plain = AESGCM(data_key).decrypt(raw[:12], raw[12:], _aad(table, column, row_id, kid))
    except (InvalidTag, ValueError):
        raise FieldCryptoError(
            f"{table}.{column} of row {row_id} fails its authentication (altered, or moved from another row)"
        ) from None
    return plain.decode()


def blind_index(key: bytes, purpose: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256, 32 hex digits) of an already normalised value, for equality look-ups
    of an encrypted field without decrypting it; equal values give equal indexes, nothing else leaks."""
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()[:32]
