"""conformance/error-codes.json and conformance/MANIFEST.json match what generates them, and the
manifest tells the truth about every file (docs/conformance.md, "Error codes", "The manifest")."""

from __future__ import annotations

import hashlib
import json

import pytest

import refimpl
from refimpl.errors import CODES
from refimpl.resources import conformance_root
from refimpl.vectors.catalog import (
    COUNTED_BY_CASES,
    ERROR_CODES,
    MANIFEST,
    build_manifest,
    error_codes_document,
    kit_files,
    mobilecoin_commit,
    render_json,
)
from tests.conformance.kit_tools import TOOLS, load_tool

ROOT = conformance_root()


def test_error_codes_json_is_in_sync_with_errors_py() -> None:
    committed = (ROOT / ERROR_CODES).read_text()
    assert committed == render_json(error_codes_document()), (
        "conformance/error-codes.json is out of date: run `make vectors` "
        "(or .venv/bin/python tools/gen_error_codes.py)"
    )
    codes = json.loads(committed)["codes"]
    assert codes == CODES and list(codes) == sorted(CODES)


def test_manifest_is_in_sync_with_the_files() -> None:
    committed = (ROOT / MANIFEST).read_text()
    assert committed == render_json(build_manifest(ROOT)), (
        "conformance/MANIFEST.json is out of date: run `make vectors` "
        "(or .venv/bin/python tools/gen_conformance_manifest.py)"
    )


def test_check_modes_of_the_tools_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_tool("gen_error_codes").main(["--check"]) == 0
    assert load_tool("gen_conformance_manifest").main(["--check"]) == 0
    assert capsys.readouterr().out.count("up to date") == 2


def test_manifest_lists_every_file_with_its_digest_origin_and_version() -> None:
    manifest = json.loads((ROOT / MANIFEST).read_text())
    entries = {e["path"]: e for e in manifest["files"]}
    assert sorted(entries) == [rel for rel in kit_files(ROOT) if rel != MANIFEST]
    commit = mobilecoin_commit(ROOT)
    assert manifest["mobilecoinCommit"] == commit
    assert manifest["refimplVersion"] == refimpl.__version__
    for rel, entry in entries.items():
        data = (ROOT / rel).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), rel
        assert entry["size"] == len(data)
        assert entry["refimplVersion"] == refimpl.__version__
        upstream = rel.startswith("upstream/mobilecoin/") and not rel.endswith(".md")
        assert entry["origin"] == ("mobilecoin" if upstream else "ours"), rel
        assert entry.get("mobilecoinCommit") == (commit if upstream else None), rel


def test_our_vector_files_carry_generator_and_version_and_true_counts() -> None:
    manifest = json.loads((ROOT / MANIFEST).read_text())
    ours = [e for e in manifest["files"] if e["path"].startswith("vectors/")
            and e["format"] == "json"]
    assert ours
    for entry in ours:
        doc = json.loads((ROOT / entry["path"]).read_text())
        assert doc["generatorVersion"] == refimpl.__version__, entry["path"]
        assert (TOOLS.parent / doc["generator"]).is_file()
        groups = doc.get("testGroups", [doc])  # Wycheproof groups, or one list of tests
        tests = [t for g in groups for t in g["tests"]]
        assert entry["numberOfTests"] == doc["numberOfTests"] == len(tests)


def test_jsonl_counts_are_line_counts() -> None:
    manifest = json.loads((ROOT / MANIFEST).read_text())
    for entry in manifest["files"]:
        if entry["format"] == "jsonl" and entry["kind"] not in COUNTED_BY_CASES:
            lines = (ROOT / entry["path"]).read_text().splitlines()
            assert entry["numberOfTests"] == sum(1 for line in lines if line.strip())


def test_manifest_counts_are_the_cases_the_runner_reads() -> None:
    from refimpl.vectors.registry import FILES
    from refimpl.vectors.runner import load_cases

    manifest = json.loads((ROOT / MANIFEST).read_text())
    counts = {e["path"]: e.get("numberOfTests") for e in manifest["files"]}
    for rel, target in FILES.items():
        if not target.startswith("pending:"):
            assert counts[rel] == len(load_cases(rel, ROOT)), rel


def _named_codes(value: object) -> set[str]:
    """Every code a vector names: ``expectedError``, ``expectedCause`` and the ``error`` of an
    expected answer, at any depth."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("expectedError", "expectedCause", "error") and isinstance(item, str):
                found.add(item)
            found |= _named_codes(item)
    elif isinstance(value, list):
        for item in value:
            found |= _named_codes(item)
    return found


def test_every_code_our_vectors_expect_is_in_error_codes_json() -> None:
    codes = json.loads((ROOT / ERROR_CODES).read_text())["codes"]
    named: set[str] = set()
    for rel in kit_files(ROOT):
        if rel.startswith("vectors/") and rel.endswith(".json"):
            named |= _named_codes(json.loads((ROOT / rel).read_text()))
    assert len(named) >= 20
    assert named <= set(codes), sorted(named - set(codes))
