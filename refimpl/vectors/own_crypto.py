"""Runners for our own MLSAG and Bulletproofs vectors (conformance/vectors/transaction/
{mlsag,bulletproofs}.json, written by tools/gen_vectors_crypto.py; docs/conformance.md).

Each test is decoded from the file alone and run through :mod:`refimpl.crypto.ring_signature`
or :mod:`refimpl.crypto.bulletproofs`; its outcome (``None`` for acceptance, else the error code)
must equal the file's: ``valid`` and ``acceptable`` tests are accepted here, an ``invalid`` test
fails with its ``expectedError``. Points decode as dalek's ``CompressedRistretto::decompress``
(libsodium's check plus a clear top bit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refimpl.codec import parse_hex
from refimpl.crypto import bulletproofs as bp
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ring_signature import RingMLSAG, verify
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import ConformanceError, CryptoError, RefImplError
from refimpl.vectors.runner import CaseTally, FileResult

_REQUIRED = ("schema", "specVersion", "generator", "numberOfTests", "header", "notes", "testGroups")


def _point(text: str) -> Point:
    data = parse_hex(text, 32, "point")
    if data[31] & 0x80:
        raise CryptoError("crypto.non_canonical_point", "point encoding has its top bit set")
    return Point.from_bytes(data)


def mlsag_outcome(case: dict[str, Any]) -> str | None:
    """Verify one MLSAG test; ``None`` when it verifies, else the error code."""
    try:
        signature = case["signature"]
        sig = RingMLSAG.from_bytes_parts(
            parse_hex(signature["cZero"], None, "c_zero"),
            [parse_hex(r, None, "response") for r in signature["responses"]],
            parse_hex(signature["keyImage"], None, "key image"),
        )
        ring = [(_point(m["targetKey"]), _point(m["commitment"])) for m in case["ring"]]
        pseudo = _point(case["pseudoOutputCommitment"])
        verify(sig, parse_hex(case["message"], None, "message"), ring, pseudo)
    except RefImplError as exc:
        return exc.code
    return None


def bulletproof_outcome(case: dict[str, Any], rng: RandomSource) -> str | None:
    """Run one Bulletproofs test (verify, or prove-then-verify); ``None`` on success."""
    try:
        generator = value_generator(int(case["tokenId"]))
        if case.get("operation", "verify") == "prove":
            values = [int(v) for v in case["values"]]
            blindings = [Scalar.random(rng) for _ in values]
            proof, commitments = bp.prove_multiple(values, blindings, generator, rng)
        else:
            proof = parse_hex(case["proof"], None, "proof")
            commitments = [_point(c) for c in case["commitments"]]
        bp.verify_multiple(proof, commitments, generator, rng)
    except RefImplError as exc:
        return exc.code
    return None


def _load(path: Path, schema: str) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{path}: {exc}") from exc
    missing = [k for k in _REQUIRED if k not in doc]
    if missing or doc.get("schema") != schema:
        raise ConformanceError(
            "conformance.bad_vector_file",
            f"{path}: schema {doc.get('schema')!r}, missing {missing}",
        )
    return doc


def _run(path: Path, rel: str, schema: str, outcome: Any) -> FileResult:
    doc = _load(path, schema)
    tally = CaseTally(rel)
    tests = [t for group in doc["testGroups"] for t in group["tests"]]
    tally.check("numberOfTests", doc["numberOfTests"] == len(tests), "count differs")
    for test in tests:
        tc_id = test["tcId"]
        want = None if test["result"] in ("valid", "acceptable") else test.get("expectedError")

        def body(test: dict[str, Any] = test, want: str | None = want, tc: int = tc_id) -> bool:
            got = outcome(test, tc)
            if got != want:
                raise AssertionError(f"expected {want}, got {got}")
            return True

        tally.run(f"tcId {tc_id}", body)
    return tally.result()


def run_mlsag(path: Path, rel: str) -> FileResult:
    """conformance/vectors/transaction/mlsag.json."""
    return _run(path, rel, "mcref-mlsag-v1", lambda test, _tc: mlsag_outcome(test))


def run_bulletproofs(path: Path, rel: str) -> FileResult:
    """conformance/vectors/transaction/bulletproofs.json (verifier weights from HC-128)."""

    def outcome(test: dict[str, Any], tc: int) -> str | None:
        return bulletproof_outcome(test, Hc128Rng.from_seed(tc.to_bytes(32, "little")))

    return _run(path, rel, "mcref-bulletproofs-v1", outcome)
