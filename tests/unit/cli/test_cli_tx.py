"""``mcref tx build``: descriptions with synthesized or given TxOuts, output forms, typed errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refimpl.account import b58
from refimpl.account.keys import AccountKey
from refimpl.cli import main
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Scalar
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.rct_signature import verify_tx
from refimpl.transaction.tx import Tx, tx_out_to_protobuf
from refimpl.transaction.tx_out import TxOut

SENDER_ENTROPY = "02" * 32
RECIPIENT = AccountKey.from_root_entropy(bytes([9]) * 32)
ABANDON_12 = " ".join(["abandon"] * 11 + ["about"])


def _description(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "block_version": 3,
        "seed": "07" * 32,
        "sender": {"root_entropy": SENDER_ENTROPY},
        "inputs": [{"value": 10_000, "token_id": 0}],
        "ring_candidates": [{"synthesize": 4, "value": 5}],
        "outputs": [{"recipient": b58.encode_public_address(RECIPIENT.default_subaddress()),
                     "value": 2_500, "payment_request_id": 3}],
        "fee": 400,
        "tombstone_block": 20,
        "ring_size": 5,
    }
    doc.update(overrides)
    return doc


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "tx.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def test_build_json_summary_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tx", "build", _write(tmp_path, _description()), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    tx = Tx.from_protobuf(bytes.fromhex(doc["tx"]))
    verify_tx(tx, 3, std_rng_from_seed(bytes(32)))
    assert doc["tx_hash"] == tx.hash().hex()
    assert (doc["inputs"], doc["ring_size"], doc["outputs"], doc["fee"]) == (1, 5, 2, 400)
    paid = [o for o in tx.prefix.outputs if _value_for(o, RECIPIENT) is not None]
    assert [_value_for(o, RECIPIENT) for o in paid] == [2_500]


def _value_for(out: TxOut, account: AccountKey) -> int | None:
    from refimpl.errors import RefImplError

    try:
        amount, _ss = out.view_key_match(account.view_private)
    except RefImplError:
        return None
    return amount.value


def test_hex_output_is_deterministic_and_out_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, _description(block_version=1, ring_size=2))
    assert main(["tx", "build", path]) == 0
    first = capsys.readouterr().out.strip()
    out_file = tmp_path / "tx.hex"
    assert main(["tx", "build", path, "--out", str(out_file)]) == 0
    assert capsys.readouterr().out == ""
    assert out_file.read_text().strip() == first
    verify_tx(Tx.from_protobuf(bytes.fromhex(first)), 1, std_rng_from_seed(bytes(32)))


def test_given_tx_outs_and_mnemonic_sender(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sender = AccountKey.from_mnemonic(ABANDON_12, 0)
    rng = std_rng_from_seed(bytes([5]) * 32)

    def out_to(account: AccountKey, value: int, index: int = 0) -> str:
        tx_out = TxOut.new(2, Amount(value), account.subaddress(index), Scalar.random(rng),
                           EncryptedFogHint.zero())
        return tx_out_to_protobuf(tx_out).hex()

    doc = _description(
        block_version=2,
        sender={"mnemonic": ABANDON_12, "account_index": 0},
        inputs=[{"tx_out": out_to(sender, 5_000, 4), "subaddress_index": 4}],
        ring_candidates=[{"tx_out": out_to(RECIPIENT, 1)} for _ in range(3)],
        outputs=[{"recipient": {
            "view_public_key": RECIPIENT.default_subaddress().view_public.hex(),
            "spend_public_key": RECIPIENT.default_subaddress().spend_public.hex()},
            "value": 100}],
        ring_size=4,
        memo_policy="none",
    )
    assert main(["tx", "build", _write(tmp_path, doc), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    tx = Tx.from_protobuf(bytes.fromhex(summary["tx"]))
    verify_tx(tx, 2, std_rng_from_seed(bytes(32)))
    assert summary["ring_size"] == 4


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"seed": None}, "tx.builder_bad_description"),
        ({"seed": "00"}, "encoding.bad_length"),
        ({"fee": -1}, "tx.builder_bad_description"),
        ({"fee": "400"}, "tx.builder_bad_description"),
        ({"memo_policy": "all"}, "tx.builder_bad_description"),
        ({"sender": {}}, "tx.builder_bad_description"),
        ({"inputs": [7]}, "tx.builder_bad_description"),
        ({"outputs": [{"recipient": 5, "value": 1}]}, "tx.builder_bad_description"),
        ({"fee": 10**9}, "tx.builder_insufficient_funds"),
        ({"ring_candidates": []}, "tx.builder_not_enough_ring_members"),
        ({"inputs": [{"tx_out": "0a05"}]}, "encoding.bad_protobuf"),
        ({"inputs": [{"tx_out": "0a00"}]}, "tx.builder_input_not_owned"),
        ({"block_version": 5}, "tx.bad_block_version"),
    ],
)
def test_bad_descriptions_are_one_line_typed_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], overrides: dict[str, Any], code: str
) -> None:
    doc = _description(**overrides)
    for key in [k for k, v in overrides.items() if v is None]:
        del doc[key]
    assert main(["tx", "build", _write(tmp_path, doc)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error[{code}]") and "\n" not in err


def test_unreadable_and_non_json_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tx", "build", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith("error[cli.file_not_found]")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["tx", "build", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("error[encoding.bad_json]")
