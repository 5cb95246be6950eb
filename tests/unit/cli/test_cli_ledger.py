"""``mcref ledger init|show|verify``: demo origin, views of the chain, verification that names
the first bad block (exit 1), and one-line errors for what is not a sound ledger (exit 2).
Filesystem refusals and read-only ledgers: tests/unit/cli/test_cli_ledger_fs.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from refimpl.cli import main
from refimpl.ledger.block import BlockContents, compute_block_id
from refimpl.ledger.block_protobuf import block_to_protobuf, key_images_to_protobuf
from refimpl.ledger.journal import JOURNAL_FILE
from refimpl.ledger.origin import DEMO_VALUE, demo_accounts, demo_block_signer
from refimpl.ledger.signature import sign
from refimpl.ledger.store import (
    DB_BLOCK_SIGNATURES,
    DB_BLOCKS,
    DB_KEY_IMAGES_BY_BLOCK,
    DB_MERKLE_HASH_BY_RANGE,
    DB_TX_OUT_INDEX_BY_HASH,
    LedgerStore,
    be64,
    range_key,
)
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.ledger.verify import expected_range_count


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def grown_ledger(path: Path, capsys: pytest.CaptureFixture[str], blocks: int = 4) -> None:
    """A demo ledger plus signed synthetic blocks."""
    assert main(["ledger", "init", str(path), "--accounts", "2", "--json"]) == 0
    capsys.readouterr()
    key = demo_block_signer(b"mcref-demo")
    src = SyntheticSource(b"cli")
    with LedgerStore.open(path) as store:
        for _ in range(blocks):
            contents = src.contents(3, 2)
            block = store.block_for(contents)
            store.append_block(block, contents, sign(block, key))


def test_init_pays_the_demo_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "ledger", "init", str(tmp_path / "a"), "--accounts", "4")
    assert code == 0 and len(doc["accounts"]) == 4
    accounts = demo_accounts(b"mcref-demo", 4)
    with LedgerStore.open(tmp_path / "a") as store:
        assert store.num_blocks() == 1 and store.get_block(0).id.hex() == doc["origin_block_id"]
        for i, account in enumerate(accounts):
            amount, _ = store.get_tx_out(i).view_key_match(account.view_private)
            assert amount.value == DEMO_VALUE
    # the same seed gives the same origin; another seed another one
    _, again = run_json(capsys, "ledger", "init", str(tmp_path / "b"), "--accounts", "4")
    _, other = run_json(capsys, "ledger", "init", str(tmp_path / "c"), "--accounts", "4",
                        "--seed", "other")
    assert again["origin_block_id"] == doc["origin_block_id"] != other["origin_block_id"]
    assert main(["ledger", "init", str(tmp_path / "d")]) == 0
    assert "origin block" in capsys.readouterr().out


def test_init_rejections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ledger", "init", str(tmp_path / "a"), "--accounts", "0"]) == 2
    assert error_line(capsys).startswith("error[cli.usage]")
    assert main(["ledger", "init", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main(["ledger", "init", str(tmp_path / "a")]) == 2
    assert error_line(capsys).startswith("error[ledger.already_exists]")


def test_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grown_ledger(tmp_path / "l", capsys)
    code, doc = run_json(capsys, "ledger", "show", str(tmp_path / "l"))
    assert code == 0 and doc["num_blocks"] == 5 and doc["num_tx_outs"] == 2 + 4 * 3
    assert [b["index"] for b in doc["blocks"]] == list(range(5))
    blocks = doc["blocks"]
    assert all(blocks[i]["parent_id"] == blocks[i - 1]["id"] for i in range(1, 5))
    code, block = run_json(capsys, "ledger", "show", str(tmp_path / "l"), "--block", "3")
    assert code == 0 and block["id"] == doc["blocks"][3]["id"]
    assert len(block["key_images"]) == 2
    assert [o["tx_out_index"] for o in block["outputs"]] == [8, 9, 10]
    assert block["signature"]["signer"] == block["signer"]
    assert main(["ledger", "show", str(tmp_path / "l")]) == 0
    assert "5 blocks, 14 TxOuts" in capsys.readouterr().out
    assert main(["ledger", "show", str(tmp_path / "l"), "--block", "2"]) == 0
    assert "key images (2):" in capsys.readouterr().out
    assert main(["ledger", "show", str(tmp_path / "l"), "--block", "9"]) == 2
    assert error_line(capsys).startswith("error[ledger.block_index_out_of_bounds]")


def test_verify_sound_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grown_ledger(tmp_path / "l", capsys)
    code, doc = run_json(capsys, "ledger", "verify", str(tmp_path / "l"))
    assert code == 0 and doc["ok"] and doc["num_blocks"] == 5 and doc["signed_blocks"] == 5
    assert main(["ledger", "verify", str(tmp_path / "l")]) == 0
    assert capsys.readouterr().out.startswith("ok: 5 blocks")


def overwrite(path: Path, db: bytes, key: bytes, value: bytes) -> None:
    with LedgerStore.open(path) as store:
        with store._env.begin(write=True) as txn:
            txn.put(key, value, db=store._dbs[db])


def verify_fault(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, doc = run_json(capsys, "ledger", "verify", str(path))
    assert code == 1 and not doc["ok"]
    fault: dict[str, Any] = doc["first_bad_block"]
    return fault


def test_verify_names_a_bad_signature(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        wrong = sign(store.get_block(1), demo_block_signer(b"mcref-demo"))
    overwrite(path, DB_BLOCK_SIGNATURES, be64(2), wrong.to_protobuf())
    fault = verify_fault(path, capsys)
    assert fault["index"] == 2 and fault["code"] == "ledger.bad_block_signature"
    assert main(["ledger", "verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAIL: block 2: error[ledger.bad_block_signature]")


def test_verify_names_a_block_whose_contents_changed(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        kept = store.get_block_contents(3).key_images[:1]
    overwrite(path, DB_KEY_IMAGES_BY_BLOCK, be64(3), key_images_to_protobuf(kept))
    fault = verify_fault(path, capsys)
    assert fault["index"] == 3 and fault["code"] == "ledger.contents_hash_mismatch"


def test_verify_names_a_double_spend_across_blocks(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The last block rewritten (consistently hashed, unsigned) to spend block 2's key image."""
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        last = store.get_block(4)
        spent = store.get_block_contents(2).key_images[0]
        contents = store.get_block_contents(4)
    double = BlockContents((spent, *contents.key_images[1:]), contents.outputs)
    b = attrs.evolve(last, contents_hash=double.hash())
    b = attrs.evolve(b, id=compute_block_id(b.version, b.parent_id, b.index,
                                            b.cumulative_txo_count, b.root_element,
                                            b.contents_hash))
    with LedgerStore.open(path) as store:
        with store._env.begin(write=True) as txn:
            txn.put(be64(4), block_to_protobuf(b), db=store._dbs[DB_BLOCKS])
            txn.put(be64(4), key_images_to_protobuf(double.key_images),
                    db=store._dbs[DB_KEY_IMAGES_BY_BLOCK])
            txn.delete(be64(4), db=store._dbs[DB_BLOCK_SIGNATURES])
    fault = verify_fault(path, capsys)
    assert fault["index"] == 4 and fault["code"] == "ledger.key_image_spent"


def test_verify_names_a_broken_parent_link(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        last = store.get_block(4)
    b = attrs.evolve(last, parent_id=bytes(32))
    b = attrs.evolve(b, id=compute_block_id(b.version, b.parent_id, b.index,
                                            b.cumulative_txo_count, b.root_element,
                                            b.contents_hash))
    overwrite(path, DB_BLOCKS, be64(4), block_to_protobuf(b))
    fault = verify_fault(path, capsys)
    assert fault["index"] == 4 and fault["code"] == "ledger.bad_parent_id"


def test_not_a_ledger_or_corrupted_is_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("verify", "show"):
        assert main(["ledger", command, str(tmp_path)]) == 2
        assert error_line(capsys).startswith("error[ledger.not_a_ledger]")
    garbage = tmp_path / "g"
    garbage.mkdir()
    (garbage / "data.mdb").write_bytes(b"\x00" * 4096)  # refused before LMDB maps it
    assert main(["ledger", "verify", str(garbage)]) == 2
    assert error_line(capsys).startswith("error[ledger.bad_meta_page]")
    path = tmp_path / "l"
    grown_ledger(path, capsys, blocks=1)
    overwrite(path, DB_BLOCKS, be64(1), b"\xff\xff")
    assert main(["ledger", "show", str(path)]) == 2
    assert error_line(capsys).startswith("error[ledger.corrupted]")


def test_verify_catches_a_corrupted_merkle_hash_off_the_root_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A leaf hash does not feed the stored root (its parents are stored), yet proofs use it.
    The fault names block 0, whose TxOut the leaf is."""
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    overwrite(path, DB_MERKLE_HASH_BY_RANGE, range_key(0, 0), b"\x09" * 32)
    fault = verify_fault(path, capsys)
    assert fault["index"] == 0 and fault["code"] == "ledger.merkle_hash_mismatch"
    assert "[0, 0]" in fault["message"]


def test_verify_catches_a_wrong_tx_out_index(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        out = store.get_tx_out(5)
    overwrite(path, DB_TX_OUT_INDEX_BY_HASH, out.hash(), be64(6))
    fault = verify_fault(path, capsys)
    assert fault["index"] == 2 and fault["code"] == "ledger.wrong_entry"


def test_expected_range_count_matches_the_tree() -> None:
    from refimpl.transaction.membership_proofs.merkle import MerkleTree

    src = SyntheticSource(b"ranges")
    tree = MerkleTree()
    for n in range(1, 40):
        tree.append(src.tx_out())
        assert expected_range_count(n) == len(tree._hashes)


def test_verify_and_show_report_a_rollback_with_the_missing_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """data.mdb replaced by its copy from two blocks earlier: the tip journal leads the
    database. verify names block 3 (the first block lost); show refuses to show the older
    ledger."""
    path = tmp_path / "l"
    grown_ledger(path, capsys, blocks=2)
    older = (path / "data.mdb").read_bytes()
    key = demo_block_signer(b"mcref-demo")
    src = SyntheticSource(b"later")
    with LedgerStore.open(path) as store:
        for _ in range(2):
            contents = src.contents(3, 2)
            block = store.block_for(contents)
            store.append_block(block, contents, sign(block, key))
    (path / "data.mdb").write_bytes(older)
    fault = verify_fault(path, capsys)
    assert fault["index"] == 3 and fault["code"] == "ledger.rollback"
    assert main(["ledger", "verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAIL: block 3: error[ledger.rollback]")
    assert main(["ledger", "show", str(path)]) == 2
    assert error_line(capsys).startswith("error[ledger.rollback]")


def test_verify_reports_a_deleted_signature_and_a_missing_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "l"
    grown_ledger(path, capsys)
    with LedgerStore.open(path) as store:
        with store._env.begin(write=True) as txn:
            txn.delete(be64(2), db=store._dbs[DB_BLOCK_SIGNATURES])
    fault = verify_fault(path, capsys)
    assert fault["index"] == 2 and fault["code"] == "ledger.journal_mismatch"
    (path / JOURNAL_FILE).unlink()
    assert main(["ledger", "verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAIL: error[ledger.journal_missing]")
