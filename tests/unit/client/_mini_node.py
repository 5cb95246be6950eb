"""A minimal node for the client tests, on a real consensus enclave
(refimpl/enclave/consensus_api.py ``ConsensusEnclave``), a real LMDB ledger, the node's
BlockchainAPI servicer and its ledger-access API: what a client port serves, without SCP."""

from __future__ import annotations

import threading

import attrs
import grpc

from refimpl.enclave.channel import Frame, LocalEnclave
from refimpl.enclave.consensus_api import ConsensusEnclave
from refimpl.errors import RefImplError
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import attest_pb2, consensus_common_pb2
from refimpl.node.grpc_util import ServiceHandler, service_handler, unary_handler
from refimpl.node.ledger_access import LedgerAccessServicer
from refimpl.node.metrics import NodeMetrics
from refimpl.node.services import Methods, blockchain_service
from refimpl.node.tx_manager import propose_tx_result
from tests.unit.ledger._wallets import BLOCK_VERSION, FEE_MAP
from tests.unit.transaction._txbuild import rng_from

RESPONDER_ID = "127.0.0.1:3223"


def _peers_never_connect(_evidence: object, _expected: object) -> object:
    raise AssertionError("the mini node has no peers")


class MiniNode:
    """``attest.AttestedApi/Auth`` and ``ClientTxPropose`` over a real consensus enclave: the
    frame's nonce is the session's receive counter (as the node derives it); an unknown
    session or undecryptable frame is PERMISSION_DENIED; a proposed tx is validated and formed
    into the next block at once."""

    def __init__(
        self, local: LocalEnclave, ledger: LedgerStore, responder_id: str = RESPONDER_ID
    ) -> None:
        self.enclave = ConsensusEnclave(
            client_responder_id=responder_id, peer_responder_id="127.0.0.1:8080",
            local=local, verifier=_peers_never_connect, block_version=BLOCK_VERSION,
            fee_map=FEE_MAP,
        )
        self.ledger = ledger
        self.rng = rng_from("mini-node")
        self.lock = threading.Lock()
        self.deny_all = False

    def forget_sessions(self) -> None:
        with self.lock:
            self.enclave = attrs.evolve(self.enclave, clients={})

    def auth(self, request: attest_pb2.AuthMessage,
             context: grpc.ServicerContext) -> attest_pb2.AuthMessage:
        with self.lock:
            self.enclave, message2 = self.enclave.client_accept(request.data, self.rng)
        return attest_pb2.AuthMessage(data=message2)

    def propose(self, request: attest_pb2.Message,
                context: grpc.ServicerContext) -> consensus_common_pb2.ProposeTxResponse:
        with self.lock:
            session = self.enclave.clients.get(request.channel_id)
            if session is None or self.deny_all:
                context.abort(grpc.StatusCode.PERMISSION_DENIED, "Permission Denied (attestation)")
            frame = Frame(request.aad, request.channel_id, request.data, session.recv.cipher.n)
            try:
                self.enclave, tx_context = self.enclave.client_tx_propose(frame)
            except RefImplError as err:
                context.abort(grpc.StatusCode.PERMISSION_DENIED, err.one_line())
            try:
                block, contents = self.enclave.form_block(
                    self.ledger, [tx_context.tx_hash], self.rng)
            except RefImplError as err:
                return consensus_common_pb2.ProposeTxResponse(
                    result=consensus_common_pb2.ProposeTxResult.ValueType(propose_tx_result(err.code)),
                    err_msg=err.one_line(),
                    block_count=self.ledger.num_blocks())
            self.ledger.append_block(block, contents)
            return consensus_common_pb2.ProposeTxResponse(
                result=consensus_common_pb2.Ok, block_count=self.ledger.num_blocks(),
                block_version=BLOCK_VERSION)

    def handlers(self) -> list[ServiceHandler]:
        return [
            service_handler("attest.AttestedApi", {
                "Auth": unary_handler(self.auth, attest_pb2.AuthMessage, attest_pb2.AuthMessage),
            }),
            service_handler("consensus_client.ConsensusClientAPI", {
                "ClientTxPropose": unary_handler(self.propose, attest_pb2.Message,
                                                 consensus_common_pb2.ProposeTxResponse),
            }),
            blockchain_service(Methods(NodeMetrics()), self.ledger, FEE_MAP, BLOCK_VERSION),
            LedgerAccessServicer(self.ledger).handlers(),
        ]
