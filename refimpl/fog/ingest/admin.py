"""``account_ingest.AccountIngestAPI``: how an operator drives an ingest server.

MobileCoin ``fog/ingest/server/src/ingest_service.rs`` and ``fog/api/proto/ingest.proto``:
``GetStatus``, ``NewKeys``, ``SetPubkeyExpiryWindow``, ``Activate``, ``Retire``, ``Unretire``,
``ReportLostIngressKey``, ``GetMissedBlockRanges``, ``GetIngressKeyRecords``. ``SetPeers`` and
``SyncKeysFromRemote`` (key sharing between a cluster's ingest servers over attested peer
sessions) are refused here with ``UNIMPLEMENTED`` and ``error[fog.ingest_not_supported]``.

Statuses (as MobileCoin maps its errors): not idle and an expiry window that may not shrink are
``FAILED_PRECONDITION``; a malformed key or window is ``INVALID_ARGUMENT``; an unreachable
database is ``UNAVAILABLE``; every other failure is ``INTERNAL``. Refusals MobileCoin answers
with ``INTERNAL`` (its database errors and ``KeyAlreadyRetired``) get the status of a refusal
here: a lost key the database does not know and a ``start_block_at_least`` past ``i64`` are
``INVALID_ARGUMENT``; activating a retired key with nothing left to scan and retiring or
unretiring a key never activated are ``FAILED_PRECONDITION``. Bytes that are not the method's
request message are ``INVALID_ARGUMENT`` (``node.bad_request``, from ``unary_handler``). The
details are the error's ``error[CODE]: message`` line; a refused call changes nothing.
Ingress keys travel as ``external.CompressedRistretto`` messages (``{ bytes data = 1; }``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from refimpl import protobuf as pb
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import fog_common_pb2, ingest_common_pb2, ingest_pb2
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ingest.controller import IngestController
from refimpl.fog.recovery_db import IngressPublicKeyRecordFilters
from refimpl.node.grpc_util import MethodHandler, ServiceHandler, service_handler, unary_handler

INGEST_SERVICE = "account_ingest.AccountIngestAPI"

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

_STATUS = {
    "fog.ingest_not_idle": grpc.StatusCode.FAILED_PRECONDITION,
    "fog.ingest_cannot_reduce_expiry_window": grpc.StatusCode.FAILED_PRECONDITION,
    "fog.ingest_key_retired": grpc.StatusCode.FAILED_PRECONDITION,
    "fog.ingest_key_not_registered": grpc.StatusCode.FAILED_PRECONDITION,
    "fog.ingest_not_supported": grpc.StatusCode.UNIMPLEMENTED,
    "fog.ingest_bad_ingress_pubkey": grpc.StatusCode.INVALID_ARGUMENT,
    "fog.ingest_bad_config": grpc.StatusCode.INVALID_ARGUMENT,
    "fog.recovery_db_unknown_ingress_key": grpc.StatusCode.INVALID_ARGUMENT,
    "fog.recovery_db_out_of_range": grpc.StatusCode.INVALID_ARGUMENT,
    "fog.recovery_db_io": grpc.StatusCode.UNAVAILABLE,
}


def _method(fn: Callable[[Req], Resp], req: type[Req], resp: type[Resp]) -> MethodHandler:
    """A handler whose typed errors become the status of :data:`_STATUS` (else INTERNAL)."""

    def handle(request: Req, context: grpc.ServicerContext) -> Resp:
        try:
            return fn(request)
        except RefImplError as err:
            context.abort(_STATUS.get(err.code, grpc.StatusCode.INTERNAL), err.one_line())
            raise  # unreachable: abort raises

    return unary_handler(handle, req, resp)


def _not_supported(what: str) -> Callable[[Message], ingest_common_pb2.IngestSummary]:
    def refuse(_request: Message) -> ingest_common_pb2.IngestSummary:
        raise FogError("fog.ingest_not_supported",
                       f"{what}: refimpl's ingest servers do not share keys with peers")

    return refuse


def _key_from_message(data: bytes) -> bytes:
    try:
        return pb.Fields(data).get_bytes(1)
    except RefImplError as exc:
        raise FogError("fog.ingest_bad_ingress_pubkey",
                       f"not a CompressedRistretto message: {exc.message}") from None


def admin_service(controller: IngestController, source: BlockSource) -> ServiceHandler:
    """The AccountIngestAPI of ``controller`` (``Activate`` reads ``source``'s block count)."""
    Empty = empty_pb2.Empty
    Summary = ingest_common_pb2.IngestSummary

    def report_lost(request: ingest_pb2.ReportLostIngressKeyRequest) -> empty_pb2.Empty:
        controller.report_lost_ingress_key(_key_from_message(request.key))
        return Empty()

    def missed(_request: empty_pb2.Empty) -> ingest_pb2.GetMissedBlockRangesResponse:
        return ingest_pb2.GetMissedBlockRangesResponse(missed_block_ranges=[
            fog_common_pb2.BlockRange(start_block=r.start_block, end_block=r.end_block)
            for r in controller.get_missed_block_ranges()])

    def key_records(request: ingest_pb2.GetIngressKeyRecordsRequest
                    ) -> ingest_pb2.GetIngressKeyRecordsResponse:
        filters = IngressPublicKeyRecordFilters(
            should_include_lost_keys=request.should_include_lost_keys,
            should_include_retired_keys=request.should_include_retired_keys,
            should_only_include_unexpired_keys=request.should_only_include_unexpired_keys)
        records = controller.get_ingress_key_records(request.start_block_at_least, filters)
        return ingest_pb2.GetIngressKeyRecordsResponse(records=[
            ingest_pb2.IngressPublicKeyRecord(
                ingress_public_key=pb.bytes_field(1, r.key),
                start_block=r.status.start_block, pubkey_expiry=r.status.pubkey_expiry,
                retired=r.status.retired, lost=r.status.lost,
                last_scanned_block=r.last_scanned_block or 0)
            for r in records])

    methods: dict[str, MethodHandler] = {
        "GetStatus": _method(lambda _r: controller.summary(), Empty, Summary),
        "NewKeys": _method(lambda _r: controller.new_keys(), Empty, Summary),
        "SetPubkeyExpiryWindow": _method(
            lambda r: controller.set_pubkey_expiry_window(r.pubkey_expiry_window),
            ingest_pb2.SetPubkeyExpiryWindowRequest, Summary),
        "SetPeers": _method(_not_supported("SetPeers"), ingest_common_pb2.SetPeersRequest,
                            Summary),
        "Activate": _method(lambda _r: controller.activate(source.num_blocks()), Empty,
                            Summary),
        "Retire": _method(lambda _r: controller.retire(), Empty, Summary),
        "Unretire": _method(lambda _r: controller.unretire(), Empty, Summary),
        "ReportLostIngressKey": _method(report_lost, ingest_pb2.ReportLostIngressKeyRequest,
                                        Empty),
        "GetMissedBlockRanges": _method(missed, Empty, ingest_pb2.GetMissedBlockRangesResponse),
        "SyncKeysFromRemote": _method(_not_supported("SyncKeysFromRemote"),
                                      ingest_pb2.SyncKeysFromRemoteRequest, Summary),
        "GetIngressKeyRecords": _method(key_records, ingest_pb2.GetIngressKeyRecordsRequest,
                                        ingest_pb2.GetIngressKeyRecordsResponse),
    }
    return service_handler(INGEST_SERVICE, methods)

