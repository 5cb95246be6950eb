"""The ``mcref_ledger.LedgerAccessAPI`` servicer: what a thin client needs from a node's ledger.

Not a MobileCoin API: MobileCoin's wallets read a full ledger copy kept by mobilecoind
(``mobilecoind/src/service.rs``: ``GetBlock``, ``GetTxStatusAsSender``, ring and proof queries
on ``ledger/db/src/ledger_db.rs``) or ask Fog (``fog/api/proto/ledger.proto``:
``GetOutputs``, ``CheckKeyImages``). This service gives a client the same three reads from the
node's own LMDB ledger (see ``refimpl/node/api/ledger_access.proto``):

* ``GetBlockContents(offset, limit)``: blocks ``offset..`` (at most :data:`MAX_BLOCKS` per call,
  a larger limit is capped, as ``GetBlocks`` caps at 2000), each as its ``blockchain.Block`` and
  ``blockchain.BlockContents`` protobuf; past the end of the ledger the list is empty;
* ``GetTxOuts(indices)``: each TxOut (``external.TxOut``) with its membership proof against the
  current root (``external.TxOutMembershipProof``), at most :data:`MAX_TX_OUTS` per call, and the
  ledger's TxOut count;
* ``CheckKeyImages(key_images)``: for each, spent or not and the spending block (Fog ledger's
  ``KeyImageResult``), at most :data:`MAX_KEY_IMAGES` per call, and the block count.

Refusals (too many items, an index past the end, a key image that is not a canonical point)
are typed errors; :func:`refimpl.node.grpc_util.unary_handler` answers them with status
``INVALID_ARGUMENT`` and the error's one line, and the server keeps serving.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from refimpl.errors import NodeError
from refimpl.ledger.block_protobuf import block_contents_to_protobuf, block_to_protobuf
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import ledger_access_pb2 as pb
from refimpl.node.grpc_util import Observer, ServiceHandler, service_handler, unary_handler
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import tx_out_to_protobuf

SERVICE = "mcref_ledger.LedgerAccessAPI"

#: Blocks per ``GetBlockContents`` answer; TxOuts per ``GetTxOuts``; key images per
#: ``CheckKeyImages`` (Fog ledger's ``MAX_KEY_IMAGES`` style bound on one request).
MAX_BLOCKS = 100
MAX_TX_OUTS = 1000
MAX_KEY_IMAGES = 1000


def _at_most(what: str, count: int, limit: int) -> None:
    if count > limit:
        raise NodeError("node.ledger_access_too_many", f"{count} {what}, at most {limit} per call")


class LedgerAccessServicer:
    """Serves :data:`SERVICE` over a :class:`LedgerStore` (read-only; LMDB readers never block
    the writer, so this runs beside the node's block appends)."""

    def __init__(self, ledger: LedgerStore) -> None:
        self.ledger = ledger

    def handlers(self, observe: Observer | None = None) -> ServiceHandler:
        """The service's generic handler; ``observe`` (optional) sees every call's method name,
        status and duration (the node's per-RPC metrics)."""
        return service_handler(SERVICE, {
            "GetBlockContents": unary_handler(
                self.get_block_contents, pb.BlockContentsRequest, pb.BlockContentsResponse,
                observe, "GetBlockContents",
            ),
            "GetTxOuts": unary_handler(
                self.get_tx_outs, pb.TxOutsRequest, pb.TxOutsResponse, observe, "GetTxOuts"
            ),
            "CheckKeyImages": unary_handler(
                self.check_key_images, pb.KeyImagesRequest, pb.KeyImagesResponse,
                observe, "CheckKeyImages",
            ),
        })

    # --- methods ---------------------------------------------------------------------------

    def get_block_contents(
        self, request: pb.BlockContentsRequest, context: grpc.ServicerContext
    ) -> pb.BlockContentsResponse:
        del context
        end = min(self.ledger.num_blocks(), request.offset + min(request.limit, MAX_BLOCKS))
        return pb.BlockContentsResponse(blocks=[
            pb.BlockData(
                block=block_to_protobuf(self.ledger.get_block(index)),
                contents=block_contents_to_protobuf(self.ledger.get_block_contents(index)),
            )
            for index in range(request.offset, end)
        ])

    def get_tx_outs(
        self, request: pb.TxOutsRequest, context: grpc.ServicerContext
    ) -> pb.TxOutsResponse:
        del context
        indices: Sequence[int] = request.indices
        _at_most("TxOut indices", len(indices), MAX_TX_OUTS)
        count = self.ledger.num_tx_outs()
        beyond = [i for i in indices if i >= count]
        if beyond:
            raise NodeError(
                "node.ledger_access_out_of_range",
                f"TxOut index {beyond[0]} is past the end of the ledger ({count} TxOuts)",
            )
        proofs = self.ledger.get_membership_proofs(indices)
        return pb.TxOutsResponse(
            outputs=[
                pb.TxOutWithProof(
                    tx_out=tx_out_to_protobuf(self.ledger.get_tx_out(index)),
                    proof=proof.to_protobuf(),
                )
                for index, proof in zip(indices, proofs, strict=True)
            ],
            num_tx_outs=count,
        )

    def check_key_images(
        self, request: pb.KeyImagesRequest, context: grpc.ServicerContext
    ) -> pb.KeyImagesResponse:
        del context
        _at_most("key images", len(request.key_images), MAX_KEY_IMAGES)
        key_images = [KeyImage.from_bytes(raw) for raw in request.key_images]
        results = []
        for key_image in key_images:
            spent_at = self.ledger.check_key_image(key_image)
            results.append(pb.KeyImageStatus(
                key_image=key_image.to_bytes(),
                spent=spent_at is not None,
                spent_at=spent_at or 0,
            ))
        # read after the checks: every spending block reported is below num_blocks
        return pb.KeyImagesResponse(results=results, num_blocks=self.ledger.num_blocks())
