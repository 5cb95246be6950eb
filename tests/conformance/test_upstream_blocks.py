"""MobileCoin's digestible block KAT (blockchain/types/tests/digest.rs) reproduces in full,
as 8 self-contained cases (regenerated inputs in, MobileCoin's values expected)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.errors import ConformanceError
from refimpl.vectors.runner import CONFORMANCE_ROOT, run_file
from refimpl.vectors.upstream_blocks import digestible_block_cases

REL = "upstream/mobilecoin/derived/digestible_block_kat.json"
KAT = CONFORMANCE_ROOT / REL


def test_every_case_passes() -> None:
    result = run_file(REL)
    assert result.failures == ()
    # origin TxOut #0, the origin block, 3 child contents hashes x 2 versions.
    assert (result.passed, result.failed, result.pending) == (8, 0, 0)
    kinds = [case.kind for case in digestible_block_cases(KAT, REL)]
    assert kinds == ["tx_out.new", "block.origin"] + ["block.contents_hash"] * 6


def test_a_changed_expectation_fails_by_name(tmp_path: Path) -> None:
    doc = json.loads(KAT.read_text())
    doc["child_block_contents_hashes_v1"][2] = "00" * 32
    doc["origin_tx_out_0_fields"]["target_key"] = "11" * 32
    path = tmp_path / "kat.json"
    path.write_text(json.dumps(doc))
    result = run_file(REL, path)
    assert (result.failed, result.passed) == (2, 6)
    assert {f.id for f in result.failures} == {
        f"{REL}#child_v1[2].contents_hash", f"{REL}#origin_tx_out_0"}
    assert any(f.reason.startswith("targetKey") for f in result.failures)


def test_malformed_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "kat.json"
    path.write_text(json.dumps({"origin_block": {}}))
    with pytest.raises(ConformanceError) as info:
        digestible_block_cases(path, "kat.json")
    assert info.value.code == "conformance.bad_vector_file"
