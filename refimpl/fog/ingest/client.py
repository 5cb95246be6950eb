"""A client of an ingest server's ``account_ingest.AccountIngestAPI`` (the operator's tool).

MobileCoin ``fog/ingest/client`` (``FogIngestGrpcClient``): one method per RPC. A refusal
whose details carry a registered ``error[fog.CODE]`` line is raised as that ``FogError``; any
other failure (unreachable server, ...) is ``fog.ingest_admin_unreachable``.
"""

from __future__ import annotations

import re
from typing import TypeVar

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from refimpl import protobuf as pb
from refimpl.errors import CODES, FogError
from refimpl.fog.api import ingest_common_pb2, ingest_pb2
from refimpl.fog.ingest.admin import INGEST_SERVICE
from refimpl.fog.types import BlockRange
from refimpl.node.grpc_util import method_path, unary_call

Resp = TypeVar("Resp", bound=Message)
_ERROR_LINE = re.compile(r"error\[(fog\.[a-z0-9_]+)\]: (.*)", re.DOTALL)


class IngestAdminClient:
    """Calls one ingest server at ``HOST:PORT``."""

    def __init__(self, address: str, timeout_s: float = 10.0) -> None:
        self.address = address
        self._timeout_s = timeout_s
        self._channel = grpc.insecure_channel(address)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> IngestAdminClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: str, request: Message, resp: type[Resp]) -> Resp:
        try:
            return unary_call(self._channel, method_path(INGEST_SERVICE, method), request, resp,
                              self._timeout_s)
        except grpc.RpcError as exc:
            details = exc.details() if isinstance(exc, grpc.Call) else ""
            found = _ERROR_LINE.match(details or "")
            if found and found.group(1) in CODES:
                raise FogError(found.group(1), found.group(2)) from None
            code = exc.code() if isinstance(exc, grpc.Call) else None
            raise FogError("fog.ingest_admin_unreachable",
                           f"{method} at {self.address}: {code} {details}") from None

    def _summary(self, method: str, request: Message | None = None
                 ) -> ingest_common_pb2.IngestSummary:
        return self._call(method, request or empty_pb2.Empty(), ingest_common_pb2.IngestSummary)

    def get_status(self) -> ingest_common_pb2.IngestSummary:
        return self._summary("GetStatus")

    def new_keys(self) -> ingest_common_pb2.IngestSummary:
        return self._summary("NewKeys")

    def set_pubkey_expiry_window(self, window: int) -> ingest_common_pb2.IngestSummary:
        return self._summary("SetPubkeyExpiryWindow",
                             ingest_pb2.SetPubkeyExpiryWindowRequest(pubkey_expiry_window=window))

    def set_peers(self, peer_uris: list[str]) -> ingest_common_pb2.IngestSummary:
        return self._summary("SetPeers",
                             ingest_common_pb2.SetPeersRequest(ingest_peer_uris=peer_uris))

    def activate(self) -> ingest_common_pb2.IngestSummary:
        return self._summary("Activate")

    def retire(self) -> ingest_common_pb2.IngestSummary:
        return self._summary("Retire")

    def unretire(self) -> ingest_common_pb2.IngestSummary:
        return self._summary("Unretire")

    def report_lost_ingress_key(self, key: bytes) -> None:
        """``key``: the raw 32-byte compressed ingress public key."""
        self._call("ReportLostIngressKey",
                   ingest_pb2.ReportLostIngressKeyRequest(key=pb.bytes_field(1, key)),
                   empty_pb2.Empty)

    def get_missed_block_ranges(self) -> list[BlockRange]:
        reply = self._call("GetMissedBlockRanges", empty_pb2.Empty(),
                           ingest_pb2.GetMissedBlockRangesResponse)
        return [BlockRange(r.start_block, r.end_block) for r in reply.missed_block_ranges]

    def sync_keys_from_remote(self, peer_uri: str) -> ingest_common_pb2.IngestSummary:
        return self._summary("SyncKeysFromRemote",
                             ingest_pb2.SyncKeysFromRemoteRequest(peer_uri=peer_uri))

    def get_ingress_key_records(self, start_block_at_least: int = 0, *,
                                include_lost: bool = True, include_retired: bool = True,
                                only_unexpired: bool = False
                                ) -> list[ingest_pb2.IngressPublicKeyRecord]:
        reply = self._call("GetIngressKeyRecords", ingest_pb2.GetIngressKeyRecordsRequest(
            start_block_at_least=start_block_at_least, should_include_lost_keys=include_lost,
            should_include_retired_keys=include_retired,
            should_only_include_unexpired_keys=only_unexpired),
            ingest_pb2.GetIngressKeyRecordsResponse)
        return list(reply.records)
