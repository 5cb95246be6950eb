"""Cases and operations for the schnorrkel known-answer data (``derived/schnorrkel_sig_kat.json``).

The file holds ``crypto/sig/src/testdata/20210121/*/*.bin`` of mobilecoinfoundation/mobilecoin
(logic in ``crypto/sig/src/lib.rs``): schnorrkel keys and signatures over context ``"test"``
and message ``"foobar"`` in four categories. Each item yields two cases: ``schnorrkel.sign``
(the signature re-made byte for byte with ``seckey2`` when present, else ``seckey``; MobileCoin
derives the nonce deterministically) and ``schnorrkel.verify`` with the category's context and
message (``{"valid": true}``, or the refusal ``crypto.bad_signature``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refimpl.crypto import schnorrkel
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import ConformanceError
from refimpl.vectors.cases import Case, case_id
from refimpl.vectors.inputs import hexbytes

BAD_SIGNATURE = "crypto.bad_signature"
#: category -> (context, message) to verify with (None: the signing one), and whether it passes.
_VERIFY_PLAN: dict[str, tuple[bytes | None, bytes | None, bool]] = {
    "expected_success": (None, None, True),
    "expected_failure_bad_context": (b"prod", None, False),
    "expected_failure_bad_keys": (None, None, False),
    "expected_failure_bad_message": (None, b"foobarbaz", False),
}


# --- operations -------------------------------------------------------------------------------


def sign(case: dict[str, Any]) -> dict[str, Any]:
    """``{secretKey, context, message}`` (hex) -> ``{signature}``."""
    secret = Scalar.from_canonical_bytes(hexbytes(case, "secretKey", 32))
    signature = schnorrkel.sign(secret, hexbytes(case, "context"), hexbytes(case, "message"))
    return {"signature": signature.hex()}


def verify(case: dict[str, Any]) -> dict[str, Any]:
    """``{publicKey, context, message, signature}`` -> ``{valid: true}`` or a refusal."""
    public = Point.from_bytes(hexbytes(case, "publicKey", 32))
    schnorrkel.verify(
        public, hexbytes(case, "context"), hexbytes(case, "message"),
        hexbytes(case, "signature", 64),
    )
    return {"valid": True}


# --- case source ------------------------------------------------------------------------------


def schnorrkel_cases(path: Path, rel: str) -> list[Case]:
    """Two cases per item of ``derived/schnorrkel_sig_kat.json``: sign, then verify."""
    try:
        doc = json.loads(path.read_text())
        sign_context = str(doc["sign_context"]).encode()
        sign_message = str(doc["sign_message"]).encode()
        categories: dict[str, dict[str, list[dict[str, str]]]] = doc["cases"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: {exc}") from exc
    cases = []
    for category, group in categories.items():
        if category not in _VERIFY_PLAN:
            raise ConformanceError("conformance.bad_vector_file",
                                   f"{rel}: unknown category {category}")
        verify_ctx, verify_msg, must_pass = _VERIFY_PLAN[category]
        for number, item in enumerate(group.get("items", [])):
            name = f"{category}[{number}]"
            cases.append(Case(
                case_id(rel, f"{name}.sign"), "schnorrkel.sign",
                {"secretKey": item.get("seckey2", item["seckey"]),
                 "context": sign_context.hex(), "message": sign_message.hex()},
                {"signature": item["sig"]},
            ))
            cases.append(Case(
                case_id(rel, f"{name}.verify"), "schnorrkel.verify",
                {"publicKey": item["pubkey"], "context": (verify_ctx or sign_context).hex(),
                 "message": (verify_msg or sign_message).hex(), "signature": item["sig"]},
                {"valid": True} if must_pass else {"error": BAD_SIGNATURE},
            ))
    return cases
