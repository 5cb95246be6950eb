"""MobileCoin's digestible block KAT (blockchain/types/tests/digest.rs) reproduces in full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.errors import ConformanceError
from refimpl.vectors.runner import CONFORMANCE_ROOT
from refimpl.vectors.upstream_blocks import run_digestible_block_kat

REL = "upstream/mobilecoin/derived/digestible_block_kat.json"
KAT = CONFORMANCE_ROOT / REL


def test_every_case_passes() -> None:
    result = run_digestible_block_kat(KAT, REL)
    assert result.failures == ()
    # 5 TxOut #0 fields + 7 origin block fields + id validity + 3 child hashes x 2 versions.
    assert (result.passed, result.failed, result.pending) == (19, 0, 0)


def test_a_changed_expectation_fails_by_name(tmp_path: Path) -> None:
    doc = json.loads(KAT.read_text())
    doc["child_block_contents_hashes_v1"][2] = "00" * 32
    doc["origin_tx_out_0_fields"]["target_key"] = "11" * 32
    path = tmp_path / "kat.json"
    path.write_text(json.dumps(doc))
    result = run_digestible_block_kat(path, "kat.json")
    assert result.failed == 2 and result.passed == 17
    assert any(f.startswith("child_v1[2].contents_hash") for f in result.failures)
    assert any(f.startswith("origin_tx_out_0.target_key") for f in result.failures)


def test_malformed_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "kat.json"
    path.write_text(json.dumps({"origin_block": {}}))
    with pytest.raises(ConformanceError) as info:
        run_digestible_block_kat(path, "kat.json")
    assert info.value.code == "conformance.bad_vector_file"
