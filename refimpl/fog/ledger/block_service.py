"""``fog_ledger.FogBlockAPI``: whole blocks' outputs, unattested.

MobileCoin ``fog/ledger/server/src/block_service.rs``: ``GetBlocks`` answers a list of block
ranges with each existing block's index, cumulative TxOut count, outputs (``external.TxOut``)
and timestamp with its result code, plus the ledger's block and TxOut counts (read first, so
every block returned is below ``num_blocks``). Blocks past the end are left out, as MobileCoin
leaves them out; a range with ``start > end`` is refused (``fog.bad_block_range``; MobileCoin
reads it as empty).

Cap (not in MobileCoin, which has none): one answer holds at most
:data:`MAX_BLOCKS_PER_REQUEST` blocks and stops adding blocks once it holds
:data:`MAX_OUTPUTS_PER_RESPONSE` outputs (it always holds the first existing block asked
for). Blocks are taken in request order, so a client that got fewer blocks than it asked for
asks again from the block after the last one it got.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from refimpl.fog.api import fog_common_pb2, ledger_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ledger.timestamp import timestamp_result_code
from refimpl.fog.types import BlockRange
from refimpl.node.grpc_util import ServiceHandler, service_handler, unary_handler
from refimpl.transaction.tx import tx_out_to_protobuf

SERVICE = "fog_ledger.FogBlockAPI"
MAX_BLOCKS_PER_REQUEST = 1000
MAX_OUTPUTS_PER_RESPONSE = 8000


def _indices(ranges: list[fog_common_pb2.BlockRange], num_blocks: int) -> Iterator[int]:
    """The block indices of ``ranges`` in order, clipped to the ledger."""
    checked = [BlockRange(r.start_block, r.end_block) for r in ranges]
    for r in checked:
        yield from range(r.start_block, min(r.end_block, num_blocks))


def get_blocks(source: BlockSource, request: ledger_pb2.BlockRequest) -> ledger_pb2.BlockResponse:
    """The ``BlockResponse`` to ``request`` (see the module docstring for the caps)."""
    num_blocks = source.num_blocks()
    latest = source.block(num_blocks - 1) if num_blocks else None
    response = ledger_pb2.BlockResponse(
        num_blocks=num_blocks,
        global_txo_count=0 if latest is None else latest.cumulative_txo_count,
    )
    outputs = 0
    for index in _indices(list(request.ranges), num_blocks):
        if len(response.blocks) >= MAX_BLOCKS_PER_REQUEST or (
                response.blocks and outputs >= MAX_OUTPUTS_PER_RESPONSE):
            break
        data = source.block_data(index)
        outputs += len(data.contents.outputs)
        response.blocks.append(ledger_pb2.BlockData(
            index=index,
            global_txo_count=data.block.cumulative_txo_count,
            outputs=[tx_out_to_protobuf(out) for out in data.contents.outputs],
            timestamp=data.timestamp,
            timestamp_result_code=timestamp_result_code(data.timestamp),
        ))
    return response


def block_service(source: BlockSource) -> ServiceHandler:
    """The service handler (``GetBlocks``)."""

    def handle(request: ledger_pb2.BlockRequest,
               context: grpc.ServicerContext) -> ledger_pb2.BlockResponse:
        del context
        return get_blocks(source, request)

    return service_handler(SERVICE, {
        "GetBlocks": unary_handler(handle, ledger_pb2.BlockRequest, ledger_pb2.BlockResponse),
    })
