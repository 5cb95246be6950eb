"""Where a wallet reads the ledger: a local :class:`LedgerStore`, or a node over gRPC.

mobilecoind keeps a full ledger copy (``ledger/db``) and its wallets read blocks, TxOuts with
membership proofs and key-image status from it (``mobilecoind/src/{sync.rs,payments.rs}``);
Fog clients ask Fog ledger for the same (``fog/ledger/connection``). :class:`LedgerSource` is
that read interface; :class:`StoreLedgerSource` serves it from a local store and
:class:`GrpcLedgerSource` from a node's ``mcref_ledger.LedgerAccessAPI``
(``refimpl/node/ledger_access.py``), checking that every answer matches its request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import grpc

from refimpl.client.rpc import call
from refimpl.errors import ClientError, RefImplError
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.block_protobuf import block_contents_from_protobuf, block_from_protobuf
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import ledger_access_pb2 as pb
from refimpl.node.grpc_util import UnaryCaller, method_path
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import tx_out_from_protobuf
from refimpl.transaction.tx_out import TxOut

SERVICE = "mcref_ledger.LedgerAccessAPI"
#: Per-call bounds of the server (``refimpl/node/ledger_access.py``); larger asks are split.
MAX_BLOCKS = 100
MAX_TX_OUTS = 1000
MAX_KEY_IMAGES = 1000
DEFAULT_TIMEOUT_S = 10.0

BlockWithContents = tuple[Block, BlockContents]
TxOutWithProof = tuple[TxOut, TxOutMembershipProof]


class TxOutSource(Protocol):
    """What building a payment reads: the TxOut count (decoys are drawn below it) and TxOuts
    with membership proofs (a validator's ``LedgerAccessAPI``, or fog's ``GetOutputs``)."""

    def num_tx_outs(self) -> int: ...

    def get_tx_outs(self, indices: Sequence[int]) -> Sequence[TxOutWithProof]:
        """The TxOuts at these global indices, each with its membership proof."""
        ...


class KeyImageSource(Protocol):
    """What confirming a payment reads: the block count and key-image status."""

    def num_blocks(self) -> int: ...

    def check_key_images(self, key_images: Sequence[KeyImage]) -> Sequence[int | None]:
        """For each key image, the index of the block that spent it, or ``None``."""
        ...


class LedgerSource(Protocol):
    """The ledger reads a wallet needs."""

    def num_blocks(self) -> int: ...

    def num_tx_outs(self) -> int: ...

    def get_block_contents(self, offset: int, limit: int) -> Sequence[BlockWithContents]:
        """Blocks ``offset, offset + 1, ...``: at most ``limit``, maybe fewer (none past the
        end)."""
        ...

    def get_tx_outs(self, indices: Sequence[int]) -> Sequence[TxOutWithProof]:
        """The TxOuts at these global indices, each with its membership proof."""
        ...

    def check_key_images(self, key_images: Sequence[KeyImage]) -> Sequence[int | None]:
        """For each key image, the index of the block that spent it, or ``None``."""
        ...


class StoreLedgerSource:
    """A :class:`LedgerSource` over a local LMDB ledger."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def num_blocks(self) -> int:
        return self.store.num_blocks()

    def num_tx_outs(self) -> int:
        return self.store.num_tx_outs()

    def get_block_contents(self, offset: int, limit: int) -> list[BlockWithContents]:
        end = min(self.store.num_blocks(), offset + limit)
        return [
            (self.store.get_block(i), self.store.get_block_contents(i))
            for i in range(offset, end)
        ]

    def get_tx_outs(self, indices: Sequence[int]) -> list[TxOutWithProof]:
        proofs = self.store.get_membership_proofs(indices)
        return [
            (self.store.get_tx_out(i), proof) for i, proof in zip(indices, proofs, strict=True)
        ]

    def check_key_images(self, key_images: Sequence[KeyImage]) -> list[int | None]:
        return [self.store.check_key_image(k) for k in key_images]


def _bad(what: str, detail: str) -> ClientError:
    return ClientError("client.bad_response", f"{what}: {detail}")


def _chunks(items: Sequence[object], size: int) -> list[slice]:
    return [slice(start, start + size) for start in range(0, len(items), size)]


class GrpcLedgerSource:
    """A :class:`LedgerSource` over a node's ``LedgerAccessAPI``. A failed call is
    ``client.rpc_failed``; an answer that does not match its request, or does not decode, is
    ``client.bad_response``."""

    def __init__(self, channel: grpc.Channel, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._blocks = UnaryCaller(
            channel, method_path(SERVICE, "GetBlockContents"),
            pb.BlockContentsRequest, pb.BlockContentsResponse,
        )
        self._tx_outs = UnaryCaller(
            channel, method_path(SERVICE, "GetTxOuts"), pb.TxOutsRequest, pb.TxOutsResponse
        )
        self._key_images = UnaryCaller(
            channel, method_path(SERVICE, "CheckKeyImages"),
            pb.KeyImagesRequest, pb.KeyImagesResponse,
        )

    def num_blocks(self) -> int:
        return call(self._key_images, pb.KeyImagesRequest(), self.timeout_s).num_blocks

    def num_tx_outs(self) -> int:
        return call(self._tx_outs, pb.TxOutsRequest(), self.timeout_s).num_tx_outs

    def get_block_contents(self, offset: int, limit: int) -> list[BlockWithContents]:
        request = pb.BlockContentsRequest(offset=offset, limit=min(limit, MAX_BLOCKS))
        response = call(self._blocks, request, self.timeout_s)
        if len(response.blocks) > request.limit:
            raise _bad("GetBlockContents", f"{len(response.blocks)} blocks for limit {limit}")
        out = []
        for position, data in enumerate(response.blocks):
            what = f"GetBlockContents block {offset + position}"
            try:
                block = block_from_protobuf(data.block)
                contents = block_contents_from_protobuf(data.contents)
            except RefImplError as err:
                raise _bad(what, err.one_line()) from err
            if block.index != offset + position:
                raise _bad(what, f"the answer holds block {block.index}")
            if not block.is_block_id_valid() or contents.hash() != block.contents_hash:
                raise _bad(what, "the block id or contents hash does not match")
            out.append((block, contents))
        return out

    def get_tx_outs(self, indices: Sequence[int]) -> list[TxOutWithProof]:
        out: list[TxOutWithProof] = []
        for part in _chunks(indices, MAX_TX_OUTS):
            wanted = list(indices[part])
            response = call(self._tx_outs, pb.TxOutsRequest(indices=wanted), self.timeout_s)
            if len(response.outputs) != len(wanted):
                raise _bad("GetTxOuts", f"{len(response.outputs)} outputs for {len(wanted)}")
            for index, item in zip(wanted, response.outputs, strict=True):
                try:
                    tx_out = tx_out_from_protobuf(item.tx_out)
                    proof = TxOutMembershipProof.from_protobuf(item.proof)
                except RefImplError as err:
                    raise _bad(f"GetTxOuts TxOut {index}", err.one_line()) from err
                if proof.index != index:
                    raise _bad(f"GetTxOuts TxOut {index}", f"the proof is for {proof.index}")
                out.append((tx_out, proof))
        return out

    def check_key_images(self, key_images: Sequence[KeyImage]) -> list[int | None]:
        out: list[int | None] = []
        for part in _chunks(key_images, MAX_KEY_IMAGES):
            wanted = [k.to_bytes() for k in key_images[part]]
            request = pb.KeyImagesRequest(key_images=wanted)
            response = call(self._key_images, request, self.timeout_s)
            answered = [r.key_image for r in response.results]
            if answered != wanted:
                raise _bad("CheckKeyImages", "the answer names other key images")
            out.extend(r.spent_at if r.spent else None for r in response.results)
        return out
