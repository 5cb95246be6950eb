"""Transaction intake: a client's or a peer's proposal, from ciphertext to pending value.

MobileCoin ``consensus/service/src/api/client_api_service.rs`` (``client_tx_propose``:
capacity and sync checks, decrypt in the enclave, well-formed check, validity check),
``api/peer_api_service.rs`` (``peer_tx_propose``) and the propose callback of
``consensus_service.rs`` (broadcast to peers, push the hash to the consensus worker).

Outcomes a client can see:

* ``UNAVAILABLE "Temporarily over capacity"`` when at least ``PENDING_LIMIT`` (500,
  :mod:`refimpl.node.tx_manager`) values
  are pending; the frame is still decrypted and discarded so the session's nonces stay in step;
* ``UNAVAILABLE "Temporarily not serving requests"`` while the node is behind (same discard);
* ``PERMISSION_DENIED "Permission Denied (attestation)"`` for an unknown or broken session;
* otherwise a ``ProposeTxResponse`` whose ``result`` is ``Ok`` or the ``ProposeTxResult`` of
  the first failed rule (:func:`refimpl.node.tx_manager.propose_tx_result`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from refimpl.enclave.channel import Frame
from refimpl.enclave.consensus_api import TxContext
from refimpl.errors import RefImplError
from refimpl.node.api import consensus_common_pb2
from refimpl.node.metrics import NodeMetrics
from refimpl.node.tx_manager import client_over_capacity

OVER_CAPACITY = "Temporarily over capacity"
NOT_SERVING = "Temporarily not serving requests"
ATTESTATION_DENIED = "Permission Denied (attestation)"


class IntakeEnclave(Protocol):
    """What intake needs of :class:`refimpl.node.enclave.NodeEnclave`."""

    def client_frame(self, aad: bytes, channel_id: bytes, data: bytes) -> Frame: ...
    def client_tx_propose(self, frame: Frame) -> TxContext: ...
    def client_discard_message(self, frame: Frame) -> None: ...
    def peer_frame(self, aad: bytes, channel_id: bytes, data: bytes) -> Frame: ...
    def peer_tx_propose(self, frame: Frame) -> tuple[TxContext, ...]: ...


class IntakeTxs(Protocol):
    def check_new_tx(self, context: TxContext) -> None:
        """Well-formed (cached) and valid against the ledger now, or a typed error."""
        ...
    def pending_count(self) -> int: ...


@attrs.frozen
class Refusal(Exception):
    """A proposal answered with a gRPC status instead of a ``ProposeTxResponse``."""

    status: str  # "UNAVAILABLE" | "PERMISSION_DENIED"
    details: str


class Intake:
    """Both proposal paths, sharing the checks and the hand-off to the worker."""

    def __init__(self, enclave: IntakeEnclave, txs: IntakeTxs, metrics: NodeMetrics,
                 num_blocks: Callable[[], int], block_version: int,
                 is_behind: Callable[[], bool],
                 to_worker: Callable[[Sequence[bytes], float], None],
                 to_peers: Callable[[Sequence[bytes], frozenset[str]], None],
                 result_code: Callable[[str], int]) -> None:
        self._enclave = enclave
        self._txs = txs
        self._metrics = metrics
        self._num_blocks = num_blocks
        self._block_version = block_version
        self._is_behind = is_behind
        self._to_worker = to_worker
        self._to_peers = to_peers
        self._result_code = result_code

    def _response(self, result: int, err_msg: str = "") -> consensus_common_pb2.ProposeTxResponse:
        return consensus_common_pb2.ProposeTxResponse(
            result=result,  # type: ignore[arg-type]
            block_count=self._num_blocks(), block_version=self._block_version, err_msg=err_msg)

    def client_propose(self, aad: bytes, channel_id: bytes,
                       data: bytes) -> consensus_common_pb2.ProposeTxResponse:
        """``ClientTxPropose`` (raises :class:`Refusal` for a status answer)."""
        self._metrics.count("add_tx_initiated")
        try:
            frame = self._enclave.client_frame(aad, channel_id, data)
        except RefImplError:
            raise Refusal("PERMISSION_DENIED", ATTESTATION_DENIED) from None
        busy = client_over_capacity(self._txs.pending_count())
        if busy or self._is_behind():
            try:
                self._enclave.client_discard_message(frame)
            except RefImplError:
                raise Refusal("PERMISSION_DENIED", ATTESTATION_DENIED) from None
            raise Refusal("UNAVAILABLE", OVER_CAPACITY if busy else NOT_SERVING)
        try:
            context = self._enclave.client_tx_propose(frame)
        except RefImplError as exc:
            if exc.code.startswith(("attest.unknown_channel", "crypto.noise")):
                raise Refusal("PERMISSION_DENIED", ATTESTATION_DENIED) from None
            return self._refused(exc)
        return self._admit([context], frozenset())

    def peer_propose(self, aad: bytes, channel_id: bytes,
                     data: bytes) -> consensus_common_pb2.ProposeTxResponse:
        """``PeerTxPropose``: every tx of the list that passes is admitted (no relay)."""
        try:
            contexts = self._enclave.peer_tx_propose(
                self._enclave.peer_frame(aad, channel_id, data))
        except RefImplError:
            raise Refusal("PERMISSION_DENIED", ATTESTATION_DENIED) from None
        admitted = []
        for context in contexts:
            try:
                self._txs.check_new_tx(context)
            except RefImplError as exc:
                self._metrics.tx_validation_errors.labels(err=exc.code).inc()
                continue
            admitted.append(context.tx_hash)
        if admitted:
            self._to_worker(admitted, time.time())
        return self._response(0)

    def _refused(self, exc: RefImplError) -> consensus_common_pb2.ProposeTxResponse:
        self._metrics.tx_validation_errors.labels(err=exc.code).inc()
        return self._response(self._result_code(exc.code), exc.one_line())

    def _admit(self, contexts: Sequence[TxContext],
               exclude: frozenset[str]) -> consensus_common_pb2.ProposeTxResponse:
        for context in contexts:
            try:
                self._txs.check_new_tx(context)
            except RefImplError as exc:
                return self._refused(exc)
        hashes = [c.tx_hash for c in contexts]
        self._metrics.count("add_tx", len(hashes))
        self._to_peers(hashes, exclude)
        self._to_worker(hashes, time.time())
        return self._response(0)
