"""``mcref tx verify FILE [--json]`` and ``mcref bench tx``: verdicts, one-line typed errors."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from refimpl.cli import main

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "conformance/vectors/transaction/transactions.json"


@cache
def vectors_by_comment() -> dict[str, dict[str, Any]]:
    doc = json.loads(VECTORS.read_text())
    return {t["comment"]: t for g in doc["testGroups"] for t in g["tests"]}


def request(tmp_path: Path, comment: str) -> str:
    test = vectors_by_comment()[comment]
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"tx": test["tx"], "context": test["context"]}))
    return str(path)


def test_valid_transaction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = request(tmp_path, "valid v3")
    assert main(["tx", "verify", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid ") and len(out.split()[1]) == 64
    assert main(["tx", "verify", path, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "valid" and doc["tx_hash"] == out.split()[1]


@pytest.mark.parametrize(
    ("comment", "code", "cause"),
    [
        ("ring members out of order", "tx.unsorted_ring_elements", None),
        ("fee below the minimum", "tx.tx_fee_error", None),
        ("MLSAG response changed", "tx.invalid_transaction_signature", "tx.rct_ring_signature"),
    ],
)
def test_invalid_transaction_names_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], comment: str, code: str,
    cause: str | None,
) -> None:
    path = request(tmp_path, comment)
    assert main(["tx", "verify", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error[{code}]: ") and captured.err.count("\n") == 1
    assert main(["tx", "verify", path, "--json"]) == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (doc["verdict"], doc["code"], doc["cause"]) == ("invalid", code, cause)
    assert captured.err.startswith(f"error[{code}]: ")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("not json", "encoding.bad_json"),
        ("[1, 2]", "encoding.bad_json"),
        ('{"tx": "zz", "context": {}}', "encoding.bad_hex"),
        ('{"tx": "0a00", "context": {"currentBlockIndex": -1}}', "encoding.bad_json"),
        ('{"tx": "0a05", "context": {}}', "encoding.bad_protobuf"),
        ('{"tx": 5}', "encoding.bad_json"),
    ],
)
def test_malformed_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, code: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["tx", "verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error[{code}]: ") and err.count("\n") == 1


def test_bad_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = vectors_by_comment()["valid v3"]
    for context in ({}, {**test["context"], "minimumFee": -3},
                    {**test["context"], "rootProofs": "00"},
                    {**test["context"], "rootProofs": ["0a"]}):
        path = tmp_path / "ctx.json"
        path.write_text(json.dumps({"tx": test["tx"], "context": context}))
        assert main(["tx", "verify", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error[encoding.") and err.count("\n") == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tx", "verify", str(tmp_path / "absent.json")]) == 2
    assert capsys.readouterr().err.startswith("error[cli.file_not_found]: ")


def test_bench_tx_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "tx", "--json", "--rounds", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("verify_ms", "baseline_verify_ms", "prove_ms", "validate_ms", "mlsag_verify_ms",
                "block_verify_ms_per_tx", "baseline_block_verify_ms_per_tx"):
        assert doc[key] > 0
    assert doc["verify_speedup"] == pytest.approx(
        doc["baseline_verify_ms"] / doc["verify_ms"], rel=0.01
    )
    assert doc["block_speedup"] == pytest.approx(
        doc["baseline_block_verify_ms_per_tx"] / doc["block_verify_ms_per_tx"], rel=0.01
    )
    assert doc["msm_speedup"] == pytest.approx(
        doc["libsodium_verify_ms"] / doc["baseline_verify_ms"], rel=0.01
    )
    assert main(["bench", "tx", "--rounds", "0"]) == 2
    assert capsys.readouterr().err.startswith("error[cli.usage]")
