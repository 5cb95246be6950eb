"""``fog_ledger.FogMerkleProofAPI``: outputs with their membership proofs, attested.

MobileCoin ``fog/ledger/server/src/merkle_proof_service.rs``: ``GetOutputs`` takes an encrypted
``GetOutputsRequest`` (at most :data:`MAX_REQUEST_SIZE` indices, more is refused), answers each
index with ``Exists`` and the ``external.TxOut`` and ``external.TxOutMembershipProof``, or
``DoesNotExist`` (an index past the end of the ledger; no output, no proof), and reports the
ledger's block count, TxOut count and block versions. ``merkle_root_block`` is ignored, as in
MobileCoin: every proof is against the ledger's latest root, all proofs of one answer against
the same root (one read transaction). The counts are read first, so an index reported
``DoesNotExist`` is past the end of the ledger of ``num_blocks`` blocks.

One answer must fit one attested message (:data:`refimpl.enclave.channel.MAX_PLAINTEXT`
bytes; MobileCoin's transport has no such limit): an answer that would not is refused
(``fog.ledger_response_too_large``) and the client asks for fewer outputs at a time. An output
with its proof takes about 0.3 KB plus 50 bytes per tree level, so a few dozen fit.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError

from refimpl.enclave.channel import MAX_PLAINTEXT
from refimpl.errors import FogError
from refimpl.fog.api import ledger_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.grpc_host import attested_service
from refimpl.fog.ledger.enclave import LedgerEnclave
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.tx import tx_out_to_protobuf

SERVICE = "fog_ledger.FogMerkleProofAPI"
#: ``MAX_REQUEST_SIZE``: TxOuts one ``GetOutputs`` call may ask for.
MAX_REQUEST_SIZE = 2000


def get_outputs(source: BlockSource, request: bytes) -> bytes:
    """Answer a ``GetOutputsRequest`` plaintext with a ``GetOutputsResponse`` plaintext."""
    try:
        parsed = ledger_pb2.GetOutputsRequest.FromString(request)
    except DecodeError as exc:
        raise FogError("fog.bad_message", f"not a GetOutputsRequest: {exc}") from None
    indices = list(parsed.indices)
    if len(indices) > MAX_REQUEST_SIZE:
        raise FogError("fog.ledger_too_many_indices",
                       f"{len(indices)} indices, at most {MAX_REQUEST_SIZE} per request")
    num_blocks = source.num_blocks()
    latest = source.block(num_blocks - 1) if num_blocks else None
    global_txo_count = 0 if latest is None else latest.cumulative_txo_count
    existing = [i for i in indices if i < global_txo_count]
    found = dict(zip(existing, source.tx_outs_with_proofs(existing), strict=True))
    results = []
    for index in indices:
        if index in found:
            tx_out, proof = found[index]
            results.append(ledger_pb2.OutputResult(
                index=index, result_code=ledger_pb2.Exists,
                output=tx_out_to_protobuf(tx_out), proof=proof.to_protobuf()))
        else:
            results.append(ledger_pb2.OutputResult(index=index,
                                                   result_code=ledger_pb2.DoesNotExist))
    version = 0 if latest is None else latest.version
    encoded = ledger_pb2.GetOutputsResponse(
        results=results,
        num_blocks=num_blocks,
        global_txo_count=global_txo_count,
        latest_block_version=version,
        max_block_version=max(version, MAX_BLOCK_VERSION),
    ).SerializeToString()
    if len(encoded) > MAX_PLAINTEXT:
        raise FogError("fog.ledger_response_too_large",
                       f"{len(existing)} outputs with proofs take {len(encoded)} bytes, an "
                       f"attested message holds {MAX_PLAINTEXT}")
    return encoded


def merkle_proof_service(enclave: LedgerEnclave, source: BlockSource) -> Any:
    """The service handler: ``Auth`` and ``GetOutputs`` on ``enclave``'s sessions."""

    def body(request: bytes, aad: bytes) -> bytes:
        del aad
        return get_outputs(source, request)

    return attested_service(SERVICE, enclave.fog, {"GetOutputs": body})
