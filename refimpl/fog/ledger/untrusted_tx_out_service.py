"""``fog_ledger.FogUntrustedTxOutApi``: TxOuts by public key, unattested.

MobileCoin ``fog/ledger/server/src/untrusted_tx_out_service.rs`` and ``get_tx_out_result`` of
``fog/block_provider/src/local.rs``: for each ``external.CompressedRistretto`` public key,
``Found`` with the TxOut's global index, its block and that block's timestamp (with the
watcher result code), or ``NotFound``. A key that is not 32 bytes refuses the whole request
(``fog.ledger_bad_tx_out_pubkey``; MobileCoin: invalid argument). For a sender confirming that
its payment landed: a recipient asking would show the operator the transaction graph.

Differences from MobileCoin: the ledger's counts are read before the lookups (MobileCoin reads
them after), so ``NotFound`` holds for every block below ``num_blocks``, as the proto
promises; and one call takes at most :data:`MAX_TX_OUT_PUBKEYS` keys
(``fog.ledger_too_many_queries``).
"""

from __future__ import annotations

import grpc

from refimpl import protobuf as pb
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import ledger_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ledger.timestamp import timestamp_result_code
from refimpl.node.grpc_util import ServiceHandler, service_handler, unary_handler

SERVICE = "fog_ledger.FogUntrustedTxOutApi"
MAX_TX_OUT_PUBKEYS = 2000
PUBKEY_LEN = 32


def compressed_ristretto(public_key: bytes) -> bytes:
    """``external.CompressedRistretto { bytes data = 1; }`` around 32 bytes."""
    return pb.bytes_field(1, public_key)


def _public_key(message: bytes, position: int) -> bytes:
    try:
        key = pb.Fields(message).get_bytes(1)
    except RefImplError as exc:
        raise FogError("fog.ledger_bad_tx_out_pubkey",
                       f"public key {position}: {exc.message}") from None
    if len(key) != PUBKEY_LEN:
        raise FogError("fog.ledger_bad_tx_out_pubkey",
                       f"public key {position} is {len(key)} bytes, not {PUBKEY_LEN}")
    return key


def _result(source: BlockSource, public_key: bytes) -> ledger_pb2.TxOutResult:
    result = ledger_pb2.TxOutResult(tx_out_pubkey=compressed_ristretto(public_key),
                                    result_code=ledger_pb2.NotFound)
    index = source.tx_out_index_by_public_key(public_key)
    if index is None:
        return result
    block_index = source.block_index_by_tx_out_index(index)
    timestamp = source.timestamp(block_index)
    result.result_code = ledger_pb2.Found
    result.tx_out_global_index = index
    result.block_index = block_index
    result.timestamp = timestamp
    result.timestamp_result_code = timestamp_result_code(timestamp)
    return result


def get_tx_outs(source: BlockSource,
                request: ledger_pb2.TxOutRequest) -> ledger_pb2.TxOutResponse:
    """The ``TxOutResponse`` to ``request``."""
    if len(request.tx_out_pubkeys) > MAX_TX_OUT_PUBKEYS:
        raise FogError("fog.ledger_too_many_queries",
                       f"{len(request.tx_out_pubkeys)} public keys, at most {MAX_TX_OUT_PUBKEYS}")
    keys = [_public_key(m, i) for i, m in enumerate(request.tx_out_pubkeys)]
    num_blocks = source.num_blocks()
    latest = source.block(num_blocks - 1) if num_blocks else None
    return ledger_pb2.TxOutResponse(
        results=[_result(source, key) for key in keys],
        num_blocks=num_blocks,
        global_txo_count=0 if latest is None else latest.cumulative_txo_count,
    )


def untrusted_tx_out_service(source: BlockSource) -> ServiceHandler:
    """The service handler (``GetTxOuts``)."""

    def handle(request: ledger_pb2.TxOutRequest,
               context: grpc.ServicerContext) -> ledger_pb2.TxOutResponse:
        del context
        return get_tx_outs(source, request)

    return service_handler(SERVICE, {
        "GetTxOuts": unary_handler(handle, ledger_pb2.TxOutRequest, ledger_pb2.TxOutResponse),
    })
