"""What the ledger stores where: the LMDB databases, their keys and value encodings.

Mirrors MobileCoin ``ledger/db/src/ledger_db.rs`` (``*_DB_NAME``, ``NUM_BLOCKS_KEY``,
``u64_to_key_bytes``, ``TxOutsByBlockValue``) and ``ledger/db/src/tx_out_store.rs``
(``tx_out_store:*``). One LMDB environment per directory, with these named databases:

=========================================  =========================================================
``ledger_db:counts``                       ``b"num_blocks"`` -> BE64
``ledger_db:blocks``                       BE64(block index) -> protobuf ``Block``
``ledger_db:block_signatures``             BE64(block index) -> protobuf ``BlockSignature``
``ledger_db:key_images``                   key image (32) -> BE64(block index where it was spent)
``ledger_db:key_images_by_block``          BE64(block index) -> protobuf ``KeyImageList``
``ledger_db:tx_outs_by_block``             BE64(block index) -> ``{first_tx_out_index=1,
                                           num_tx_outs=2}`` (protobuf varints)
``ledger_db:block_number_by_tx_out_index`` BE64(TxOut index) -> BE64(block index)
``tx_out_store:counts``                    ``b"num_tx_outs"`` -> BE64
``tx_out_store:tx_out_by_index``           BE64(TxOut index) -> protobuf ``TxOut``
``tx_out_store:tx_out_index_by_hash``      ``TxOut::hash()`` (32) -> BE64(TxOut index)
``tx_out_store:tx_out_index_by_public_key`` public key (32) -> BE64(TxOut index)
``tx_out_store:merkle_hash_by_range``      BE64(from) || BE64(to) -> 32-byte node hash
``mcref:meta``                             ``b"format"`` -> :data:`FORMAT_MARKER`
=========================================  =========================================================

LMDB's unnamed main database (``MAIN_DBI``) holds exactly these 13 names. Beside ``data.mdb``
the directory holds the tip journal (``refimpl/ledger/journal.py``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TypeVar

from refimpl import protobuf as pb
from refimpl.errors import LedgerError, RefImplError

#: The value of ``mcref:meta/format``: what tells an mcref ledger from any other directory.
FORMAT_MARKER = b"mcref-ledger/1"
#: Address space reserved for the memory map (the file grows only as data is written).
DEFAULT_MAP_SIZE = 1 << 34

DB_COUNTS = b"ledger_db:counts"
DB_BLOCKS = b"ledger_db:blocks"
DB_BLOCK_SIGNATURES = b"ledger_db:block_signatures"
DB_KEY_IMAGES = b"ledger_db:key_images"
DB_KEY_IMAGES_BY_BLOCK = b"ledger_db:key_images_by_block"
DB_TX_OUTS_BY_BLOCK = b"ledger_db:tx_outs_by_block"
DB_BLOCK_NUMBER_BY_TX_OUT_INDEX = b"ledger_db:block_number_by_tx_out_index"
DB_TX_OUT_COUNTS = b"tx_out_store:counts"
DB_TX_OUT_BY_INDEX = b"tx_out_store:tx_out_by_index"
DB_TX_OUT_INDEX_BY_HASH = b"tx_out_store:tx_out_index_by_hash"
DB_TX_OUT_INDEX_BY_PUBLIC_KEY = b"tx_out_store:tx_out_index_by_public_key"
DB_MERKLE_HASH_BY_RANGE = b"tx_out_store:merkle_hash_by_range"
DB_META = b"mcref:meta"

ALL_DBS = (
    DB_COUNTS, DB_BLOCKS, DB_BLOCK_SIGNATURES, DB_KEY_IMAGES, DB_KEY_IMAGES_BY_BLOCK,
    DB_TX_OUTS_BY_BLOCK, DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, DB_TX_OUT_COUNTS, DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_INDEX_BY_HASH, DB_TX_OUT_INDEX_BY_PUBLIC_KEY, DB_MERKLE_HASH_BY_RANGE, DB_META,
)
NUM_BLOCKS_KEY = b"num_blocks"
NUM_TX_OUTS_KEY = b"num_tx_outs"
FORMAT_KEY = b"format"

_BE64 = struct.Struct(">Q")
_T = TypeVar("_T")


def be64(n: int) -> bytes:
    """``u64_to_key_bytes``: big-endian, so LMDB's byte order is numeric order."""
    return _BE64.pack(n)


def from_be64(data: bytes) -> int:
    """``key_bytes_to_u64``; anything but 8 bytes is ``ledger.corrupted``."""
    if len(data) != 8:
        raise LedgerError("ledger.corrupted", "a stored u64 is not 8 bytes")
    value: int = _BE64.unpack(data)[0]
    return value


def block_key(index: int) -> bytes:
    """The key of block ``index``; an index outside u64 names no block."""
    if not 0 <= index < 2**64:
        raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
    return _BE64.pack(index)


def tx_out_key(index: int) -> bytes:
    """The key of TxOut ``index``; an index outside u64 names no TxOut."""
    if not 0 <= index < 2**64:
        raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
    return _BE64.pack(index)


def range_key(from_: int, to: int) -> bytes:
    """The ``merkle_hash_by_range`` key: ``BE64(from) || BE64(to)``."""
    return _BE64.pack(from_) + _BE64.pack(to)


def range_from_key(key: bytes) -> tuple[int, int] | None:
    """``(from, to)`` of a ``merkle_hash_by_range`` key, ``None`` when it is not 16 bytes."""
    if len(key) != 16:
        return None
    return _BE64.unpack(key[:8])[0], _BE64.unpack(key[8:])[0]


def decoded(decode: Callable[[bytes], _T], data: bytes, what: str) -> _T:
    """Decode stored bytes; a typed decoding error means the store is corrupted."""
    try:
        return decode(data)
    except RefImplError as exc:
        raise LedgerError("ledger.corrupted", f"stored {what} does not decode: {exc}") from None


def tx_outs_by_block_value(first: int, count: int) -> bytes:
    """``TxOutsByBlockValue { uint64 first_tx_out_index = 1; uint64 num_tx_outs = 2; }``."""
    return (pb.varint_field(1, first) if first else b"") + (
        pb.varint_field(2, count) if count else b""
    )


def tx_outs_by_block_from_value(data: bytes) -> tuple[int, int]:
    """``(first_tx_out_index, num_tx_outs)`` of a stored ``TxOutsByBlockValue``."""
    fields = pb.Fields(data)
    return fields.get_uint(1), fields.get_uint(2)
