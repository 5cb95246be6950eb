"""Regenerate conformance/vectors/transaction/{mlsag,bulletproofs}.json (Wycheproof-style).

Usage: ``python tools/gen_vectors_crypto.py [--check]``. Every random draw comes from HC-128
keyed by the SHA-256 of a fixed label ("mcref crypto vectors v1 ..."), so both files are the
same on every run; ``--check`` regenerates in memory and exits 1 when a committed file differs.
Each case is checked here against the reference implementation before it is written; the
runners (refimpl/vectors/own_crypto.py) check the same from the files alone.

MLSAG: MobileCoin ``crypto/ring-signature/src/ring_signature/mlsag*.rs`` (RingMLSAG). Bulletproofs:
``transaction/core/src/range_proofs/mod.rs`` over mobilecoinfoundation/bulletproofs
(bulletproofs-og, 64-bit, MobileCoin's transcript label and Pedersen generators).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import refimpl
from refimpl.crypto import bulletproofs as bp
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ring_signature import sign
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.vectors.own_crypto import bulletproof_outcome, mlsag_outcome

ROOT = Path(__file__).resolve().parents[1] / "conformance/vectors/transaction"
MLSAG_OUT = ROOT / "mlsag.json"
BULLETPROOFS_OUT = ROOT / "bulletproofs.json"
GENERATOR = "tools/gen_vectors_crypto.py"

Case = dict[str, Any]


def seeded_rng(label: str) -> Hc128Rng:
    return Hc128Rng.from_seed(hashlib.sha256(f"mcref crypto vectors v1 {label}".encode()).digest())


# --- MLSAG -----------------------------------------------------------------------------------
def _signed(label: str, size: int, real: int, value: int, token: int, message: bytes) -> Case:
    rng = seeded_rng(label)
    ring = [(Point.random(rng), Point.random(rng)) for _ in range(size)]
    x = Scalar.random(rng)
    blinding = Scalar.random(rng)
    ring[real] = (Point.mul_base(x), commit(value, blinding, token))
    pseudo_blinding = Scalar.random(rng)
    generator = value_generator(token)
    sig = sign(message, ring, real, x, value, blinding, pseudo_blinding, generator, rng)
    return {
        "message": message.hex(),
        "ring": [{"targetKey": p.hex(), "commitment": c.hex()} for p, c in ring],
        "pseudoOutputCommitment": commit(value, pseudo_blinding, token).hex(),
        "signature": {
            "cZero": sig.c_zero.hex(),
            "responses": [r.hex() for r in sig.responses],
            "keyImage": sig.key_image.hex(),
        },
    }


def _hex_add(hex_scalar: str, delta: int) -> str:
    return ((int.from_bytes(bytes.fromhex(hex_scalar), "little") + delta) % L).to_bytes(
        32, "little"
    ).hex()


def _plus_l(hex_scalar: str) -> str:
    """The same scalar written non-canonically (value + L, still below 2^256)."""
    return (int.from_bytes(bytes.fromhex(hex_scalar), "little") + L).to_bytes(32, "little").hex()


def _set_top_bit(hex_words: str, word: int) -> str:
    data = bytearray(bytes.fromhex(hex_words))
    data[32 * word + 31] |= 0x80
    return data.hex()


def _mutate(base: Case, change: Callable[[Case], None]) -> Case:
    case: Case = json.loads(json.dumps(base))
    change(case)
    return case


def _empty_ring(case: Case) -> None:
    case["ring"] = []
    case["signature"]["responses"] = []


def mlsag_cases() -> list[tuple[str, str, list[str], str | None, Case]]:
    """(comment, result, flags, expectedError, inputs)."""
    msg = bytes(range(32))
    b11 = _signed("ring 11", 11, 4, 1_000_000, 0, msg)
    other = _signed("other signer", 11, 2, 5, 0, msg)
    cases: list[tuple[str, str, list[str], str | None, Case]] = [
        ("ring of 11, real input 4, MOB", "valid", [], None, b11),
        ("ring of 1", "valid", [], None, _signed("ring 1", 1, 0, 7, 0, msg)),
        ("real input first", "valid", [], None, _signed("first", 11, 0, 1, 0, msg)),
        ("real input last", "valid", [], None, _signed("last", 11, 10, 2**64 - 1, 0, msg)),
        ("token id 1 generator", "valid", [], None, _signed("token 1", 5, 3, 99, 1, msg)),
        ("empty message", "valid", [], None, _signed("empty message", 3, 1, 0, 0, b"")),
        ("block-version-0 style long message", "valid", [], None,
         _signed("long message", 11, 6, 12345, 0, bytes(range(256)) * 3)),
        ("response + L decodes to the same scalar (CurveScalar reduces mod L)", "acceptable",
         ["NonCanonicalScalar"], None,
         _mutate(b11, lambda c: c["signature"]["responses"].__setitem__(
             5, _plus_l(c["signature"]["responses"][5])))),
    ]
    bad_sig = "crypto.mlsag_invalid_signature"
    invalid: list[tuple[str, list[str], str, Callable[[Case], None]]] = [
        ("c_zero + 1", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"].__setitem__("cZero", _hex_add(c["signature"]["cZero"], 1))),
        ("first response + 1", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"]["responses"].__setitem__(
             0, _hex_add(c["signature"]["responses"][0], 1))),
        ("real input's key response + 1", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"]["responses"].__setitem__(
             8, _hex_add(c["signature"]["responses"][8], 1))),
        ("real input's commitment response - 1", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"]["responses"].__setitem__(
             9, _hex_add(c["signature"]["responses"][9], -1))),
        ("last response + 1", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"]["responses"].__setitem__(
             21, _hex_add(c["signature"]["responses"][21], 1))),
        ("all responses zero", ["TamperedScalar"], bad_sig,
         lambda c: c["signature"].__setitem__("responses", ["00" * 32] * 22)),
        ("wrong message", ["WrongMessage"], bad_sig,
         lambda c: c.__setitem__("message", "ff" + c["message"][2:])),
        ("key image of another signer", ["WrongKeyImage"], bad_sig,
         lambda c: c["signature"].__setitem__("keyImage", other["signature"]["keyImage"])),
        ("identity key image", ["WrongKeyImage", "IdentityPoint"], bad_sig,
         lambda c: c["signature"].__setitem__("keyImage", "00" * 32)),
        ("key image is not a point", ["WrongKeyImage", "NonCanonicalPoint"],
         "crypto.mlsag_invalid_key_image",
         lambda c: c["signature"].__setitem__("keyImage", "ff" * 32)),
        ("key image with the top bit set (libsodium 1.0.18 would accept it)",
         ["WrongKeyImage", "NonCanonicalPoint"], "crypto.mlsag_invalid_key_image",
         lambda c: c["signature"].__setitem__(
             "keyImage", _set_top_bit(c["signature"]["keyImage"], 0))),
        ("ring members 0 and 1 swapped", ["RingMemberSwapped"], bad_sig,
         lambda c: c.__setitem__("ring", [c["ring"][1], c["ring"][0], *c["ring"][2:]])),
        ("a decoy's target key replaced", ["RingMemberReplaced"], bad_sig,
         lambda c: c["ring"][7].__setitem__("targetKey", other["ring"][7]["targetKey"])),
        ("a decoy's commitment replaced", ["RingMemberReplaced"], bad_sig,
         lambda c: c["ring"][1].__setitem__("commitment", other["ring"][1]["commitment"])),
        ("a decoy replaced by the identity", ["RingMemberReplaced", "IdentityPoint"], bad_sig,
         lambda c: c["ring"][2].__setitem__("targetKey", "00" * 32)),
        ("pseudo-output of another value", ["WrongPseudoOutput"], bad_sig,
         lambda c: c.__setitem__("pseudoOutputCommitment", other["pseudoOutputCommitment"])),
        ("one response missing", ["WrongLength"], "crypto.mlsag_length_mismatch",
         lambda c: c["signature"]["responses"].pop()),
        ("one response too many", ["WrongLength"], "crypto.mlsag_length_mismatch",
         lambda c: c["signature"]["responses"].append("00" * 32)),
        ("ring one member short", ["WrongLength"], "crypto.mlsag_length_mismatch",
         lambda c: c["ring"].pop()),
        ("empty ring and no responses", ["WrongLength"], "crypto.mlsag_length_mismatch",
         _empty_ring),
        ("a response of 31 bytes", ["WrongLength"], "crypto.mlsag_length_mismatch",
         lambda c: c["signature"]["responses"].__setitem__(
             3, c["signature"]["responses"][3][:62])),
        ("ring target key not a canonical point", ["NonCanonicalPoint"],
         "crypto.non_canonical_point",
         lambda c: c["ring"][3].__setitem__("targetKey", "ed" + "ff" * 30 + "7f")),
    ]
    for comment, flags, code, change in invalid:
        cases.append((comment, "invalid", flags, code, _mutate(b11, change)))
    return cases


def mlsag_document() -> dict[str, Any]:
    tests = []
    for tc_id, (comment, result, flags, code, inputs) in enumerate(mlsag_cases(), start=1):
        got = mlsag_outcome(inputs)
        want = None if result in ("valid", "acceptable") else code
        if got != want:
            raise SystemExit(f"mlsag case {tc_id} ({comment}): expected {want}, got {got}")
        test: dict[str, Any] = {"tcId": tc_id, "comment": comment, **inputs, "result": result,
                                "flags": flags}
        if code is not None:
            test["expectedError"] = code
        tests.append(test)
    return {
        "schema": "mcref-mlsag-v1",
        "specVersion": "MobileCoin crypto/ring-signature/src/ring_signature/mlsag*.rs",
        "generator": GENERATOR,
        "generatorVersion": refimpl.__version__,
        "numberOfTests": len(tests),
        "header": [
            "RingMLSAG verification: message (the signing digest, here arbitrary bytes), ring of "
            "(target key, commitment), pseudo-output commitment, signature {cZero, responses "
            "[r00, r01, r10, r11, ...], keyImage}; points compressed ristretto, scalars 32-byte "
            "LE.",
            "Scalars decode as protobuf CurveScalar does (reduced mod L); points and the key image "
            "decode as dalek's CompressedRistretto::decompress (top bit must be clear).",
        ],
        "notes": {
            "TamperedScalar": "c_zero or a response changed",
            "WrongMessage": "verified against another message",
            "WrongKeyImage": "the key image is another point or not a point",
            "RingMemberSwapped": "two ring members exchanged",
            "RingMemberReplaced": "a ring member's key or commitment changed",
            "WrongPseudoOutput": "the pseudo-output commits to another value",
            "WrongLength": "responses or ring of the wrong length",
            "IdentityPoint": "the identity point where a real key is expected",
            "NonCanonicalPoint": "bytes that dalek refuses to decompress",
            "NonCanonicalScalar": "a scalar >= L: MobileCoin's CurveScalar reduces it, so the "
            "signature is the same; an implementation may also reject it",
        },
        "testGroups": [{"type": "RingMLSAGVerify", "tests": tests}],
    }


# --- Bulletproofs ----------------------------------------------------------------------------
def _proof(label: str, values: list[int], token: int) -> Case:
    rng = seeded_rng(label)
    blindings = [Scalar.random(rng) for _ in values]
    proof, commitments = bp.prove_multiple(values, blindings, value_generator(token), rng)
    return {"tokenId": token, "commitments": [c.hex() for c in commitments], "proof": proof.hex()}


def _word(proof_hex: str, index: int, new: bytes) -> str:
    return proof_hex[: 64 * index] + new.hex() + proof_hex[64 * (index + 1):]


def _flip(proof_hex: str, byte: int) -> str:
    data = bytearray(bytes.fromhex(proof_hex))
    data[byte] ^= 0x01
    return data.hex()


def bulletproof_cases() -> list[tuple[str, str, list[str], str | None, Case]]:
    two = _proof("two outputs", [1_000_000, 2**64 - 1], 0)
    three = _proof("three values", [0, 5, 2**63], 0)
    cases: list[tuple[str, str, list[str], str | None, Case]] = [
        ("one value 0", "valid", [], None, _proof("zero", [0], 0)),
        ("one value 2^64-1", "valid", [], None, _proof("max", [2**64 - 1], 0)),
        ("two values (1 input 1 output style)", "valid", [], None, two),
        ("three values padded to four by repeating the last", "valid", ["Padding"], None, three),
        ("the same proof with the padding commitment given explicitly", "valid", ["Padding"],
         None, _mutate(three, lambda c: c["commitments"].append(c["commitments"][-1]))),
        ("four values, token id 5", "valid", [], None, _proof("token 5", [1, 2, 3, 4], 5)),
    ]
    invalid_code = "crypto.range_proof_invalid"
    encoding_code = "crypto.range_proof_bad_encoding"
    proof_words = len(two["proof"]) // 64  # 23: A S T1 T2 tx txb eb (L R)x7 a b
    invalid: list[tuple[str, list[str], str, Callable[[Case], None]]] = [
        ("truncated by one byte", ["Truncated"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"][:-2])),
        ("truncated by one word (odd inner-product element count)", ["Truncated"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"][:-64])),
        ("truncated by two words (one round short)", ["Truncated"], invalid_code,
         lambda c: c.__setitem__("proof", c["proof"][:64 * 7] + c["proof"][64 * 9:])),
        ("only six words", ["Truncated"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"][: 64 * 6])),
        ("seven words and no inner-product proof", ["Truncated"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"][: 64 * 7])),
        ("empty proof", ["Truncated"], encoding_code, lambda c: c.__setitem__("proof", "")),
        ("extended by one byte", ["Extended"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"] + "00")),
        ("extended by one word", ["Extended"], encoding_code,
         lambda c: c.__setitem__("proof", c["proof"] + "00" * 32)),
        ("extended by two words (one round too many)", ["Extended"], invalid_code,
         lambda c: c.__setitem__("proof", c["proof"] + "00" * 64)),
        ("t_x + L (non-canonical scalar)", ["NonCanonicalScalar"], encoding_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], 4, (int.from_bytes(
             bytes.fromhex(c["proof"][256:320]), "little") + L).to_bytes(32, "little")))),
        ("b = 2^256 - 1 (non-canonical scalar)", ["NonCanonicalScalar"], encoding_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], proof_words - 1, b"\xff" * 32))),
        ("A is the identity", ["IdentityPoint"], invalid_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], 0, bytes(32)))),
        ("T_1 is the identity", ["IdentityPoint"], invalid_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], 2, bytes(32)))),
        ("L_0 is the identity", ["IdentityPoint"], invalid_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], 7, bytes(32)))),
        ("S is not a point", ["NonCanonicalPoint"], invalid_code,
         lambda c: c.__setitem__("proof", _word(c["proof"], 1, b"\xff" * 32))),
        ("S with its top bit set (libsodium 1.0.18 would accept it)", ["NonCanonicalPoint"],
         invalid_code, lambda c: c.__setitem__("proof", _set_top_bit(c["proof"], 1))),
        ("T_2 and T_1 exchanged", ["Tampered"], invalid_code,
         lambda c: c.__setitem__("proof", c["proof"][:128] + c["proof"][192:256]
                                 + c["proof"][128:192] + c["proof"][256:])),
        ("one bit of t_x flipped", ["Tampered"], invalid_code,
         lambda c: c.__setitem__("proof", _flip(c["proof"], 4 * 32))),
        ("one bit of e_blinding flipped", ["Tampered"], invalid_code,
         lambda c: c.__setitem__("proof", _flip(c["proof"], 6 * 32))),
        ("one bit of a flipped", ["Tampered"], invalid_code,
         lambda c: c.__setitem__("proof", _flip(c["proof"], (proof_words - 2) * 32))),
        ("commitments swapped", ["WrongCommitment"], invalid_code,
         lambda c: c.__setitem__("commitments", c["commitments"][::-1])),
        ("a commitment to another value", ["WrongCommitment"], invalid_code,
         lambda c: c["commitments"].__setitem__(0, commit(1_000_001, Scalar(1), 0).hex())),
        ("one commitment missing (value-out-of-range claim: the proof covers two)",
         ["WrongCommitment"], invalid_code, lambda c: c["commitments"].pop()),
        ("one commitment too many", ["WrongCommitment"], invalid_code,
         lambda c: c["commitments"].append(c["commitments"][0])),
        ("no commitments", ["WrongCommitment"], "crypto.range_proof_bad_party_count",
         lambda c: c.__setitem__("commitments", [])),
        ("verified under token id 1's generator", ["WrongGenerator"], invalid_code,
         lambda c: c.__setitem__("tokenId", 1)),
    ]
    for comment, flags, code, change in invalid:
        cases.append((comment, "invalid", flags, code, _mutate(two, change)))
    # proving claims: values outside 0..2^64-1 cannot be proved at all
    for comment, values in (
        ("prove -1", [5, -1]),
        ("prove 2^64", [2**64]),
        ("prove 2^64 + 5 among valid values", [1, 2, 2**64 + 5]),
    ):
        cases.append((comment, "invalid", ["ValueOutOfRange"],
                      "crypto.range_proof_value_out_of_range",
                      {"operation": "prove", "tokenId": 0, "values": [str(v) for v in values]}))
    cases.append(("prove 65 values", "invalid", ["TooManyValues"],
                  "crypto.range_proof_bad_party_count",
                  {"operation": "prove", "tokenId": 0, "values": ["1"] * 65}))
    cases.append(("prove 0 and 2^64-1", "valid", [], None,
                  {"operation": "prove", "tokenId": 3, "values": ["0", str(2**64 - 1)]}))
    return cases


def bulletproofs_document() -> dict[str, Any]:
    tests = []
    for tc_id, (comment, result, flags, code, inputs) in enumerate(bulletproof_cases(), start=1):
        inputs = {"operation": "verify", **inputs}
        got = bulletproof_outcome(inputs, seeded_rng(f"check {tc_id}"))
        want = None if result == "valid" else code
        if got != want:
            raise SystemExit(f"bulletproof case {tc_id} ({comment}): expected {want}, got {got}")
        test: dict[str, Any] = {"tcId": tc_id, "comment": comment, **inputs, "result": result,
                                "flags": flags}
        if code is not None:
            test["expectedError"] = code
        tests.append(test)
    return {
        "schema": "mcref-bulletproofs-v1",
        "specVersion": "mobilecoinfoundation/bulletproofs (bulletproofs-og) range proofs with "
        "MobileCoin transaction/core/src/range_proofs/mod.rs",
        "generator": GENERATOR,
        "generatorVersion": refimpl.__version__,
        "numberOfTests": len(tests),
        "header": [
            "Aggregated 64-bit range proofs: transcript 'mc_bulletproof_transcript', B = H_tokenId "
            "(the Pedersen value generator of tokenId), B_blinding = G, BulletproofGens(64, 64); "
            "commitment lists are padded to a power of two by repeating the last one.",
            "operation 'verify': verify proof against commitments. operation 'prove': prove the "
            "decimal values (any blindings), then verify; invalid ones must be refused.",
        ],
        "notes": {
            "Padding": "the commitment list is not a power of two long, or is padded explicitly",
            "Truncated": "proof bytes cut short",
            "Extended": "proof bytes with extra words",
            "NonCanonicalScalar": "a proof scalar >= L: RangeProof::from_bytes refuses it",
            "IdentityPoint": "A, S, T_1, T_2, L_k or R_k is the identity encoding",
            "NonCanonicalPoint": "bytes that dalek refuses to decompress",
            "Tampered": "a proof element changed",
            "WrongCommitment": "the commitments are not those the proof was made for",
            "WrongGenerator": "verified with another token's value generator",
            "ValueOutOfRange": "a value outside 0..2^64-1 is claimed",
            "TooManyValues": "more than 64 values (the generators cover 64 parties)",
        },
        "testGroups": [{"type": "RangeProof64", "tests": tests}],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if committed files differ")
    args = parser.parse_args()
    status = 0
    for path, build in ((MLSAG_OUT, mlsag_document), (BULLETPROOFS_OUT, bulletproofs_document)):
        text = json.dumps(build(), indent=1) + "\n"
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"{path} differs from the generator", file=sys.stderr)
                status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
