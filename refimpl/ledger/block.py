"""Blocks: their contents, contents hash, id, and the digest a block signature signs.

MobileCoin ``blockchain/types/src/{block.rs,block_contents.rs,block_id.rs,
block_signature.rs}``.

* :class:`BlockContents` = key images and outputs (mint transactions, carried by MobileCoin
  from v2, are later work; when absent they are omitted from the digest, so hashes agree);
  hash = ``digest32(BlockContents, "block_contents")``.
* :func:`compute_block_id`: Merlin transcript "mobilecoin-block-id" into which each header
  field is digestible-appended with no enclosing aggregate (``version`` as a u32), then
  ``challenge_bytes("digest32", 32)``.
* :meth:`Block.signing_digest` = ``digest32(Block, "block-sig")`` (the Ed25519 message).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from refimpl.crypto.digestible import DIGEST32_LABEL, DigestWriter, digest32
from refimpl.crypto.hashing import (
    BLOCK_CONTENTS_CONTEXT,
    BLOCK_ID_TRANSCRIPT_LABEL,
    BLOCK_SIGNATURE_CONTEXT,
)
from refimpl.crypto.merlin import Transcript
from refimpl.errors import EncodingError
from refimpl.transaction.block_version import check_block_version
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement
from refimpl.transaction.tx_out import TxOut

#: ``BlockID`` and ``BlockContentsHash`` are 32 bytes.
HASH_LEN = 32


def _hash32(_instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if len(value) != HASH_LEN:
        raise EncodingError("encoding.bad_length", f"{attribute.name} must be {HASH_LEN} bytes")


@attrs.frozen
class BlockContents:
    """What a block adds to the ledger: spent key images and new outputs."""

    key_images: tuple[KeyImage, ...] = ()
    outputs: tuple[TxOut, ...] = ()

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"BlockContents")
        writer.seq(b"key_images", self.key_images, lambda ctx, ki: writer.ristretto(ctx, ki.point))
        writer.values(b"outputs", self.outputs)
        writer.agg_closer(context, b"BlockContents")

    def hash(self) -> bytes:
        """``BlockContents::hash``: ``digest32(contents, "block_contents")``."""
        return digest32(self, BLOCK_CONTENTS_CONTEXT)


def compute_block_id(
    version: int,
    parent_id: bytes,
    index: int,
    cumulative_txo_count: int,
    root_element: TxOutMembershipElement,
    contents_hash: bytes,
) -> bytes:
    """``compute_block_id`` (``blockchain/types/src/block.rs``)."""
    transcript = Transcript(BLOCK_ID_TRANSCRIPT_LABEL)
    writer = DigestWriter(transcript)
    writer.uint32(b"version", version)
    writer.bytes_(b"parent_id", parent_id, omit_empty=False)
    writer.uint64(b"index", index)
    writer.uint64(b"cumulative_txo_count", cumulative_txo_count)
    root_element.append_to(writer, b"root_element")
    writer.bytes_(b"contents_hash", contents_hash, omit_empty=False)
    return transcript.challenge_bytes(DIGEST32_LABEL, HASH_LEN)


def _u32(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value < 2**32:
        raise EncodingError("encoding.integer_out_of_range", f"{attribute.name} must be a u32")


def _u64(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value < 2**64:
        raise EncodingError("encoding.integer_out_of_range", f"{attribute.name} must be a u64")


@attrs.frozen
class Block:
    """A block header (``Block``); ``id`` commits to every other field."""

    id: bytes = attrs.field(validator=_hash32)
    version: int = attrs.field(validator=_u32)
    parent_id: bytes = attrs.field(validator=_hash32)
    index: int = attrs.field(validator=_u64)
    cumulative_txo_count: int = attrs.field(validator=_u64)
    root_element: TxOutMembershipElement
    contents_hash: bytes = attrs.field(validator=_hash32)

    @classmethod
    def new(
        cls,
        version: int,
        parent_id: bytes,
        index: int,
        cumulative_txo_count: int,
        root_element: TxOutMembershipElement,
        contents: BlockContents,
    ) -> Block:
        """``Block::new``: hash the contents and derive the id."""
        check_block_version(version)
        contents_hash = contents.hash()
        block_id = compute_block_id(
            version, parent_id, index, cumulative_txo_count, root_element, contents_hash
        )
        return cls(
            block_id, version, parent_id, index, cumulative_txo_count, root_element, contents_hash
        )

    @classmethod
    def new_with_parent(
        cls,
        version: int,
        parent: Block,
        root_element: TxOutMembershipElement,
        contents: BlockContents,
    ) -> Block:
        """``Block::new_with_parent``: next index, cumulative count grown by the outputs."""
        return cls.new(
            version,
            parent.id,
            parent.index + 1,
            parent.cumulative_txo_count + len(contents.outputs),
            root_element,
            contents,
        )

    @classmethod
    def new_origin_block(cls, outputs: Sequence[TxOut]) -> Block:
        """``Block::new_origin_block``: version 0, index 0, zero parent, default root element,
        contents = the outputs (unsorted) and no key images."""
        return cls.new(
            0, bytes(HASH_LEN), 0, len(outputs), TxOutMembershipElement(),
            BlockContents(outputs=tuple(outputs)),
        )

    def is_block_id_valid(self) -> bool:
        """``Block::is_block_id_valid``: the id matches the other fields."""
        return self.id == compute_block_id(
            self.version, self.parent_id, self.index, self.cumulative_txo_count,
            self.root_element, self.contents_hash,
        )

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"Block")
        writer.bytes_(b"id", self.id)
        writer.uint32(b"version", self.version)
        writer.bytes_(b"parent_id", self.parent_id)
        writer.uint64(b"index", self.index)
        writer.uint64(b"cumulative_txo_count", self.cumulative_txo_count)
        self.root_element.append_to(writer, b"root_element")
        writer.bytes_(b"contents_hash", self.contents_hash)
        writer.agg_closer(context, b"Block")

    def signing_digest(self) -> bytes:
        """``digest32(Block, "block-sig")``: the message of a ``BlockSignature``."""
        return digest32(self, BLOCK_SIGNATURE_CONTEXT)
