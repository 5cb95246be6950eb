"""Cases and operation for our whole-transaction vectors, conformance/vectors/transaction/
transactions.json (written by tools/gen_vectors_tx.py).

Each test holds a Tx (protobuf hex) and its ledger context (refimpl.transaction.validation_
context) and is one ``tx.validate`` case: decode both and run ``validate``
(refimpl.transaction.validation; MobileCoin ``transaction/core/src/validation/validate.rs``).
A valid test expects ``{"valid": true}``; an invalid one the refusal ``expectedError`` and,
when given, ``expectedCause``, the code of the RingCT error behind
``tx.invalid_transaction_signature``. Structural checks: the file lists ``numberOfTests``
tests with distinct ``tcId``s, and every rule of :data:`refimpl.transaction.validation.RULES`
is named by at least one invalid test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from refimpl.errors import ConformanceError
from refimpl.transaction.validation import RULES, validate_in
from refimpl.transaction.validation_context import VerifyRequest
from refimpl.vectors.cases import Built, CaseList, build_case
from refimpl.vectors.tx_fixtures import seeded_rng


def validate(case: dict[str, Any]) -> dict[str, Any]:
    """``{tx: Tx protobuf hex, context: {currentBlockIndex, blockVersion, minimumFee,
    rootProofs}}`` -> ``{valid: true}``, or the first failing rule's refusal (its ``cause``:
    the RingCT error behind ``tx.invalid_transaction_signature``)."""
    request = VerifyRequest.from_json(case)
    validate_in(request.tx, request.context, seeded_rng("tx.validate"))
    return {"valid": True}


def _bad_file(path: Path, message: str) -> ConformanceError:
    return ConformanceError("conformance.bad_vector_file", f"{path.name}: {message}")


def _tests(path: Path, doc: object) -> Iterator[Mapping[str, object]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("testGroups"), list):
        raise _bad_file(path, "not a Wycheproof-style document with testGroups")
    for group in doc["testGroups"]:
        if not isinstance(group, dict) or not isinstance(group.get("tests"), list):
            raise _bad_file(path, "a test group lacks its tests")
        for test in group["tests"]:
            if not isinstance(test, dict):
                raise _bad_file(path, "a test is not an object")
            yield test


def _build(test: Mapping[str, object]) -> Built:
    case_input = {"tx": test["tx"], "context": test["context"]}
    if test.get("result") != "invalid":
        return case_input, {"valid": True}
    expected = {"error": test["expectedError"]}
    if "expectedCause" in test:
        expected["cause"] = test["expectedCause"]
    return case_input, expected


def transactions_cases(path: Path, rel: str) -> CaseList:
    """One ``tx.validate`` case per test, and the file's structural checks."""
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise _bad_file(path, str(exc)) from exc
    tests = list(_tests(path, doc))
    cases = CaseList()
    cases.check("numberOfTests", doc.get("numberOfTests") == len(tests), "count differs")
    ids = [t.get("tcId") for t in tests]
    cases.check("tcId", len(set(ids)) == len(ids), "tcIds repeat")
    named = {t.get("rule") for t in tests if t.get("result") == "invalid"}
    missing = [rule for rule, _codes in RULES if rule not in named]
    cases.check("rules", not missing, f"no invalid test for {', '.join(missing)}")
    for test in tests:
        cases.append(build_case(rel, test.get("tcId"), "tx.validate", partial(_build, test)))
    return cases
