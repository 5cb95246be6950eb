"""MobileCoin's account-key, SLIP-10 and b58 vectors: every case passes, one case per line
(or array element), and an altered line fails by its case id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.vectors import registry
from refimpl.vectors.runner import CONFORMANCE_ROOT, FileResult, run_file

UP = "upstream/mobilecoin/"
EXPECTED = {
    "account_keys/acct_priv_keys_from_root_entropy.jsonl": ("root_entropy_cases", 10),
    "account_keys/acct_priv_keys_from_bip39.jsonl": ("bip39_cases", 48),
    "account_keys/default_subaddr_keys_from_acct_priv_keys.jsonl":
        ("default_subaddress_cases", 10),
    "account_keys/subaddr_keys_from_acct_priv_keys.jsonl": ("subaddress_cases", 10),
    "core/slip10_key.json": ("slip10_key_cases", 12),
    "core/slip10_mnemonic.json": ("slip10_mnemonic_cases", 48),
    "b58_encodings/b58_encode_public_address_without_fog.jsonl": ("b58_cases", 10),
    "b58_encodings/b58_encode_public_address_with_fog.jsonl": ("b58_fog_cases", 10),
}


def run(rel: str, path: Path | None = None) -> FileResult:
    return run_file(UP + rel, path)


@pytest.mark.parametrize(("rel", "source_and_count"), sorted(EXPECTED.items()))
def test_every_case_passes(rel: str, source_and_count: tuple[str, int]) -> None:
    name, count = source_and_count
    assert registry.FILES[UP + rel] == f"refimpl.vectors.upstream_accounts:{name}"
    result = run(rel)
    assert (result.passed, result.failed, result.failures) == (count, 0, ())


def _tampered(tmp_path: Path, rel: str, line: int, field: str, value: object) -> Path:
    lines = (CONFORMANCE_ROOT / UP / rel).read_text().splitlines()
    case = json.loads(lines[line])
    case[field] = value
    lines[line] = json.dumps(case)
    path = tmp_path / Path(rel).name
    path.write_text("\n".join(lines) + "\n")
    return path


def _flip_first_byte(rel: str, line: int, field: str) -> list[int]:
    case = json.loads((CONFORMANCE_ROOT / UP / rel).read_text().splitlines()[line])
    data: list[int] = case[field]
    return [data[0] ^ 1, *data[1:]]


@pytest.mark.parametrize(
    ("rel", "field"),
    [
        ("account_keys/acct_priv_keys_from_root_entropy.jsonl", "view_private_key"),
        ("account_keys/acct_priv_keys_from_bip39.jsonl", "entropy"),
        ("account_keys/subaddr_keys_from_acct_priv_keys.jsonl", "subaddress_spend_public_key"),
        ("b58_encodings/b58_encode_public_address_with_fog.jsonl", "fog_authority_sig"),
    ],
)
def test_a_tampered_case_fails_by_line(tmp_path: Path, rel: str, field: str) -> None:
    path = _tampered(tmp_path, rel, 3, field, _flip_first_byte(rel, 3, field))
    result = run(rel, path)
    assert result.failed == 1 and result.failures[0].id == f"{UP}{rel}#4"


def test_a_b58_string_of_another_account_fails(tmp_path: Path) -> None:
    rel = "b58_encodings/b58_encode_public_address_without_fog.jsonl"
    other = json.loads((CONFORMANCE_ROOT / UP / rel).read_text().splitlines()[0])["b58_encoded"]
    result = run(rel, _tampered(tmp_path, rel, 5, "b58_encoded", other))
    assert (result.passed, result.failed) == (9, 1)
    assert "b58" in result.failures[0].reason


def test_a_malformed_case_is_a_named_failure(tmp_path: Path) -> None:
    rel = "account_keys/acct_priv_keys_from_root_entropy.jsonl"
    result = run(rel, _tampered(tmp_path, rel, 0, "root_entropy", "not bytes"))
    assert (result.passed, result.failed) == (9, 1)
    assert result.failures[0].id.endswith("#1")
    assert "malformed vector" in result.failures[0].reason
