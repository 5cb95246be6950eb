"""Our MLSAG and Bulletproofs vectors: registered, every case passes, the generator reproduces the
committed files byte for byte, and altered files fail by tcId."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.vectors import registry
from refimpl.vectors.runner import CONFORMANCE_ROOT, FileResult, run_file

FILES = {
    "vectors/transaction/mlsag.json": ("mlsag_cases", 30),
    "vectors/transaction/bulletproofs.json": ("bulletproofs_cases", 37),
}
REPO = Path(__file__).resolve().parents[2]


def run(rel: str, path: Path | None = None) -> FileResult:
    return run_file(rel, path)


@pytest.mark.parametrize("rel", sorted(FILES))
def test_every_case_passes(rel: str) -> None:
    name, count = FILES[rel]
    assert registry.FILES[rel] == f"refimpl.vectors.own_crypto:{name}"
    result = run(rel)
    # one case per test; numberOfTests and tcId uniqueness are structural checks
    assert (result.passed, result.failed, result.failures) == (count, 0, ())
    assert (result.structural_passed, result.structural_failed) == (2, 0)


@pytest.mark.parametrize("rel", sorted(FILES))
def test_files_cover_valid_and_invalid_cases_with_codes(rel: str) -> None:
    doc = json.loads((CONFORMANCE_ROOT / rel).read_text())
    tests = [t for g in doc["testGroups"] for t in g["tests"]]
    assert [t["tcId"] for t in tests] == list(range(1, len(tests) + 1))
    assert {t["result"] for t in tests} >= {"valid", "invalid"}
    for t in tests:
        assert (t["result"] == "invalid") == ("expectedError" in t) or t["result"] == "acceptable"
        assert set(t["flags"]) <= set(doc["notes"])


def test_generator_reproduces_the_committed_files() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools/gen_vectors_crypto.py"), "--check"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr


def _altered(tmp_path: Path, rel: str, change: dict[str, object], tc_id: int) -> FileResult:
    doc = json.loads((CONFORMANCE_ROOT / rel).read_text())
    for test in doc["testGroups"][0]["tests"]:
        if test["tcId"] == tc_id:
            test.update(change)
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(doc))
    return run(rel, path)


def test_altered_mlsag_file_fails_by_tcid(tmp_path: Path) -> None:
    rel = "vectors/transaction/mlsag.json"
    result = _altered(tmp_path, rel, {"message": "00"}, 1)  # a valid case, another message
    assert result.failed == 1 and result.failures[0].id == f"{rel}#1"
    result = _altered(tmp_path, rel, {"expectedError": "crypto.mlsag_length_mismatch"}, 9)
    assert result.failed == 1 and result.failures[0].id == f"{rel}#9"


def test_altered_bulletproofs_file_fails_by_tcid(tmp_path: Path) -> None:
    rel = "vectors/transaction/bulletproofs.json"
    doc = json.loads((CONFORMANCE_ROOT / rel).read_text())
    first = doc["testGroups"][0]["tests"][0]
    result = _altered(tmp_path, rel, {"commitments": first["commitments"][::-1] * 2}, 3)
    assert result.failed == 1 and result.failures[0].id == f"{rel}#3"
    result = _altered(tmp_path, rel, {"result": "valid"}, 7)  # a truncated proof
    assert result.failed == 1 and result.failures[0].id == f"{rel}#7"
