"""The fog client's connections: fog view, fog ledger (key images, outputs, blocks) and reports.

MobileCoin ``fog/view/connection/src/lib.rs`` (``FogViewGrpcClient::request``: the
``QueryRequest`` sealed, the ``QueryRequestAAD`` as the frame's AAD),
``fog/ledger/connection/src/{key_image.rs, merkle_proof.rs, block.rs}`` (``check_key_images``
with ``start_block = 0``, ``get_outputs``, ``get_missed_block_ranges``; ``KeyImageResultExtension``
and ``OutputResultExtension``: a result code other than the known ones is an error). Report
servers are fetched with :func:`refimpl.fog.report.client.fetch_reports`.

View and the two ledger enclave APIs are attested (:class:`refimpl.client.attested.
AttestedConnection`, each with the verifier of its enclave's MRENCLAVE); ``FogBlockAPI`` is
plain gRPC. Every call is counted per method path in a shared
:class:`collections.Counter`. Answers are checked against their requests: a missing,
duplicated or undecodable item is ``fog.client_bad_response``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

import attrs
import grpc
from google.protobuf.message import DecodeError, Message

from refimpl.client.attested import AttestedConnection
from refimpl.client.rpc import call
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import fog_common_pb2, ledger_pb2
from refimpl.fog.client.polling import Query
from refimpl.fog.client.recovery import MissedBlock
from refimpl.fog.client.tx_data import KeyImageAnswer
from refimpl.fog.client.uri import FogUri
from refimpl.fog.ledger.messages import CheckKeyImagesResponse, check_key_images_request
from refimpl.fog.types import BlockRange, KeyImageResultCode
from refimpl.fog.view.messages import QueryResponse
from refimpl.node.grpc_util import UnaryCaller, method_path
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import tx_out_from_protobuf
from refimpl.transaction.tx_out import TxOut

VIEW_SERVICE = "fog_view.FogViewAPI"
KEY_IMAGE_SERVICE = "fog_ledger.FogKeyImageAPI"
MERKLE_PROOF_SERVICE = "fog_ledger.FogMerkleProofAPI"
BLOCK_SERVICE = "fog_ledger.FogBlockAPI"

VIEW_QUERY = method_path(VIEW_SERVICE, "Query")
CHECK_KEY_IMAGES = method_path(KEY_IMAGE_SERVICE, "CheckKeyImages")
GET_OUTPUTS = method_path(MERKLE_PROOF_SERVICE, "GetOutputs")
GET_BLOCKS = method_path(BLOCK_SERVICE, "GetBlocks")

#: Key images per ``CheckKeyImages`` (cached_tx_data: ``MAX_KEY_IMAGES_PER_QUERY``).
MAX_KEY_IMAGES_PER_QUERY = 100
#: ``OutputResultCode``.
OUTPUT_DOES_NOT_EXIST = 1
OUTPUT_EXISTS = 2
OUTPUT_DATABASE_ERROR = 3
DEFAULT_TIMEOUT_S = 10.0

TxOutWithProof = tuple[TxOut, TxOutMembershipProof]
M = TypeVar("M", bound=Message)


def _bad(what: str, detail: str) -> FogError:
    return FogError("fog.client_bad_response", f"{what}: {detail}")


def _decode(what: str, message_type: type[M], data: bytes) -> M:
    try:
        return message_type.FromString(data)
    except DecodeError as exc:
        raise _bad(what, str(exc)) from None


class FogViewConnection:
    """Attested ``fog_view.FogViewAPI``: :meth:`query` (a poll's :class:`ViewQuerier`)."""

    def __init__(self, uri: FogUri, verifier: EvidenceVerifier, calls: Counter[str], *,
                 responder_id: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.uri = uri
        self.calls = calls
        self.conn = AttestedConnection(uri.grpc_target(), responder_id or uri.responder_id,
                                       verifier, method_path(VIEW_SERVICE, "Auth"),
                                       timeout_s=timeout_s)

    def query(self, query: Query) -> QueryResponse:
        self.calls[VIEW_QUERY] += 1
        data = self.conn.call(VIEW_QUERY, query.request(), query.aad())
        try:
            return QueryResponse.from_protobuf(data)
        except RefImplError as exc:
            raise _bad("QueryResponse", exc.message) from None

    def close(self) -> None:
        self.conn.close()


@attrs.frozen
class KeyImagesAnswer:
    """A ``CheckKeyImagesResponse``: one answer per key image asked, in the order asked."""

    results: tuple[KeyImageAnswer, ...]
    num_blocks: int
    global_txo_count: int
    latest_block_version: int


@attrs.frozen
class OutputsAnswer:
    """A ``GetOutputsResponse``: the outputs asked, in order, with their proofs."""

    outputs: tuple[TxOutWithProof, ...]
    num_blocks: int
    global_txo_count: int
    latest_block_version: int


@attrs.frozen
class BlocksAnswer:
    """A ``BlockResponse``."""

    blocks: tuple[MissedBlock, ...]
    num_blocks: int
    global_txo_count: int


class FogLedgerConnection:
    """Fog ledger at one address: attested ``FogKeyImageAPI`` and ``FogMerkleProofAPI``, plain
    ``FogBlockAPI``."""

    def __init__(self, uri: FogUri, verifier: EvidenceVerifier, calls: Counter[str], *,
                 responder_id: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.uri = uri
        self.calls = calls
        self.timeout_s = timeout_s
        target = uri.grpc_target()
        rid = responder_id or uri.responder_id
        self.key_images = AttestedConnection(target, rid, verifier,
                                             method_path(KEY_IMAGE_SERVICE, "Auth"),
                                             timeout_s=timeout_s)
        self.merkle_proofs = AttestedConnection(target, rid, verifier,
                                                method_path(MERKLE_PROOF_SERVICE, "Auth"),
                                                timeout_s=timeout_s)
        self._channel = grpc.insecure_channel(target)
        self._blocks = UnaryCaller(self._channel, GET_BLOCKS, ledger_pb2.BlockRequest,
                                   ledger_pb2.BlockResponse)

    def close(self) -> None:
        self.key_images.close()
        self.merkle_proofs.close()
        self._channel.close()

    # --- FogKeyImageAPI ---------------------------------------------------------------------
    def check_key_images(self, key_images: Sequence[KeyImage]) -> KeyImagesAnswer:
        """Spent status of ``key_images`` (in chunks of :data:`MAX_KEY_IMAGES_PER_QUERY`; an
        empty list asks once, for the counts). A ``KeyImageError`` or unknown result code is
        ``fog.client_key_image_error``."""
        chunks = [key_images[i:i + MAX_KEY_IMAGES_PER_QUERY]
                  for i in range(0, len(key_images), MAX_KEY_IMAGES_PER_QUERY)] or [[]]
        results: list[KeyImageAnswer] = []
        counts = (0, 0, 0)
        for chunk in chunks:
            answer = self._check_chunk(chunk)
            results.extend(answer.results)
            counts = (answer.num_blocks, answer.global_txo_count, answer.latest_block_version)
        return KeyImagesAnswer(tuple(results), *counts)

    def _check_chunk(self, key_images: Sequence[KeyImage]) -> KeyImagesAnswer:
        request = check_key_images_request([k.to_bytes() for k in key_images])
        self.calls[CHECK_KEY_IMAGES] += 1
        data = self.key_images.call(CHECK_KEY_IMAGES, request)
        try:
            response = CheckKeyImagesResponse.from_protobuf(data)
        except RefImplError as exc:
            raise _bad("CheckKeyImagesResponse", exc.message) from None
        by_image = {r.key_image: r for r in response.results}
        answers = []
        for key_image in key_images:
            answered = by_image.get(key_image.to_bytes())
            if answered is None:
                raise _bad("CheckKeyImages",
                           f"no answer for key image {key_image.to_bytes().hex()}")
            code = answered.key_image_result_code
            if code == KeyImageResultCode.SPENT:
                answers.append(KeyImageAnswer(key_image, answered.spent_at))
            elif code == KeyImageResultCode.NOT_SPENT:
                answers.append(KeyImageAnswer(key_image, None))
            else:
                raise FogError("fog.client_key_image_error",
                               f"fog ledger answered code {code} for key image "
                               f"{key_image.to_bytes().hex()}")
        return KeyImagesAnswer(tuple(answers), response.num_blocks, response.global_txo_count,
                               response.latest_block_version)

    # --- FogMerkleProofAPI ------------------------------------------------------------------
    def get_outputs(self, indices: Sequence[int], merkle_root_block: int = 0) -> OutputsAnswer:
        """The TxOuts at ``indices`` with membership proofs, all from one answer (so against
        one root). An index that does not exist, or a database error, is
        ``fog.client_output_unavailable``."""
        request = ledger_pb2.GetOutputsRequest(indices=list(indices),
                                               merkle_root_block=merkle_root_block)
        self.calls[GET_OUTPUTS] += 1
        data = self.merkle_proofs.call(GET_OUTPUTS, request.SerializeToString())
        response = _decode("GetOutputsResponse", ledger_pb2.GetOutputsResponse, data)
        if len(response.results) != len(indices):
            raise _bad("GetOutputs", f"{len(response.results)} results for {len(indices)} "
                       "indices")
        outputs = []
        for index, result in zip(indices, response.results, strict=True):
            if result.index != index:
                raise _bad("GetOutputs", f"result for {result.index} where {index} was asked")
            if result.result_code != OUTPUT_EXISTS:
                raise FogError("fog.client_output_unavailable",
                               f"GetOutputs: TxOut {index}: result code {result.result_code}")
            try:
                tx_out = tx_out_from_protobuf(result.output)
                proof = TxOutMembershipProof.from_protobuf(result.proof)
            except RefImplError as exc:
                raise _bad(f"GetOutputs TxOut {index}", exc.one_line()) from None
            if proof.index != index:
                raise _bad(f"GetOutputs TxOut {index}", f"the proof is for {proof.index}")
            outputs.append((tx_out, proof))
        return OutputsAnswer(tuple(outputs), response.num_blocks, response.global_txo_count,
                             response.latest_block_version)

    # --- FogBlockAPI ------------------------------------------------------------------------
    def get_blocks(self, ranges: Sequence[BlockRange]) -> BlocksAnswer:
        """The blocks of ``ranges`` (the server may answer fewer: those it has)."""
        request = ledger_pb2.BlockRequest(ranges=[
            fog_common_pb2.BlockRange(start_block=r.start_block, end_block=r.end_block)
            for r in ranges])
        self.calls[GET_BLOCKS] += 1
        response = call(self._blocks, request, self.timeout_s)
        wanted = {i for r in ranges for i in range(r.start_block, r.end_block)}
        blocks = []
        for data in response.blocks:
            if data.index not in wanted:
                raise _bad("GetBlocks", f"block {data.index} was not asked for")
            try:
                outputs = tuple(tx_out_from_protobuf(o) for o in data.outputs)
            except RefImplError as exc:
                raise _bad(f"GetBlocks block {data.index}", exc.one_line()) from None
            if data.global_txo_count < len(outputs):
                raise _bad(f"GetBlocks block {data.index}", "global_txo_count below its outputs")
            blocks.append(MissedBlock(data.index, data.global_txo_count, outputs,
                                      data.timestamp))
        return BlocksAnswer(tuple(blocks), response.num_blocks, response.global_txo_count)

