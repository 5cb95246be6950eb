"""Protobuf encodings of blocks and key-image lists, as the LMDB ledger stores them.

MobileCoin ``api/proto/blockchain.proto`` (``Block``, ``BlockID``, ``BlockContentsHash``) and
``ledger/db/src/ledger_db.rs`` (``KeyImageList``).

``Block { BlockID id = 1; uint32 version = 2; BlockID parent_id = 3; uint64 index = 4;
uint64 cumulative_txo_count = 5; TxOutMembershipElement root_element = 6; BlockContentsHash
contents_hash = 7; }`` where ``BlockID`` and ``BlockContentsHash`` are ``{ bytes data = 1; }``
(always written, as prost writes present sub-messages); zero scalars are omitted (proto3).

``KeyImageList { repeated KeyImage key_images = 1; }`` with ``KeyImage { bytes data = 1; }``.

``BlockContents { repeated KeyImage key_images = 1; repeated TxOut outputs = 2; repeated
ValidatedMintConfigTx validated_mint_config_txs = 3; repeated MintTx mint_txs = 4; }`` (the
mint fields are always empty here).
"""

from __future__ import annotations

from collections.abc import Sequence

from refimpl import protobuf as pb
from refimpl.errors import EncodingError
from refimpl.ledger.block import Block, BlockContents
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import element_from_protobuf, element_to_protobuf
from refimpl.transaction.tx import tx_out_from_protobuf, tx_out_to_protobuf


def _wrapped(data: bytes) -> bytes:
    return pb.bytes_field(1, data)


def _uint(tag: int, value: int) -> bytes:
    return pb.varint_field(tag, value) if value else b""


def block_to_protobuf(block: Block) -> bytes:
    """``blockchain.Block`` as prost encodes it."""
    return b"".join((
        pb.bytes_field(1, _wrapped(block.id)),
        _uint(2, block.version),
        pb.bytes_field(3, _wrapped(block.parent_id)),
        _uint(4, block.index),
        _uint(5, block.cumulative_txo_count),
        pb.bytes_field(6, element_to_protobuf(block.root_element)),
        pb.bytes_field(7, _wrapped(block.contents_hash)),
    ))


def _hash_field(fields: pb.Fields, tag: int, what: str) -> bytes:
    message = fields.get_message(tag)
    if message is None:
        raise EncodingError("encoding.bad_protobuf", f"Block lacks its {what}")
    return pb.Fields(message).get_bytes(1)


def block_from_protobuf(data: bytes) -> Block:
    """Decode ``blockchain.Block``; ids and hashes must be 32 bytes (``encoding.*``). The id is
    not checked against the fields here: :meth:`Block.is_block_id_valid` does that."""
    fields = pb.Fields(data)
    root = fields.get_message(6)
    if root is None:
        raise EncodingError("encoding.bad_protobuf", "Block lacks its root_element")
    return Block(
        id=_hash_field(fields, 1, "id"),
        version=fields.get_uint(2),
        parent_id=_hash_field(fields, 3, "parent_id"),
        index=fields.get_uint(4),
        cumulative_txo_count=fields.get_uint(5),
        root_element=element_from_protobuf(root),
        contents_hash=_hash_field(fields, 7, "contents_hash"),
    )


def key_images_to_protobuf(key_images: Sequence[KeyImage]) -> bytes:
    """``KeyImageList``: each key image as a ``{ bytes data = 1; }`` message under tag 1."""
    return b"".join(pb.bytes_field(1, _wrapped(ki.to_bytes())) for ki in key_images)


def key_images_from_protobuf(data: bytes) -> tuple[KeyImage, ...]:
    out = []
    for field in pb.parse_fields(data):
        if field.tag != 1 or not isinstance(field.value, bytes):
            raise EncodingError("encoding.bad_protobuf", "KeyImageList holds only tag 1 messages")
        out.append(KeyImage.from_bytes(pb.Fields(field.value).get_bytes(1)))
    return tuple(out)


def block_contents_to_protobuf(contents: BlockContents) -> bytes:
    """``blockchain.BlockContents`` as prost encodes it: key images (tag 1), outputs (tag 2)."""
    return key_images_to_protobuf(contents.key_images) + b"".join(
        pb.bytes_field(2, tx_out_to_protobuf(out)) for out in contents.outputs
    )


#: ``validated_mint_config_txs`` and ``mint_txs``: minting is not implemented.
_MINT_TAGS = (3, 4)


def block_contents_from_protobuf(data: bytes) -> BlockContents:
    """Decode ``blockchain.BlockContents``; mint transactions are refused
    (``encoding.bad_protobuf``), other unknown fields ignored as prost does."""
    key_images = []
    outputs = []
    for field in pb.parse_fields(data):
        if field.tag in (1, 2, *_MINT_TAGS) and not isinstance(field.value, bytes):
            raise EncodingError("encoding.bad_protobuf", f"BlockContents field {field.tag} "
                                "must be length-delimited")
        if field.tag == 1:
            assert isinstance(field.value, bytes)
            key_images.append(KeyImage.from_bytes(pb.Fields(field.value).get_bytes(1)))
        elif field.tag == 2:
            assert isinstance(field.value, bytes)
            outputs.append(tx_out_from_protobuf(field.value))
        elif field.tag in _MINT_TAGS:
            raise EncodingError("encoding.bad_protobuf",
                                "BlockContents with mint transactions is not supported")
    return BlockContents(key_images=tuple(key_images), outputs=tuple(outputs))
