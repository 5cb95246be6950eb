"""Our whole-transaction vectors (conformance/vectors/transaction/transactions.json): every
test passes, every validation rule has an invalid test, and altered files fail by tcId."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refimpl.transaction.validation import RULES
from refimpl.vectors import registry
from refimpl.vectors.runner import CONFORMANCE_ROOT, FileResult, run_file
from refimpl.vectors.tx_cases import CASES

REL = "vectors/transaction/transactions.json"
PATH = CONFORMANCE_ROOT / REL
FAST = {"no inputs", "ring of 12", "a TxOut in two rings", "one root proof too few",
        "root proof implying another root", "an output without masked amount"}


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(PATH.read_text())
    return doc


def test_registered_and_every_test_passes() -> None:
    assert registry.FILES[REL] == "refimpl.vectors.own_transactions:transactions_cases"
    result = run_file(REL)
    # one case per test; numberOfTests, tcId uniqueness and rule coverage are structural
    assert (result.passed, result.failed, result.failures) == (len(CASES), 0, ())
    assert (result.structural_passed, result.structural_failed) == (3, 0)


def test_file_matches_the_case_catalogue() -> None:
    doc = document()
    tests = [t for g in doc["testGroups"] for t in g["tests"]]
    assert doc["numberOfTests"] == len(tests) == len(CASES)
    assert sorted(t["comment"] for t in tests) == sorted(c.name for c in CASES)
    by_name = {c.name: c for c in CASES}
    for test in tests:
        case = by_name[test["comment"]]
        assert (test["rule"], test.get("expectedError")) == (case.rule, case.expected_code)
        assert test.get("expectedCause") == case.cause_code
    for test in tests:
        assert test["result"] in ("valid", "invalid")
        assert ("expectedError" in test) == (test["result"] == "invalid")
        assert "expectedCode" not in test and "causeCode" not in test
        assert set(test["flags"]) <= set(doc["notes"])
    invalid_rules = {t["rule"] for t in tests if t["result"] == "invalid"}
    assert {rule for rule, _codes in RULES} <= invalid_rules


def _altered(tmp_path: Path, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
             keep: set[str] = FAST) -> FileResult:
    doc = document()
    tests = [t for g in doc["testGroups"] for t in g["tests"] if t["comment"] in keep]
    tests = edit(tests)
    doc["testGroups"] = [{"blockVersion": 3, "tests": tests}]
    doc["numberOfTests"] = len(tests)
    path = tmp_path / "transactions.json"
    path.write_text(json.dumps(doc))
    return run_file(REL, path)


def _id_of(comment: str) -> str:
    tc_id = next(t["tcId"] for g in document()["testGroups"] for t in g["tests"]
                 if t["comment"] == comment)
    return f"{REL}#{tc_id}"


def test_subset_passes_but_misses_rules(tmp_path: Path) -> None:
    result = _altered(tmp_path, lambda tests: tests)
    assert (result.failed, result.structural_failed) == (0, 1)
    assert result.structural_failures[0].id == f"{REL}#rules"
    assert result.structural_failures[0].reason.startswith("no invalid test for")


def test_wrong_expected_code_fails_by_tcid(tmp_path: Path) -> None:
    def edit(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        target = next(t for t in tests if t["comment"] == "ring of 12")
        target["expectedError"] = "tx.insufficient_ring_size"
        return tests

    result = _altered(tmp_path, edit)
    assert [f.id for f in result.failures] == [_id_of("ring of 12")]


def test_invalid_marked_valid_fails(tmp_path: Path) -> None:
    def edit(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for t in tests:
            if t["comment"] == "no inputs":
                t["result"] = "valid"
        return tests

    result = _altered(tmp_path, edit)
    assert [f.id for f in result.failures] == [_id_of("no inputs")]


def test_tampered_bytes_and_duplicate_ids_fail(tmp_path: Path) -> None:
    def edit(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        tests[0]["tx"] = tests[0]["tx"][:-4]  # truncated protobuf
        tests[1]["tcId"] = tests[2]["tcId"]
        return tests

    result = _altered(tmp_path, edit)
    assert "tcIds repeat" in [f.reason for f in result.structural_failures]
    assert any("encoding." in f.reason for f in result.failures)
