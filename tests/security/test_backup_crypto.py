"""The backup envelope on its own: many small chunks round-trip; a moved, dropped or added chunk, a
changed header and a wrong key are refused before any plaintext is trusted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from refugio.core.errors import IntegrityBroken
from refugio.security.backup_crypto import MAGIC, BackupKeyError, decrypt_file, encrypt_file, read_header

KEY = bytes(range(32))
CHUNK = 1000


def _encrypt(tmp_path: Path, size: int = 5500) -> tuple[Path, bytes]:
    plain = tmp_path / "plain"
    data = os.urandom(size)
    plain.write_bytes(data)
    out = tmp_path / "backup"
    encrypt_file(
        plain, out, master_key=KEY, backend="sqlite", schema_revision="0013",
        created_at="2026-12-06T00:00:00+00:00", chunk_size=CHUNK,
    )  # fmt: skip
    return out, data


def _chunks(raw: bytes) -> tuple[bytes, list[bytes]]:
    """The header part and the length-prefixed chunk records of a backup."""
    start = len(MAGIC) + 4 + int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 4], "big")
    head, rest, records = raw[:start], raw[start:], []
    while rest:
        n = 4 + int.from_bytes(rest[:4], "big")
        records.append(rest[:n])
        rest = rest[n:]
    return head, records


@pytest.mark.parametrize("size", [0, 1, CHUNK, 5500])
def test_round_trip_in_chunks(tmp_path: Path, size: int) -> None:
    out, data = _encrypt(tmp_path, size)
    header = read_header(out)
    assert header.plaintext_sha256 == hashlib.sha256(data).hexdigest() and header.plaintext_size == size
    assert header.chunks == max(1, -(-size // CHUNK))
    decrypt_file(out, tmp_path / "back", master_key=KEY)
    assert (tmp_path / "back").read_bytes() == data


@pytest.mark.parametrize("change", ["swap", "drop_last", "add", "header_field"])
def test_moved_missing_added_chunks_and_a_changed_header_are_refused(tmp_path: Path, change: str) -> None:
    out, _ = _encrypt(tmp_path)
    head, records = _chunks(out.read_bytes())
    if change == "swap":
        records[1], records[2] = records[2], records[1]
    elif change == "drop_last":
        records.pop()
    elif change == "add":
        records.append(records[-1])
    else:
        head = head.replace(b'"0013"', b'"0012"')
    out.write_bytes(head + b"".join(records))
    with pytest.raises(IntegrityBroken):
        decrypt_file(out, tmp_path / "back", master_key=KEY)


def test_a_wrong_key_names_both_key_ids(tmp_path: Path) -> None:
    out, _ = _encrypt(tmp_path)
    with pytest.raises(BackupKeyError, match=r"wrong backup key.*made with key"):
        decrypt_file(out, tmp_path / "back", master_key=os.urandom(32))
    assert not (tmp_path / "back").exists()
