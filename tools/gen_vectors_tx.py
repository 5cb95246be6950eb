"""Regenerate conformance/vectors/transaction/transactions.json (whole-transaction vectors).

Usage: ``python tools/gen_vectors_tx.py [--check]``. The cases are those of refimpl.vectors.tx_cases
(every validation rule of MobileCoin ``transaction/core/src/validation/validate.rs`` has an invalid
one); every random draw comes from HC-128 generators keyed by the SHA-256 of fixed labels ("mcref
transaction vectors v<N>", ...), so the file is identical on every run. ``--check`` regenerates in
memory and exits 1 when the committed file differs.

Before writing, each case is validated here and must give its expected code; the runner
(refimpl/vectors/own_transactions.py) checks the same from the file alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import refimpl
from refimpl.errors import RefImplError
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import VerifyRequest
from refimpl.vectors.tx_cases import CASES
from refimpl.vectors.tx_fixtures import seeded_rng

OUT = Path(__file__).resolve().parents[1] / "conformance/vectors/transaction/transactions.json"

NOTES = {
    "SignedInput": "an input carries input rules (a signed contingent input, MCIP #31): its "
    "MLSAG signs TxIn.signed_digest()",
    "GrownLedger": "the tx's membership proofs were made before the ledger grew; the root "
    "proofs come from the larger ledger",
    "ShadowedRule": "the named rule cannot fail alone: an earlier rule (here the signature "
    "check's own duplicate key image check) rejects the transaction first",
}


def build_document() -> dict[str, object]:
    groups: dict[int, list[dict[str, object]]] = {}
    for tc_id, case in enumerate(CASES, start=1):
        tx, context = case.build()
        try:
            validate_in(tx, context, seeded_rng(f"validate {tc_id}"))
            got: str | None = None
        except RefImplError as exc:
            got = exc.code
        if got != case.expected_code:
            raise SystemExit(
                f"case {tc_id} ({case.name}): expected {case.expected_code}, got {got}"
            )
        test: dict[str, object] = {
            "tcId": tc_id,
            "comment": case.name,
            "rule": case.rule,
            **VerifyRequest(tx, context).to_json(),
            "result": "valid" if case.expected_code is None else "invalid",
            "flags": list(case.flags),
        }
        if case.expected_code is not None:
            test["expectedError"] = case.expected_code
        if case.cause_code is not None:
            test["expectedCause"] = case.cause_code
        groups.setdefault(context.block_version, []).append(test)
    return {
        "schema": "mcref-transaction-validation-v1",
        "specVersion": "MobileCoin transaction/core/src/validation/validate.rs",
        "generator": "tools/gen_vectors_tx.py",
        "generatorVersion": refimpl.__version__,
        "numberOfTests": len(CASES),
        "header": [
            "Whole transactions (Tx protobuf hex) with the ledger context validate() needs:",
            "current block index, block version, root proofs (TxOutMembershipProof protobuf "
            "hex, one per ring member) and minimum fee. An invalid test names the tx.* code of "
            "the first failing rule (expectedError); expectedCause is the RingCT error behind "
            "tx.invalid_transaction_signature.",
        ],
        "notes": NOTES,
        "testGroups": [
            {"blockVersion": version, "tests": tests} for version, tests in sorted(groups.items())
        ],
    }


def render() -> str:
    return json.dumps(build_document(), indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("up to date" if same else f"{OUT} differs from a fresh generation")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(CASES)} tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
