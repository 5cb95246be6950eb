"""``verify_ledger`` checks every named database against a recomputation from the blocks: one
test per kind of damage, injected with raw LMDB writes into a copy of a sound ledger.

The issue's examples: an injected key-image entry (an unspent key image reports spent), a block
stored past the tip, a signature deleted or moved. MobileCoin's ``LedgerDB``
(``ledger/db/src/ledger_db.rs``) trusts these indexes; nothing there re-derives them.

The ledger: 5 blocks of 3 TxOuts (block b holds TxOuts 3b..3b+2), 2 key images in each block
after the origin, every block signed but block 3.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from refimpl import protobuf as pb
from refimpl.errors import CODES, LedgerError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.store import (
    DB_BLOCK_NUMBER_BY_TX_OUT_INDEX,
    DB_BLOCK_SIGNATURES,
    DB_BLOCKS,
    DB_COUNTS,
    DB_KEY_IMAGES,
    DB_KEY_IMAGES_BY_BLOCK,
    DB_MERKLE_HASH_BY_RANGE,
    DB_META,
    DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_COUNTS,
    DB_TX_OUT_INDEX_BY_HASH,
    DB_TX_OUT_INDEX_BY_PUBLIC_KEY,
    DB_TX_OUTS_BY_BLOCK,
    LedgerStore,
    be64,
    range_key,
    tx_outs_by_block_value,
)
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.ledger.verify import verify_path
from tests.unit.ledger import _damage

BLOCKS = 5
TX_OUTS = 15
UNSIGNED = 3
Ledger = tuple[Path, list[tuple[Block, BlockContents]]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    path = tmp_path_factory.mktemp("sound") / "ledger"
    return path, _damage.build(path, BLOCKS, unsigned=[UNSIGNED])


@pytest.fixture
def ledger(built: Ledger, tmp_path: Path) -> Ledger:
    return _damage.copy(built[0], tmp_path / "copy"), built[1]


def fault(path: Path) -> tuple[int | None, str]:
    report = verify_path(path)
    assert report.fault is not None, "verify missed the damage"
    assert report.fault.code in CODES
    return report.fault.index, report.fault.code


def open_code(path: Path) -> str | None:
    """The code an ordinary read-only open refuses with, ``None`` if it opens."""
    try:
        LedgerStore.open(path, read_only=True).close()
    except LedgerError as exc:
        return exc.code
    return None


def fresh_key_image() -> bytes:
    return SyntheticSource(b"never spent").key_image().to_bytes()


def test_the_sound_ledger_verifies(ledger: Ledger) -> None:
    report = verify_path(ledger[0])
    assert report.ok and report.num_blocks == BLOCKS and report.num_tx_outs == TX_OUTS
    assert report.signed_blocks == BLOCKS - 1 and report.journal_records == BLOCKS


# --- key images ----------------------------------------------------------------------------------
def test_an_injected_key_image_entry(ledger: Ledger) -> None:
    """The issue's example: an unspent key image made to report spent (in block 2)."""
    path, _blocks = ledger
    image = fresh_key_image()
    _damage.put(path, DB_KEY_IMAGES, image, be64(2))
    with LedgerStore.open(path, read_only=True) as store:  # the damage is real...
        assert store.check_key_image(SyntheticSource(b"never spent").key_image()) == 2
    assert fault(path) == (2, "ledger.extra_entry")  # ...and verify names it


def test_a_key_image_entry_naming_a_block_past_the_tip(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_KEY_IMAGES, fresh_key_image(), be64(99))
    assert fault(ledger[0]) == (None, "ledger.extra_entry")


def test_a_deleted_key_image_entry(ledger: Ledger) -> None:
    path, blocks = ledger
    _damage.delete(path, DB_KEY_IMAGES, blocks[3][1].key_images[1].to_bytes())
    assert fault(path) == (3, "ledger.missing_entry")


def test_a_key_image_entry_naming_another_block(ledger: Ledger) -> None:
    path, blocks = ledger
    _damage.put(path, DB_KEY_IMAGES, blocks[2][1].key_images[0].to_bytes(), be64(4))
    assert fault(path) == (2, "ledger.wrong_entry")


def test_a_key_image_list_past_the_tip(ledger: Ledger) -> None:
    path = ledger[0]
    _damage.put(path, DB_KEY_IMAGES_BY_BLOCK, be64(BLOCKS),
                _damage.get(path, DB_KEY_IMAGES_BY_BLOCK, be64(1)))
    assert fault(path) == (BLOCKS, "ledger.past_tip")


# --- blocks and signatures -----------------------------------------------------------------------
def test_a_block_stored_past_the_tip(ledger: Ledger) -> None:
    """The issue's example: a block beyond num_blocks went unnoticed."""
    path = ledger[0]
    _damage.put(path, DB_BLOCKS, be64(7), _damage.get(path, DB_BLOCKS, be64(4)))
    assert open_code(path) == "ledger.past_tip"
    assert fault(path) == (7, "ledger.past_tip")


def test_a_deleted_signature(ledger: Ledger) -> None:
    """The issue's example: the signature of a block in the middle deleted. Opening checks only
    the last journal record; verify compares every one."""
    path = ledger[0]
    _damage.delete(path, DB_BLOCK_SIGNATURES, be64(1))
    assert open_code(path) is None
    assert fault(path) == (1, "ledger.journal_mismatch")


@pytest.mark.parametrize("target", [UNSIGNED, 2, 8])
def test_a_moved_signature(ledger: Ledger, target: int) -> None:
    """Block 1's signature moved to the unsigned block, onto another signed block, past the tip:
    block 1 lost its signature (the journal recorded it)."""
    path = ledger[0]
    signature = _damage.get(path, DB_BLOCK_SIGNATURES, be64(1))
    _damage.delete(path, DB_BLOCK_SIGNATURES, be64(1))
    _damage.put(path, DB_BLOCK_SIGNATURES, be64(target), signature)
    assert fault(path) == (1, "ledger.journal_mismatch")


def test_a_signature_copied_onto_the_unsigned_block(ledger: Ledger) -> None:
    path = ledger[0]
    _damage.put(path, DB_BLOCK_SIGNATURES, be64(UNSIGNED),
                _damage.get(path, DB_BLOCK_SIGNATURES, be64(1)))
    assert fault(path) == (UNSIGNED, "ledger.bad_block_signature")


def test_a_signature_stored_for_a_block_past_the_tip(ledger: Ledger) -> None:
    path = ledger[0]
    _damage.put(path, DB_BLOCK_SIGNATURES, be64(6),
                _damage.get(path, DB_BLOCK_SIGNATURES, be64(1)))
    assert fault(path) == (6, "ledger.past_tip")


# --- TxOuts and their indexes --------------------------------------------------------------------
def test_a_tx_out_stored_past_the_last(ledger: Ledger) -> None:
    path = ledger[0]
    _damage.put(path, DB_TX_OUT_BY_INDEX, be64(TX_OUTS),
                _damage.get(path, DB_TX_OUT_BY_INDEX, be64(4)))
    assert fault(path) == (None, "ledger.past_tip")


def test_a_deleted_tx_out(ledger: Ledger) -> None:
    _damage.delete(ledger[0], DB_TX_OUT_BY_INDEX, be64(7))
    assert fault(ledger[0]) == (2, "ledger.missing_entry")


def test_a_wrong_tx_out_range_of_a_block(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_TX_OUTS_BY_BLOCK, be64(2), tx_outs_by_block_value(5, 3))
    assert fault(ledger[0]) == (2, "ledger.wrong_entry")


def test_a_block_number_entry_past_the_last_tx_out(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, be64(20), be64(4))
    assert fault(ledger[0]) == (None, "ledger.past_tip")


def test_a_wrong_block_number_of_a_tx_out(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, be64(7), be64(3))
    assert fault(ledger[0]) == (2, "ledger.wrong_entry")


def test_an_injected_public_key_entry(ledger: Ledger) -> None:
    """A public key no output has, pointing at TxOut 4 (block 1): the key would look used."""
    _damage.put(ledger[0], DB_TX_OUT_INDEX_BY_PUBLIC_KEY, b"\x42" * 32, be64(4))
    assert fault(ledger[0]) == (1, "ledger.extra_entry")


def test_a_stale_hash_entry(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_TX_OUT_INDEX_BY_HASH, b"\x24" * 32, be64(99))
    assert fault(ledger[0]) == (None, "ledger.extra_entry")


def test_a_hash_entry_naming_another_tx_out(ledger: Ledger) -> None:
    path, blocks = ledger
    _damage.put(path, DB_TX_OUT_INDEX_BY_HASH, blocks[1][1].outputs[2].hash(), be64(6))
    assert fault(path) == (1, "ledger.wrong_entry")


def test_a_deleted_public_key_entry(ledger: Ledger) -> None:
    path, blocks = ledger
    _damage.delete(path, DB_TX_OUT_INDEX_BY_PUBLIC_KEY,
                   blocks[4][1].outputs[0].public_key.to_bytes())
    assert fault(path) == (4, "ledger.missing_entry")


# --- the Merkle tree -----------------------------------------------------------------------------
def test_a_changed_merkle_hash_names_the_block_that_wrote_it(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_MERKLE_HASH_BY_RANGE, range_key(6, 7), b"\x09" * 32)
    assert fault(ledger[0]) == (2, "ledger.merkle_hash_mismatch")


def test_a_merkle_hash_past_the_last_tx_out(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_MERKLE_HASH_BY_RANGE, range_key(16, 16), b"\x09" * 32)
    assert fault(ledger[0]) == (None, "ledger.past_tip")


def test_a_merkle_hash_of_no_tree_range(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_MERKLE_HASH_BY_RANGE, range_key(1, 2), b"\x09" * 32)
    assert fault(ledger[0]) == (0, "ledger.extra_entry")


def test_a_deleted_merkle_hash(ledger: Ledger) -> None:
    _damage.delete(ledger[0], DB_MERKLE_HASH_BY_RANGE, range_key(0, 1))
    assert fault(ledger[0]) == (BLOCKS - 1, "ledger.missing_entry")


# --- canonical bytes -----------------------------------------------------------------------------
UNKNOWN_FIELD = pb.varint_field(15, 1)  # decoders skip unknown fields, as prost does


def _unknown_field_in_each_key_image(raw: bytes) -> bytes:
    """``KeyImageList`` whose ``KeyImage`` messages carry an unknown field (the list itself
    admits only tag 1)."""
    return b"".join(pb.bytes_field(1, field.value + UNKNOWN_FIELD)
                    for field in pb.parse_fields(raw) if isinstance(field.value, bytes))


@pytest.mark.parametrize(("db", "key", "block", "mangle"), [
    (DB_BLOCKS, be64(1), 1, lambda raw: raw + UNKNOWN_FIELD),
    (DB_TX_OUT_BY_INDEX, be64(10), 3, lambda raw: raw + UNKNOWN_FIELD),
    (DB_BLOCK_SIGNATURES, be64(2), 2, lambda raw: raw + UNKNOWN_FIELD),
    (DB_KEY_IMAGES_BY_BLOCK, be64(4), 4, _unknown_field_in_each_key_image),
])
def test_stored_bytes_that_are_not_canonical(ledger: Ledger, db: bytes, key: bytes, block: int,
                                             mangle: Callable[[bytes], bytes]) -> None:
    """Bytes that decode to the same value, so every hash and signature still checks out."""
    path = ledger[0]
    raw = _damage.get(path, db, key)
    assert mangle(raw) != raw
    _damage.put(path, db, key, mangle(raw))
    assert fault(path) == (block, "ledger.non_canonical")


def test_a_tx_out_range_that_is_not_canonical(ledger: Ledger) -> None:
    """``{first: 6, count: 3}`` with the count written twice (protobuf: the last one wins)."""
    value = tx_outs_by_block_value(6, 3) + pb.varint_field(2, 3)
    _damage.put(ledger[0], DB_TX_OUTS_BY_BLOCK, be64(2), value)
    assert fault(ledger[0]) == (2, "ledger.non_canonical")


# --- counts, meta, the database set --------------------------------------------------------------
@pytest.mark.parametrize("db", [DB_COUNTS, DB_TX_OUT_COUNTS, DB_META])
def test_an_extra_key_in_a_single_record_database(ledger: Ledger, db: bytes) -> None:
    _damage.put(ledger[0], db, b"intruder", be64(1))
    assert fault(ledger[0]) == (None, "ledger.extra_entry")


def test_a_wrong_tx_out_count(ledger: Ledger) -> None:
    _damage.put(ledger[0], DB_TX_OUT_COUNTS, b"num_tx_outs", be64(TX_OUTS - 1))
    assert open_code(ledger[0]) == "ledger.corrupted"
    assert fault(ledger[0]) == (BLOCKS - 1, "ledger.wrong_entry")


def test_an_extra_named_database(ledger: Ledger) -> None:
    _damage.add_database(ledger[0], b"intruder")
    assert fault(ledger[0]) == (None, "ledger.bad_database_set")
