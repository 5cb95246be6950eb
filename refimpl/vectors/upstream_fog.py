"""Cases and operation for fog known-answer data re-encoded from MobileCoin test code.

``derived/kex_rng_kat.json`` holds the values of ``fog/kex_rng/src/lib.rs`` (tests
``test_vectors`` and ``test_expected_failure``): the private scalar ``[1u8; 32]`` (canonical
bytes) against the ``KexRngPubkey { public_key: [2u8; 32], version: 0 }`` yields four known
``KexRng20201124`` outputs, and the same key with version 100 is refused. Each output is one
``fog.kex_rng`` case; the refusal is one more case that must fail with
``fog.kex_rng_unknown_version``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refimpl.crypto.ristretto import Scalar
from refimpl.errors import ConformanceError
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.types import KexRngPubkey
from refimpl.vectors.cases import Case, case_id
from refimpl.vectors.inputs import hexbytes, integer

UNKNOWN_VERSION_CODE = "fog.kex_rng_unknown_version"


def kex_rng_output(case: dict[str, Any]) -> dict[str, Any]:
    """``{privateKey, publicKey, version, index}`` -> ``{output}``: the KexRng's output number
    ``index`` (0-based)."""
    private = Scalar.from_canonical_bytes(hexbytes(case, "privateKey", 32))
    pubkey = KexRngPubkey(hexbytes(case, "publicKey", 32), integer(case, "version"))
    index = integer(case, "index")
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    for _ in range(index):
        next(rng)
    return {"output": rng.peek().hex()}


def kex_rng_cases(path: Path, rel: str) -> list[Case]:
    """Every output of ``derived/kex_rng_kat.json``, and the unknown-version refusal."""
    try:
        doc = json.loads(path.read_text())
        base = {"privateKey": doc["private_key_hex"],
                "publicKey": doc["kex_rng_pubkey"]["public_key_hex"]}
        version = int(doc["kex_rng_pubkey"]["version"])
        outputs = [str(h) for h in doc["outputs_hex"]]
        bad_version = int(doc["unknown_version"]["version"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    cases = [
        Case(case_id(rel, f"output[{i}]"), "fog.kex_rng",
             {**base, "version": version, "index": i}, {"output": expected})
        for i, expected in enumerate(outputs)
    ]
    cases.append(Case(case_id(rel, f"version {bad_version}"), "fog.kex_rng",
                      {**base, "version": bad_version, "index": 0},
                      {"error": UNKNOWN_VERSION_CODE}))
    return cases
