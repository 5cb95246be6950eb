"""MobileCoin's memo and fog TxOutRecord vectors: every case passes, with the hidden keys
regenerated from StdRng [2u8; 32] (test-vectors/memos/build.rs, test-vectors/tx-out-records/
build.rs), and altered files fail by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.vectors import registry, upstream_memos
from refimpl.vectors.runner import CONFORMANCE_ROOT, FileResult, run_file

UP = "upstream/mobilecoin/"
MEMOS = "refimpl.vectors.upstream_memos"
RECORDS = "refimpl.vectors.upstream_tx_out_records"
EXPECTED = {
    "memos/correct_encrypted_sender_memos.jsonl": (MEMOS, "correct_sender_cases"),
    "memos/incorrect_encrypted_sender_memos.jsonl": (MEMOS, "incorrect_sender_cases"),
    "memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl":
        (MEMOS, "correct_sender_with_payment_request_id_cases"),
    "memos/incorrect_encrypted_sender_with_payment_request_id_memos.jsonl":
        (MEMOS, "incorrect_sender_with_payment_request_id_cases"),
    "memos/correct_encrypted_destination_memos.jsonl": (MEMOS, "destination_cases"),
    "tx_out_records/correct_tx_out_records.jsonl": (RECORDS, "correct_cases"),
    "tx_out_records/incorrect_tx_out_records.jsonl": (RECORDS, "incorrect_cases"),
}


def run(rel: str, path: Path | None = None) -> FileResult:
    return run_file(UP + rel, path)


def _failing(result: FileResult) -> set[str]:
    """The line ids of every failed case and structural check."""
    ids = {f.id.removeprefix(result.path + "#") for f in result.failures}
    ids |= {f.id.removeprefix(result.path + "#").split(":")[0]
            for f in result.structural_failures}
    return {i if i.startswith("line") else f"line {i}" for i in ids}


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_every_case_passes(rel: str) -> None:
    module, name = EXPECTED[rel]
    assert registry.FILES[UP + rel] == f"{module}:{name}"
    result = run(rel)
    # 5 memo files x 10 and 2 tx_out_records files x 10; incorrect files pass by failing right.
    assert (result.passed, result.failed, result.pending, result.failures) == (10, 0, 0, ())
    assert (result.structural_passed, result.structural_failed) == (20, 0)


def test_no_memo_or_record_file_is_pending() -> None:
    pending = [p for p, target in registry.FILES.items() if target.startswith("pending:")]
    assert not [p for p in pending if "/memos/" in p or "/tx_out_records/" in p]


def test_destination_file_names_the_generator_bug() -> None:
    note = run("memos/correct_encrypted_destination_memos.jsonl").note
    assert "generator bug" in note and "test-vectors/memos/build.rs" in note
    assert "[lines: 10 incorrect, 0 correct]" in note


def _rewrite(tmp_path: Path, rel: str, edit: dict[int, dict[str, object]]) -> Path:
    lines = (CONFORMANCE_ROOT / UP / rel).read_text().splitlines()
    for number, changes in edit.items():
        case = json.loads(lines[number])
        case.update(changes)
        lines[number] = json.dumps(case)
    path = tmp_path / Path(rel).name
    path.write_text("\n".join(lines) + "\n")
    return path


def _flip_hex(rel: str, line: int, field: str, at: int) -> str:
    case = json.loads((CONFORMANCE_ROOT / UP / rel).read_text().splitlines()[line])
    data = bytearray(bytes.fromhex(case[field]))
    data[at] ^= 1
    return data.hex()


@pytest.mark.parametrize(
    ("rel", "field", "at"),
    [
        ("memos/correct_encrypted_sender_memos.jsonl", "encrypted_sender_memo_hex_raw_bytes", 63),
        ("memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl",
         "encrypted_sender_with_payment_request_id_memo_hex_raw_bytes", 20),
        ("memos/incorrect_encrypted_sender_memos.jsonl", "encrypted_sender_memo_hex_raw_bytes", 50),
        ("memos/correct_encrypted_destination_memos.jsonl",
         "encrypted_destination_memo_hex_raw_bytes", 17),
        ("tx_out_records/correct_tx_out_records.jsonl", "tx_out_record_hex_proto_bytes", 3),
        ("tx_out_records/incorrect_tx_out_records.jsonl", "tx_out_record_hex_proto_bytes", 3),
    ],
)
def test_a_changed_byte_fails_its_line(tmp_path: Path, rel: str, field: str, at: int) -> None:
    path = _rewrite(tmp_path, rel, {4: {field: _flip_hex(rel, 4, field, at)}})
    result = run(rel, path)
    assert not result.ok and result.passed >= 9
    assert _failing(result) == {"line 5"}


def test_a_correct_memo_in_the_incorrect_file_fails(tmp_path: Path) -> None:
    """An 'incorrect' case whose claims are in fact right validates, so the case fails."""
    correct = json.loads(
        (CONFORMANCE_ROOT / UP / "memos/correct_encrypted_sender_memos.jsonl")
        .read_text().splitlines()[2]
    )
    rel = "memos/incorrect_encrypted_sender_memos.jsonl"
    swapped = {
        "incorrect_sender_public_address_hex_proto_bytes":
            correct["sender_public_address_hex_proto_bytes"],
        "incorrect_recipient_view_public_key_hex_raw_bytes":
            correct["recipient_view_public_key_hex_raw_bytes"],
    }
    result = run(rel, _rewrite(tmp_path, rel, {2: swapped}))
    assert (result.passed, result.failed) == (9, 1)
    assert result.failures[0].id == f"{UP}{rel}#3"
    assert _failing(result) == {"line 3"}


def test_the_correct_destination_variant_is_recognised(tmp_path: Path) -> None:
    """A line as write_correct_encrypted_destination_memos meant it passes as 'correct'."""
    rel = "memos/correct_encrypted_destination_memos.jsonl"
    hidden = next(upstream_memos.regenerate_cases(with_tx_out_public_key=False))
    fixed: dict[str, object] = {
        "sender_public_address_hex_proto_bytes": hidden.sender_address.to_protobuf().hex(),
        "recipient_short_address_hash_hex_raw_bytes":
            hidden.recipient_address.short_address_hash().hex(),
    }
    result = run(rel, _rewrite(tmp_path, rel, {0: fixed}))
    assert (result.passed, result.failed) == (10, 0)
    assert "[lines: 9 incorrect, 1 correct]" in result.note


def test_the_recipient_key_in_the_incorrect_records_file_fails(tmp_path: Path) -> None:
    correct = json.loads(
        (CONFORMANCE_ROOT / UP / "tx_out_records/correct_tx_out_records.jsonl")
        .read_text().splitlines()[0]
    )
    rel = "tx_out_records/incorrect_tx_out_records.jsonl"
    key = {"spurious_view_private_key_hex_proto_bytes":
           correct["recipient_view_private_key_hex_proto_bytes"]}
    result = run(rel, _rewrite(tmp_path, rel, {0: key}))
    assert (result.passed, result.failed) == (9, 1)
    assert result.failures[0].id == f"{UP}{rel}#1"
    assert "tx.fog_checksum_mismatch" in result.failures[0].reason


def test_a_field_of_the_wrong_type_fails_by_line(tmp_path: Path) -> None:
    rel = "memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl"
    result = run(rel, _rewrite(tmp_path, rel, {0: {"payment_request_id": [23]}, 1: {
        "sender_public_address_hex_proto_bytes": "zz"}}))
    assert (result.passed, result.failed) == (8, 2)
    assert "malformed vector" in result.failures[0].reason
    assert "encoding.bad_hex" in result.failures[1].reason
