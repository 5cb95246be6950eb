"""Cases and operations for our own MLSAG and Bulletproofs vectors (conformance/vectors/
transaction/{mlsag,bulletproofs}.json, written by tools/gen_vectors_crypto.py; docs/conformance.md).

Each test is one case: ``mlsag.verify``, ``bulletproofs.verify`` or ``bulletproofs.prove``
(prove the values, then verify), run through :mod:`refimpl.crypto.ring_signature` or
:mod:`refimpl.crypto.bulletproofs`. ``valid`` and ``acceptable`` tests expect
``{"valid": true}``, an ``invalid`` test the refusal ``expectedError``. Points decode as
dalek's ``CompressedRistretto::decompress`` (libsodium's check plus a clear top bit).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refimpl.codec import parse_hex
from refimpl.crypto import bulletproofs as bp
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ring_signature import RingMLSAG, verify
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import ConformanceError, CryptoError, RefImplError
from refimpl.vectors.cases import CaseList, build_case
from refimpl.vectors.inputs import hexbytes, integer

_REQUIRED = ("schema", "specVersion", "generator", "numberOfTests", "header", "notes", "testGroups")


def _point(text: str) -> Point:
    data = parse_hex(text, 32, "point")
    if data[31] & 0x80:
        raise CryptoError("crypto.non_canonical_point", "point encoding has its top bit set")
    return Point.from_bytes(data)


def verify_mlsag(case: dict[str, Any]) -> None:
    """Decode one MLSAG test and verify it (``RingMLSAG::verify``); raises the refusal."""
    signature = case["signature"]
    sig = RingMLSAG.from_bytes_parts(
        parse_hex(signature["cZero"], None, "c_zero"),
        [parse_hex(r, None, "response") for r in signature["responses"]],
        parse_hex(signature["keyImage"], None, "key image"),
    )
    ring = [(_point(m["targetKey"]), _point(m["commitment"])) for m in case["ring"]]
    pseudo = _point(case["pseudoOutputCommitment"])
    verify(sig, parse_hex(case["message"], None, "message"), ring, pseudo)


def run_bulletproof(case: dict[str, Any], rng: RandomSource) -> None:
    """Run one Bulletproofs test (verify, or prove-then-verify); raises the refusal."""
    generator = value_generator(integer(case, "tokenId"))
    if case.get("operation", "verify") == "prove":
        values = [int(v) for v in case["values"]]
        blindings = [Scalar.random(rng) for _ in values]
        proof, commitments = bp.prove_multiple(values, blindings, generator, rng)
    else:
        proof = parse_hex(case["proof"], None, "proof")
        commitments = [_point(c) for c in case["commitments"]]
    bp.verify_multiple(proof, commitments, generator, rng)


def _outcome(action: Callable[[], None]) -> str | None:
    try:
        action()
    except RefImplError as exc:
        return exc.code
    return None


def mlsag_outcome(case: dict[str, Any]) -> str | None:
    """Verify one MLSAG test; ``None`` when it verifies, else the error code."""
    return _outcome(lambda: verify_mlsag(case))


def bulletproof_outcome(case: dict[str, Any], rng: RandomSource) -> str | None:
    """Run one Bulletproofs test (verify, or prove-then-verify); ``None`` on success."""
    return _outcome(lambda: run_bulletproof(case, rng))


# --- operations -------------------------------------------------------------------------------


def mlsag_verify(case: dict[str, Any]) -> dict[str, Any]:
    """``{message, ring: [{targetKey, commitment}], pseudoOutputCommitment, signature: {cZero,
    responses, keyImage}}`` -> ``{valid: true}``, or the refusal."""
    verify_mlsag(case)
    return {"valid": True}


def _rng(case: dict[str, Any]) -> RandomSource:
    """The verifier's (and prover's) randomness: HC-128 from ``rngSeed`` (32 bytes hex; any
    randomness gives the same answer, the seed only makes our runs repeatable)."""
    seed = hexbytes(case, "rngSeed", 32) if "rngSeed" in case else bytes(32)
    return Hc128Rng.from_seed(seed)


def bulletproofs_verify(case: dict[str, Any]) -> dict[str, Any]:
    """``{tokenId, commitments: [hex], proof}`` -> ``{valid: true}``, or the refusal."""
    run_bulletproof({**case, "operation": "verify"}, _rng(case))
    return {"valid": True}


def bulletproofs_prove(case: dict[str, Any]) -> dict[str, Any]:
    """``{tokenId, values: [u64 as decimal strings or numbers]}`` -> ``{valid: true}`` when a
    proof of the values (any blindings) verifies; values that cannot be proven are refused."""
    run_bulletproof({**case, "operation": "prove"}, _rng(case))
    return {"valid": True}


# --- case sources -----------------------------------------------------------------------------


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


_INPUT_KEYS = {
    "mlsag.verify": ("message", "ring", "pseudoOutputCommitment", "signature"),
    "bulletproofs.verify": ("tokenId", "commitments", "proof"),
    "bulletproofs.prove": ("tokenId", "values"),
}


def _kind(schema: str, test: dict[str, Any]) -> str:
    if schema == "mcref-mlsag-v1":
        return "mlsag.verify"
    return f"bulletproofs.{test.get('operation', 'verify')}"


def _cases(path: Path, rel: str, schema: str) -> CaseList:
    doc = _load(path, schema)
    tests = [t for group in doc["testGroups"] for t in group["tests"]]
    cases = CaseList()
    cases.check("numberOfTests", doc["numberOfTests"] == len(tests),
                f"numberOfTests {doc['numberOfTests']}, {len(tests)} tests")
    ids = [t.get("tcId") for t in tests]
    cases.check("tcId", len(set(ids)) == len(ids), "tcIds repeat")
    for test in tests:
        kind = _kind(schema, test)

        def build(test: dict[str, Any] = test, kind: str = kind) -> tuple[Any, Any]:
            case_input = {key: test[key] for key in _INPUT_KEYS[kind] if key in test}
            if kind.startswith("bulletproofs."):
                case_input["rngSeed"] = int(test["tcId"]).to_bytes(32, "little").hex()
            if test["result"] in ("valid", "acceptable"):
                return case_input, {"valid": True}
            return case_input, {"error": test["expectedError"]}

        cases.append(build_case(rel, test.get("tcId"), kind, build))
    return cases


def mlsag_cases(path: Path, rel: str) -> CaseList:
    """conformance/vectors/transaction/mlsag.json."""
    return _cases(path, rel, "mcref-mlsag-v1")


def bulletproofs_cases(path: Path, rel: str) -> CaseList:
    """conformance/vectors/transaction/bulletproofs.json."""
    return _cases(path, rel, "mcref-bulletproofs-v1")
