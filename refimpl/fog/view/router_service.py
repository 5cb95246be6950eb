"""The view router's gRPC services.

MobileCoin ``fog/view/server/src/fog_view_router_service.rs`` (``FogViewRouterAPI``: a
bidirectional stream of ``FogViewRouterRequest`` {auth | query}, each answered in order, a
failure ending the stream with its status), the unary ``FogViewAPI`` (``Auth`` + ``Query``)
the router serves when its client listen URI is a ``fog-view`` one (here: always, next to the
stream), and ``router_admin_service.rs`` (``FogViewRouterAdminAPI.addShard``: a malformed URI
is ``INVALID_ARGUMENT``, a known one ``FAILED_PRECONDITION``). A stream message that is not a
``FogViewRouterRequest`` ends the stream with ``INVALID_ARGUMENT`` and ``error[node.bad_request]``
(decoded here, as ``unary_handler`` does: grpc's own deserializer would answer ``INTERNAL``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import DecodeError

from refimpl.errors import FogError, NodeError, RefImplError
from refimpl.fog.api import fog_common_pb2, view_pb2
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.grpc_host import attested_service
from refimpl.fog.view.router import StoreShard, ViewRouter
from refimpl.fog.view.store_service import VIEW_API
from refimpl.fog.view.uri import parse_store_uri
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import service_handler, unary_handler

VIEW_ROUTER_API = "fog_view.FogViewRouterAPI"
VIEW_ROUTER_ADMIN_API = "fog_view.FogViewRouterAdminAPI"


def _router_stream(fog: FogEnclave, router: ViewRouter) -> Any:
    """``FogViewRouterAPI.request``: auth and query messages on one stream."""

    def handle(messages: Iterator[bytes],
               context: grpc.ServicerContext) -> Iterator[view_pb2.FogViewRouterResponse]:
        for message in messages:
            try:
                request = view_pb2.FogViewRouterRequest.FromString(message)
            except DecodeError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, NodeError(
                    "node.bad_request", f"not a FogViewRouterRequest: {exc}").one_line())
            kind = request.WhichOneof("request_data")
            if kind == "auth":
                try:
                    message2, _ = fog.client_accept(request.auth.data)
                except RefImplError as err:
                    context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                  "Permission denied: " + err.one_line())
                yield view_pb2.FogViewRouterResponse(auth=attest_pb2.AuthMessage(data=message2))
            elif kind == "query":
                query = request.query
                try:
                    plaintext = fog.client_open(query.aad, query.channel_id, query.data)
                except RefImplError as err:
                    fog.drop_session(query.channel_id)
                    context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                  "Permission denied: " + err.one_line())
                try:
                    answer = router.query(plaintext, query.aad)
                except RefImplError as err:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, err.one_line())
                frame = fog.client_seal(query.channel_id, answer)
                yield view_pb2.FogViewRouterResponse(query=attest_pb2.Message(
                    aad=frame.aad, channel_id=frame.channel_id, data=frame.data))
            else:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, FogError(
                    "fog.bad_message", "FogViewRouterRequest has neither auth nor query"
                ).one_line())

    def identity(data: bytes) -> bytes:
        return data

    return grpc.stream_stream_rpc_method_handler(
        handle, request_deserializer=identity,
        response_serializer=view_pb2.FogViewRouterResponse.SerializeToString)


def client_handlers(fog: FogEnclave, router: ViewRouter) -> list[Any]:
    """``FogViewAPI`` (unary) and ``FogViewRouterAPI`` (stream) on the router's enclave."""
    return [
        attested_service(VIEW_API, fog, {"Query": router.query}),
        service_handler(VIEW_ROUTER_API, {"request": _router_stream(fog, router)}),
    ]


def admin_handler(router: ViewRouter, make_shard: Callable[[str], StoreShard]) -> Any:
    """``FogViewRouterAdminAPI.addShard``."""

    def add_shard(request: fog_common_pb2.AddShardRequest,
                  context: grpc.ServicerContext) -> empty_pb2.Empty:
        parse_store_uri(request.shard_uri)  # fog.view_bad_shard_uri -> INVALID_ARGUMENT
        shard = make_shard(request.shard_uri)
        try:
            router.add_shard(shard)
        except FogError as err:
            shard.close()
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, err.one_line())
        return empty_pb2.Empty()

    return service_handler(VIEW_ROUTER_ADMIN_API, {
        "addShard": unary_handler(add_shard, fog_common_pb2.AddShardRequest, empty_pb2.Empty)})
