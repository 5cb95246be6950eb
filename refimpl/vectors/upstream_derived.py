"""Runners for known-answer data re-encoded from MobileCoin test code (``upstream/.../derived``).

``derived/schnorrkel_sig_kat.json`` holds ``crypto/sig/src/testdata/20210121/*/*.bin`` of
mobilecoinfoundation/mobilecoin (logic in ``crypto/sig/src/lib.rs``; notes/crypto-ledger.md
§2.6 and §8): schnorrkel keys and signatures over context ``"test"`` and message ``"foobar"``
in four categories. Each item yields two cases: the signature re-signed byte for byte (with
``seckey2`` when present, else ``seckey``), and the category's expected verify outcome.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from refimpl.codec import parse_hex
from refimpl.crypto import schnorrkel
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import ConformanceError, CryptoError
from refimpl.vectors.runner import CaseTally, FileResult

#: category -> (context, message) to verify with, and whether verification must succeed.
_VERIFY_PLAN: dict[str, tuple[bytes | None, bytes | None, bool]] = {
    "expected_success": (None, None, True),
    "expected_failure_bad_context": (b"prod", None, False),
    "expected_failure_bad_keys": (None, None, False),
    "expected_failure_bad_message": (None, b"foobarbaz", False),
}


def _verify_outcome(public: Point, context: bytes, message: bytes, sig: bytes) -> str:
    try:
        schnorrkel.verify(public, context, message, sig)
    except CryptoError as exc:
        return exc.code
    return "ok"


def _resigns_exactly(item: dict[str, str], context: bytes, message: bytes) -> bool:
    signer = Scalar.from_canonical_bytes(parse_hex(item.get("seckey2", item["seckey"]), 32))
    return schnorrkel.sign(signer, context, message) == parse_hex(item["sig"], 64)


def _verifies_as_expected(
    item: dict[str, str], context: bytes, message: bytes, must_pass: bool
) -> bool:
    public = Point.from_bytes(parse_hex(item["pubkey"], 32))
    outcome = _verify_outcome(public, context, message, parse_hex(item["sig"], 64))
    return outcome == ("ok" if must_pass else "crypto.bad_signature")


def run_schnorrkel_kat(path: Path, rel: str) -> FileResult:
    """Re-sign and verify every item of ``derived/schnorrkel_sig_kat.json``."""
    try:
        doc = json.loads(path.read_text())
        sign_context = str(doc["sign_context"]).encode()
        sign_message = str(doc["sign_message"]).encode()
        categories: dict[str, dict[str, list[dict[str, str]]]] = doc["cases"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    tally = CaseTally(rel)
    for category, group in categories.items():
        for number, item in enumerate(group.get("items", [])):
            case = f"{category}[{number}]"
            if category not in _VERIFY_PLAN:
                tally.check(case, False, "unknown category")
                continue
            verify_ctx, verify_msg, must_pass = _VERIFY_PLAN[category]
            tally.run(f"{case}.sign", partial(_resigns_exactly, item, sign_context, sign_message))
            tally.run(
                f"{case}.verify",
                partial(
                    _verifies_as_expected,
                    item,
                    verify_ctx or sign_context,
                    verify_msg or sign_message,
                    must_pass,
                ),
            )
    return tally.result()
