"""Cost of the field encryption per value (refugio.security.field_crypto), beside a baseline.

Prints, for N values of a phone-sized and a narrative-sized text: microseconds per value to seal (encrypt
with the row-bound associated data, token encoding), to open, and to compute a blind index, beside the
baseline of a bare AES-256-GCM encryption of the same bytes (`cryptography`, no encoding). The difference
is refugio's own overhead; the total is what a bulk registration pays per phone.

    PYTHONPATH=src python benchmarks/field_crypto.py --values 100000
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refugio.security import field_crypto


def _per_value(fn: object, items: list[object]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)  # type: ignore[operator]
    return (time.perf_counter() - start) / len(items) * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--values", type=int, default=100_000)
    args = p.parse_args()
    key = AESGCM.generate_key(bit_length=256)
    aes = AESGCM(key)
    rows = [str(uuid.uuid4()) for _ in range(args.values)]
    for label, text in (("phone", "+962795550101"), ("narrative 600 chars", "x" * 600)):
        raw = text.encode()
        baseline = _per_value(lambda _r, b=raw: aes.encrypt(os.urandom(12), b, b"aad"), rows)
        tokens: list[str] = []
        sealed = _per_value(
            lambda r, t=text, out=tokens: out.append(
                field_crypto.seal(key, "abcd1234", "individual", "phone", r, t)
            ),
            rows,
        )
        pairs = list(zip(rows, tokens, strict=True))
        opened = _per_value(
            lambda rt: field_crypto.open_token(key, "individual", "phone", rt[0], rt[1]), pairs
        )
        blind = _per_value(lambda _r, t=text: field_crypto.blind_index(key, "individual.phone", t), rows)
        print(
            f"{label:<20} seal {sealed:6.1f} µs  open {opened:6.1f} µs  blind index {blind:6.1f} µs"
            f"   | baseline bare AES-GCM encrypt {baseline:6.1f} µs  ({args.values:,} values)"
        )


if __name__ == "__main__":
    main()
