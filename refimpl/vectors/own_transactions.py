"""Runner for our whole-transaction vectors, conformance/vectors/transaction/transactions.json.

Each test holds a Tx (protobuf hex) and its ledger context (refimpl.transaction.validation_
context); the runner decodes both and runs ``validate`` (refimpl.transaction.validation;
notes/crypto-ledger.md §4.8). A valid test must pass; an invalid one must raise its
``expectedCode`` and, when given, carry ``causeCode`` as the code of the error's cause. The
file must list ``numberOfTests`` tests with distinct ``tcId``s, and every rule of
:data:`refimpl.transaction.validation.RULES` must be named by at least one invalid test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from refimpl.errors import ConformanceError, RefImplError
from refimpl.transaction.validation import RULES, validate_in
from refimpl.transaction.validation_context import VerifyRequest
from refimpl.vectors.runner import CaseTally, FileResult
from refimpl.vectors.tx_fixtures import seeded_rng


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


def _outcome(test: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(code, cause code) of validating the test's transaction; (None, None) if valid."""
    request = VerifyRequest.from_json(test)
    try:
        validate_in(request.tx, request.context, seeded_rng(f"validate {test.get('tcId')}"))
    except RefImplError as exc:
        cause = exc.__cause__
        return exc.code, cause.code if isinstance(cause, RefImplError) else None
    return None, None


def run_transactions(path: Path, rel: str) -> FileResult:
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise _bad_file(path, str(exc)) from exc
    tests = list(_tests(path, doc))
    tally = CaseTally(rel)
    tally.check("numberOfTests", doc.get("numberOfTests") == len(tests), "count differs")
    ids = [t.get("tcId") for t in tests]
    tally.check("tcId", len(set(ids)) == len(ids), "tcIds repeat")
    named = {t.get("rule") for t in tests if t.get("result") == "invalid"}
    missing = [rule for rule, _codes in RULES if rule not in named]
    tally.check("rules", not missing, f"no invalid test for {', '.join(missing)}")
    for test in tests:
        case_id = f"tcId {test.get('tcId')} ({test.get('comment')})"
        expected = test.get("expectedCode") if test.get("result") == "invalid" else None
        expected_cause = test.get("causeCode")

        def body(test: Mapping[str, object] = test, expected: object = expected,
                 expected_cause: object = expected_cause) -> bool:
            code, cause = _outcome(test)
            return code == expected and (expected_cause is None or cause == expected_cause)

        tally.run(case_id, body)
    return tally.result()
