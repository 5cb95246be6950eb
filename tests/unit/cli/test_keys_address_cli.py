"""``mcref keys derive`` and ``mcref address decode|encode``: JSON fields, typed one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from refimpl.account import b58
from refimpl.account.keys import AccountKey
from refimpl.cli import main

ROOT = Path(__file__).resolve().parents[3]
ENTROPY_1 = "01" * 32
ABANDON_12 = " ".join(["abandon"] * 11 + ["about"])
B58_DIR = ROOT / "conformance/upstream/mobilecoin/b58_encodings"


def _vector(name: str, line: int) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((B58_DIR / name).read_text().splitlines()[line])
    return doc


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> dict[str, Any]:
    assert main(argv) == code
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def test_keys_derive_root_entropy_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, ["keys", "derive", "--root-entropy", ENTROPY_1, "--subaddress", "7",
                         "--json"])
    account = AccountKey.from_root_entropy(bytes([1]) * 32)
    assert doc["view_private_key"] == account.view_private.hex()
    assert doc["spend_private_key"] == account.spend_private.hex()
    assert doc["b58_address"] == _vector("b58_encode_public_address_without_fog.jsonl", 1)[
        "b58_encoded"
    ]
    assert doc["default_subaddress"]["index"] == 0
    assert doc["change_subaddress"]["index"] == 2**64 - 2
    assert doc["change_subaddress"]["spend_public_key"] == account.change_subaddress(
    ).spend_public.hex()
    assert doc["subaddress"]["index"] == 7
    assert doc["subaddress"]["view_public_key"] == account.subaddress(7).view_public.hex()
    assert "fog" not in doc


def test_keys_derive_mnemonic_with_fog_reproduces_the_vector_signature(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _json(capsys, ["keys", "derive", "--root-entropy", ENTROPY_1, "--fog-report-url",
                         "fog://example.com", "--fog-authority-spki", "", "--json"])
    assert doc["b58_address"] == _vector("b58_encode_public_address_with_fog.jsonl", 1)[
        "b58_encoded"
    ]
    assert doc["fog"] == {"report_url": "fog://example.com", "report_id": "", "authority_spki": ""}
    m0 = _json(capsys, ["keys", "derive", "--mnemonic", ABANDON_12, "--json"])
    m1 = _json(capsys, ["keys", "derive", "--mnemonic", ABANDON_12, "--account-index", "1",
                        "--json"])
    assert m0["view_private_key"].startswith("bc81a371")  # acct_priv_keys_from_bip39 line 1
    assert m0["view_private_key"] != m1["view_private_key"]


def test_keys_derive_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "derive", "--root-entropy", ENTROPY_1]) == 0
    out = capsys.readouterr().out
    assert "b58_address: " + _vector("b58_encode_public_address_without_fog.jsonl", 1)[
        "b58_encoded"
    ] in out
    assert "change_subaddress 18446744073709551614:" in out


def test_address_decode_every_field_and_fog_verification(
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = _vector("b58_encode_public_address_with_fog.jsonl", 2)
    doc = _json(capsys, ["address", "decode", case["b58_encoded"], "--json"])
    assert doc["view_public_key"] == bytes(case["view_public_key"]).hex()
    assert doc["spend_public_key"] == bytes(case["spend_public_key"]).hex()
    assert doc["fog_report_url"] == "fog://example.com" and doc["fog_report_id"] == ""
    assert doc["fog_authority_sig"] == bytes(case["fog_authority_sig"]).hex()
    assert doc["has_fog"] is True and doc["fog_signature_verified"] is None
    assert doc["b58"] == case["b58_encoded"]
    verified = _json(capsys, ["address", "decode", case["b58_encoded"], "--fog-authority-spki",
                              "", "--json"])
    assert verified["fog_signature_verified"] is True
    wrong = _json(capsys, ["address", "decode", case["b58_encoded"], "--fog-authority-spki",
                           "3000", "--json"], code=1)
    assert wrong["fog_signature_verified"] is False
    assert wrong["fog_signature_error"].startswith("error[address.bad_fog_signature]")


def test_address_encode_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    case = _vector("b58_encode_public_address_with_fog.jsonl", 4)
    argv = ["address", "encode", "--view-public", bytes(case["view_public_key"]).hex(),
            "--spend-public", bytes(case["spend_public_key"]).hex(),
            "--fog-report-url", case["fog_report_url"],
            "--fog-authority-sig", bytes(case["fog_authority_sig"]).hex()]
    assert main(argv) == 0
    assert capsys.readouterr().out == case["b58_encoded"] + "\n"
    doc = _json(capsys, [*argv, "--json"])
    assert doc["b58"] == case["b58_encoded"]
    assert b58.decode_public_address(doc["b58"]).fog_report_url == "fog://example.com"


VIEW = "78901c11834e842df6be98c127953513e116095d4122cc27d807b4511cb81e11"
VALID_B58 = _vector("b58_encode_public_address_without_fog.jsonl", 0)["b58_encoded"]
BAD_INPUTS = [
    (["keys", "derive", "--root-entropy", "xyz"], "encoding.bad_hex"),
    (["keys", "derive", "--root-entropy", "00" * 31], "encoding.bad_length"),
    (["keys", "derive", "--mnemonic", "abandon " * 11 + "zzz"], "account.bad_mnemonic_word"),
    (["keys", "derive", "--mnemonic", "abandon " * 11], "account.bad_mnemonic_length"),
    (["keys", "derive", "--mnemonic", "abandon " * 12], "account.bad_mnemonic_checksum"),
    (["keys", "derive", "--mnemonic", ABANDON_12, "--account-index", "2147483648"],
     "account.bad_account_index"),
    (["keys", "derive", "--root-entropy", ENTROPY_1, "--subaddress", str(2**64)],
     "account.bad_subaddress_index"),
    (["keys", "derive", "--root-entropy", ENTROPY_1, "--fog-report-id", "1"],
     "account.fog_incomplete"),
    (["keys", "derive", "--root-entropy", ENTROPY_1, "--fog-report-url", "http://x"],
     "address.bad_fog_url"),
    (["keys", "derive"], "cli.usage"),
    (["address", "decode", VALID_B58[:-2] + "zz"], "encoding.bad_checksum"),
    (["address", "decode", VALID_B58 + "0"], "encoding.bad_base58"),
    (["address", "decode", "2"], "encoding.too_short"),
    (["address", "decode", VALID_B58, "--fog-authority-spki", "0g"], "encoding.bad_hex"),
    (["address", "encode", "--view-public", VIEW, "--spend-public", "ff" * 32],
     "crypto.non_canonical_point"),
    (["address", "encode", "--view-public", VIEW[:-2], "--spend-public", VIEW],
     "encoding.bad_length"),
    (["address", "encode", "--view-public", VIEW, "--spend-public", VIEW,
      "--fog-authority-sig", "00"], "account.fog_incomplete"),
]


@pytest.mark.parametrize(("argv", "code"), BAD_INPUTS)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: str
) -> None:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse usage errors exit from the parser
        status = int(str(exc.code))
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"error[{code}]: ")


def test_console_entry_point_in_a_subprocess() -> None:
    env = dict(os.environ, TMPDIR=os.environ.get("TMPDIR", str(ROOT / ".tmp")))
    ok = subprocess.run(
        [sys.executable, "-m", "refimpl.cli", "address", "decode", VALID_B58, "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["b58"] == VALID_B58
    bad = subprocess.run(
        [sys.executable, "-m", "refimpl.cli", "keys", "derive", "--mnemonic", "not a phrase"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error[account.bad_mnemonic_")
