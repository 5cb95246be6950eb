"""MobileCoin's account-key, SLIP-10 and b58 vectors: every case passes (notes §8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refimpl.vectors import registry, upstream_accounts
from refimpl.vectors.runner import CONFORMANCE_ROOT

UP = "upstream/mobilecoin/"
EXPECTED = {
    "account_keys/acct_priv_keys_from_root_entropy.jsonl": ("run_root_entropy", 10),
    "account_keys/acct_priv_keys_from_bip39.jsonl": ("run_bip39", 48),
    "account_keys/default_subaddr_keys_from_acct_priv_keys.jsonl": ("run_default_subaddress", 10),
    "account_keys/subaddr_keys_from_acct_priv_keys.jsonl": ("run_subaddress", 10),
    "core/slip10_key.json": ("run_slip10_key", 12),
    "core/slip10_mnemonic.json": ("run_slip10_mnemonic", 48),
    "b58_encodings/b58_encode_public_address_without_fog.jsonl": ("run_b58", 10),
    "b58_encodings/b58_encode_public_address_with_fog.jsonl": ("run_b58_fog", 10),
}


@pytest.mark.parametrize(("rel", "runner_and_count"), sorted(EXPECTED.items()))
def test_every_case_passes(rel: str, runner_and_count: tuple[str, int]) -> None:
    name, count = runner_and_count
    assert registry.FILES[UP + rel] == f"refimpl.vectors.upstream_accounts:{name}"
    result = getattr(upstream_accounts, name)(CONFORMANCE_ROOT / UP / rel, UP + rel)
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
    ("rel", "name", "field"),
    [
        ("account_keys/acct_priv_keys_from_root_entropy.jsonl", "run_root_entropy",
         "view_private_key"),
        ("account_keys/acct_priv_keys_from_bip39.jsonl", "run_bip39", "entropy"),
        ("account_keys/subaddr_keys_from_acct_priv_keys.jsonl", "run_subaddress",
         "subaddress_spend_public_key"),
        ("b58_encodings/b58_encode_public_address_with_fog.jsonl", "run_b58_fog",
         "fog_authority_sig"),
    ],
)
def test_a_tampered_case_fails_by_line(tmp_path: Path, rel: str, name: str, field: str) -> None:
    path = _tampered(tmp_path, rel, 3, field, _flip_first_byte(rel, 3, field))
    result = getattr(upstream_accounts, name)(path, rel)
    assert result.failed == 1 and result.failures[0].startswith("line 4:")


def test_a_b58_string_of_another_account_fails(tmp_path: Path) -> None:
    rel = "b58_encodings/b58_encode_public_address_without_fog.jsonl"
    other = json.loads((CONFORMANCE_ROOT / UP / rel).read_text().splitlines()[0])["b58_encoded"]
    result = upstream_accounts.run_b58(_tampered(tmp_path, rel, 5, "b58_encoded", other), rel)
    assert (result.passed, result.failed) == (9, 1)


def test_a_malformed_case_is_a_named_failure(tmp_path: Path) -> None:
    rel = "account_keys/acct_priv_keys_from_root_entropy.jsonl"
    result = upstream_accounts.run_root_entropy(
        _tampered(tmp_path, rel, 0, "root_entropy", "not bytes"), rel
    )
    assert result.failed == 1 and "ValueError" in result.failures[0]
