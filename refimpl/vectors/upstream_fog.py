"""Runner for fog known-answer data re-encoded from MobileCoin test code (``upstream/.../derived``).

``derived/kex_rng_kat.json`` holds the values of ``fog/kex_rng/src/lib.rs`` (tests
``test_vectors`` and ``test_expected_failure``): the private scalar ``[1u8; 32]`` (canonical
bytes) against the ``KexRngPubkey { public_key: [2u8; 32], version: 0 }`` yields four known
``KexRng20201124`` outputs, and the same key with version 100 is refused. Each output is one
case, checked both by stepping the RNG and by :meth:`VersionedKexRng.peek_ahead`; the refusal
is one more case that must fail with ``fog.kex_rng_unknown_version``.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from refimpl.codec import parse_hex
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import ConformanceError, FogError, RefImplError
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.types import KexRngPubkey
from refimpl.vectors.runner import CaseTally, FileResult

UNKNOWN_VERSION_CODE = "fog.kex_rng_unknown_version"


def _output_matches(private: Scalar, pubkey: KexRngPubkey, index: int, expected: bytes) -> bool:
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    ahead = rng.peek_ahead(index + 1)
    for _ in range(index):
        next(rng)
    return rng.index == index and rng.peek() == expected and ahead[index] == expected


def _unknown_version_refused(private: Scalar, pubkey: KexRngPubkey) -> bool:
    try:
        VersionedKexRng.from_kex_pubkey(pubkey, private)
    except FogError as exc:
        return exc.code == UNKNOWN_VERSION_CODE
    return False


def run_kex_rng_kat(path: Path, rel: str) -> FileResult:
    """Reproduce every output of ``derived/kex_rng_kat.json`` and the unknown-version refusal."""
    try:
        doc = json.loads(path.read_text())
        private = Scalar.from_canonical_bytes(parse_hex(doc["private_key_hex"], 32))
        public_key = parse_hex(doc["kex_rng_pubkey"]["public_key_hex"], 32)
        pubkey = KexRngPubkey(public_key, int(doc["kex_rng_pubkey"]["version"]))
        outputs = [parse_hex(h, 16) for h in doc["outputs_hex"]]
        bad_pubkey = KexRngPubkey(public_key, int(doc["unknown_version"]["version"]))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, RefImplError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    tally = CaseTally(rel)
    for index, expected in enumerate(outputs):
        tally.run(f"output[{index}]", partial(_output_matches, private, pubkey, index, expected))
    tally.run(f"version {bad_pubkey.version}",
              partial(_unknown_version_refused, private, bad_pubkey))
    return tally.result()
