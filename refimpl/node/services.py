"""The node's gRPC servicers: client port, peer port, admin port.

MobileCoin ``consensus/service/src/consensus_service.rs`` (which services each port serves),
``api/client_api_service.rs``, ``api/peer_api_service.rs``, ``api/blockchain_api_service.rs``
(``GetBlocks`` capped at 2000 per call), ``api/attested_api_service.rs`` and
``util/grpc/src/health_service.rs`` (client-port health is SERVING only while the node is not
behind; the peer port is always SERVING).

Every handler goes through :func:`refimpl.node.grpc_util.unary_handler`: malformed request
bytes and typed refusals are ``INVALID_ARGUMENT`` with an ``error[CODE]`` line, and each call
is counted in ``consensus_service_num_req`` / ``_num_error`` / ``_num_status_code`` /
``_duration``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from refimpl.enclave.channel import Frame
from refimpl.errors import RefImplError
from refimpl.ledger.block_protobuf import block_to_protobuf
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import (
    admin_pb2,
    attest_pb2,
    consensus_client_pb2,
    consensus_common_pb2,
    consensus_peer_pb2,
)
from refimpl.node.consensus_msg import ConsensusMsg
from refimpl.node.grpc_util import MethodHandler, ServiceHandler, service_handler, unary_handler
from refimpl.node.intake import Intake, Refusal
from refimpl.node.metrics import NodeMetrics

#: ``blockchain_api_service.rs``: the most block headers one ``GetBlocks`` returns.
MAX_BLOCKS_PER_CALL = 2000

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


class ServiceEnclave(Protocol):
    """What the peer API needs of :class:`refimpl.node.enclave.NodeEnclave`."""

    def txs_for_peer(self, tx_hashes: Sequence[bytes], channel_id: bytes,
                     aad: bytes) -> Frame: ...
    def has_peer_session(self, channel_id: bytes) -> bool: ...


class Methods:
    """Builds instrumented handlers for one port."""

    def __init__(self, metrics: NodeMetrics) -> None:
        self._metrics = metrics

    def observe(self, name: str, status: str, seconds: float) -> None:
        """Count one handled call (also given to servicers built elsewhere)."""
        m = self._metrics
        m.num_req.labels(method=name).inc()
        m.duration.labels(method=name).observe(seconds)
        m.num_status_code.labels(method=name, status_code=status).inc()
        if status != "OK":
            m.num_error.labels(method=name).inc()

    def handler(self, name: str, fn: Callable[[Req, grpc.ServicerContext], Resp],
                req: type[Req], resp: type[Resp]) -> MethodHandler:
        return unary_handler(fn, req, resp, observe=self.observe, name=name)


def _abort(context: grpc.ServicerContext, refusal: Refusal) -> None:
    context.abort(getattr(grpc.StatusCode, refusal.status), refusal.details)


def blockchain_service(methods: Methods, ledger: LedgerStore, fees: Mapping[int, int],
                       block_version: int) -> ServiceHandler:
    """``consensus_common.BlockchainAPI`` (both ports)."""

    def last_block_info(_: consensus_common_pb2.Empty,
                        __: grpc.ServicerContext) -> consensus_common_pb2.LastBlockInfoResponse:
        return consensus_common_pb2.LastBlockInfoResponse(
            index=ledger.num_blocks() - 1, mob_minimum_fee=fees.get(0, 0),
            minimum_fees=dict(fees), network_block_version=block_version)

    def get_blocks(request: consensus_common_pb2.BlocksRequest,
                   __: grpc.ServicerContext) -> consensus_common_pb2.BlocksResponse:
        end = min(ledger.num_blocks(), request.offset + min(request.limit, MAX_BLOCKS_PER_CALL))
        blocks = [block_to_protobuf(ledger.get_block(i)) for i in range(request.offset, end)]
        return consensus_common_pb2.BlocksResponse(blocks=blocks)

    return service_handler("consensus_common.BlockchainAPI", {
        "GetLastBlockInfo": methods.handler("GetLastBlockInfo", last_block_info,
                                            consensus_common_pb2.Empty,
                                            consensus_common_pb2.LastBlockInfoResponse),
        "GetBlocks": methods.handler("GetBlocks", get_blocks, consensus_common_pb2.BlocksRequest,
                                     consensus_common_pb2.BlocksResponse),
    })


def attested_service(methods: Methods, accept: Callable[[bytes], bytes],
                     on_failure: Callable[[RefImplError], None]) -> ServiceHandler:
    """``attest.AttestedApi/Auth``: NX on the client port, IX on the peer port."""

    def auth(request: attest_pb2.AuthMessage,
             context: grpc.ServicerContext) -> attest_pb2.AuthMessage:
        try:
            return attest_pb2.AuthMessage(data=accept(request.data))
        except RefImplError as exc:
            on_failure(exc)
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Permission denied: "
                          + exc.one_line())
            raise  # unreachable: abort raises

    return service_handler("attest.AttestedApi", {
        "Auth": methods.handler("Auth", auth, attest_pb2.AuthMessage, attest_pb2.AuthMessage)})


def client_service(methods: Methods, intake: Intake,
                   node_config: Callable[[], consensus_client_pb2.ConsensusNodeConfig]
                   ) -> ServiceHandler:
    """``consensus_client.ConsensusClientAPI``."""

    def propose(request: attest_pb2.Message,
                context: grpc.ServicerContext) -> consensus_common_pb2.ProposeTxResponse:
        try:
            return intake.client_propose(request.aad, request.channel_id, request.data)
        except Refusal as refusal:
            _abort(context, refusal)
            raise

    def get_config(_: consensus_common_pb2.Empty,
                   __: grpc.ServicerContext) -> consensus_client_pb2.ConsensusNodeConfig:
        return node_config()

    return service_handler("consensus_client.ConsensusClientAPI", {
        "ClientTxPropose": methods.handler("ClientTxPropose", propose, attest_pb2.Message,
                                           consensus_common_pb2.ProposeTxResponse),
        "GetNodeConfig": methods.handler("GetNodeConfig", get_config,
                                         consensus_common_pb2.Empty,
                                         consensus_client_pb2.ConsensusNodeConfig),
    })


class PeerHooks(Protocol):
    """What the peer API needs of the node."""

    def accepts_from(self, responder_id: str) -> bool: ...
    def first_sight(self, payload: bytes) -> bool:
        """False for a payload already received (checked before the signature)."""
        ...
    def msg_keys(self) -> Mapping[str, bytes]: ...
    def push_msg(self, msg: ConsensusMsg, from_peer: str) -> None: ...
    def latest_msg(self) -> ConsensusMsg | None: ...
    def missing_txs(self, tx_hashes: Sequence[bytes]) -> list[bytes]: ...


def peer_service(methods: Methods, intake: Intake, enclave: ServiceEnclave,
                 hooks: PeerHooks) -> ServiceHandler:
    """``consensus_peer.ConsensusPeerAPI``."""

    def propose(request: attest_pb2.Message,
                context: grpc.ServicerContext) -> consensus_common_pb2.ProposeTxResponse:
        try:
            return intake.peer_propose(request.aad, request.channel_id, request.data)
        except Refusal as refusal:
            _abort(context, refusal)
            raise

    def send_msg(request: consensus_peer_pb2.ConsensusMsg,
                 __: grpc.ServicerContext) -> consensus_peer_pb2.ConsensusMsgResponse:
        if not hooks.accepts_from(request.from_responder_id):
            return consensus_peer_pb2.ConsensusMsgResponse(
                result=consensus_peer_pb2.UnknownPeer)
        if not hooks.first_sight(request.payload):
            return consensus_peer_pb2.ConsensusMsgResponse(result=consensus_peer_pb2.Ok)
        msg = ConsensusMsg.decode_verified(request.payload, hooks.msg_keys())
        hooks.push_msg(msg, request.from_responder_id)
        return consensus_peer_pb2.ConsensusMsgResponse(result=consensus_peer_pb2.Ok)

    def latest(_: consensus_common_pb2.Empty,
               __: grpc.ServicerContext) -> consensus_peer_pb2.GetLatestMsgResponse:
        msg = hooks.latest_msg()
        return consensus_peer_pb2.GetLatestMsgResponse(payload=b"" if msg is None
                                                       else msg.encode())

    def get_txs(request: consensus_peer_pb2.GetTxsRequest,
                context: grpc.ServicerContext) -> consensus_peer_pb2.GetTxsResponse:
        if not enclave.has_peer_session(request.channel_id):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Permission Denied (attestation)")
        missing = hooks.missing_txs(list(request.tx_hashes))
        if missing:
            return consensus_peer_pb2.GetTxsResponse(
                tx_hashes_not_in_cache=consensus_peer_pb2.TxHashesNotInCache(tx_hashes=missing))
        frame = enclave.txs_for_peer(list(request.tx_hashes), request.channel_id, b"")
        return consensus_peer_pb2.GetTxsResponse(success=attest_pb2.Message(
            aad=frame.aad, channel_id=frame.channel_id, data=frame.data))

    return service_handler("consensus_peer.ConsensusPeerAPI", {
        "PeerTxPropose": methods.handler("PeerTxPropose", propose, attest_pb2.Message,
                                         consensus_common_pb2.ProposeTxResponse),
        "SendConsensusMsg": methods.handler("SendConsensusMsg", send_msg,
                                            consensus_peer_pb2.ConsensusMsg,
                                            consensus_peer_pb2.ConsensusMsgResponse),
        "GetLatestMsg": methods.handler("GetLatestMsg", latest, consensus_common_pb2.Empty,
                                        consensus_peer_pb2.GetLatestMsgResponse),
        "GetTxs": methods.handler("GetTxs", get_txs, consensus_peer_pb2.GetTxsRequest,
                                  consensus_peer_pb2.GetTxsResponse),
    })


def admin_service(methods: Methods, metrics: NodeMetrics, name: str, node_id: str,
                  status: Callable[[], dict[str, Any]]) -> ServiceHandler:
    """``admin.AdminAPI``: GetInfo (``config_json`` holds the status) and the metrics text."""

    def info(_: consensus_common_pb2.Empty,
             __: grpc.ServicerContext) -> admin_pb2.GetInfoResponse:
        return admin_pb2.GetInfoResponse(
            name=name, id=node_id, build_info_json=json.dumps({"name": "mcref"}),
            config_json=json.dumps(status(), sort_keys=True), rust_log="INFO")

    def prometheus(_: consensus_common_pb2.Empty,
                   __: grpc.ServicerContext) -> admin_pb2.GetPrometheusMetricsResponse:
        return admin_pb2.GetPrometheusMetricsResponse(metrics=metrics.exposition())

    return service_handler("admin.AdminAPI", {
        "GetInfo": methods.handler("GetInfo", info, consensus_common_pb2.Empty,
                                   admin_pb2.GetInfoResponse),
        "GetPrometheusMetrics": methods.handler("GetPrometheusMetrics", prometheus,
                                                consensus_common_pb2.Empty,
                                                admin_pb2.GetPrometheusMetricsResponse),
    })


class Health:
    """``grpc.health.v1.Health`` for one port; ``set_serving`` flips the overall status."""

    def __init__(self) -> None:
        self.servicer = health.HealthServicer()
        self.set_serving(True)

    def set_serving(self, serving: bool) -> None:
        status = (health_pb2.HealthCheckResponse.SERVING if serving
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        self.servicer.set("", status)

    def add_to(self, server: grpc.Server) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, server)
