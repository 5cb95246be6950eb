"""The view store's gRPC services: ``FogViewStoreAPI`` for its router, ``FogViewAPI`` for
clients.

MobileCoin ``fog/view/server/src/fog_view_service.rs`` (``FogViewService``):

* the untrusted part of a query decodes ``QueryRequestAAD`` from the message's AAD (malformed:
  ``INVALID_ARGUMENT``), reads the user events after ``start_from_user_event_id`` and the block
  counters of the poll loop;
* ``MultiViewStoreQuery`` tries each ``attest.NonceMessage`` of the request on the store's
  sessions; the first that decrypts is answered: ``NOT_READY`` while a store that is not the
  first epoch has loaded no block, else ``SUCCESS`` with the encrypted ``QueryResponse``; when
  none decrypts the answer is ``AUTHENTICATION_ERROR`` (the router re-attests). Every answer
  names the store's URI and its configured block range. Unlike MobileCoin, the store checks
  readiness before it encrypts an answer (MobileCoin encrypts, then drops the answer when not
  ready): the sessions here take strictly consecutive nonces, so an answer never sent would
  desynchronise the router's session;
* ``FogViewAPI.Query`` (``Auth`` + ``Query`` over ``attest.Message``) answers a client
  directly, so one store alone is a complete view server: its answer is collated exactly as a
  router with this single store would collate it (:meth:`ViewEnclave.client_query`).
"""

from __future__ import annotations

from typing import Any

import grpc

from refimpl.enclave.channel import Frame
from refimpl.errors import RefImplError
from refimpl.fog.api import attest_nonce_pb2, fog_common_pb2, view_pb2
from refimpl.fog.grpc_host import attested_service
from refimpl.fog.recovery_db.iface import RecoveryDb
from refimpl.fog.view.db_poll import DbPollWorker
from refimpl.fog.view.enclave import UntrustedQueryResponse, ViewEnclave
from refimpl.fog.view.messages import QueryRequestAAD
from refimpl.fog.view.sharding import EpochShardingStrategy
from refimpl.node.grpc_util import unary_handler

VIEW_API = "fog_view.FogViewAPI"
VIEW_STORE_API = "fog_view.FogViewStoreAPI"
STORE_URI_SCHEME = "insecure-fog-view-store"
Status = view_pb2.MultiViewStoreQueryResponseStatus


def store_uri(responder_id: str, sharding: EpochShardingStrategy) -> str:
    """The ``FogViewStoreUri`` a router dials for this store (its ``sharding_strategy`` is
    the store's range)."""
    return f"{STORE_URI_SCHEME}://{responder_id}/?sharding_strategy={sharding}"


class ViewStoreService:
    """Answers queries from the enclave, the recovery database and the poll loop's counters."""

    def __init__(self, enclave: ViewEnclave, db: RecoveryDb, poll: DbPollWorker,
                 sharding: EpochShardingStrategy, uri: str) -> None:
        self.enclave = enclave
        self._db = db
        self._poll = poll
        self.sharding = sharding
        self.uri = uri

    def untrusted_query_response(self, aad: bytes) -> UntrustedQueryResponse:
        """``create_untrusted_query_response``."""
        cursor = QueryRequestAAD.from_protobuf(aad).start_from_user_event_id
        events, next_id = self._db.search_user_events(cursor)
        state = self._poll.state()
        return UntrustedQueryResponse(
            user_events=tuple(events),
            next_start_from_user_event_id=next_id,
            highest_processed_block_count=state.highest_processed_block_count,
            highest_processed_block_signature_timestamp=(
                state.highest_processed_block_signature_timestamp),
            last_known_block_count=state.last_known_block_count,
            last_known_block_cumulative_txo_count=state.last_known_block_cumulative_txo_count,
        )

    def query(self, plaintext: bytes, aad: bytes) -> bytes:
        """``FogViewAPI.Query``'s body (the frame is opened and sealed by the host)."""
        untrusted = self.untrusted_query_response(aad)
        return self.enclave.client_query(plaintext, untrusted, self.sharding.epoch_block_range)

    def multi_view_store_query(
            self, request: view_pb2.MultiViewStoreQueryRequest,
            context: grpc.ServicerContext) -> view_pb2.MultiViewStoreQueryResponse:
        """``process_queries``."""
        del context
        epoch = self.sharding.epoch_block_range
        response = view_pb2.MultiViewStoreQueryResponse(
            store_uri=self.uri,
            block_range=fog_common_pb2.BlockRange(start_block=epoch.start_block,
                                                  end_block=epoch.end_block))
        fog = self.enclave.fog
        for query in request.queries:
            try:
                plaintext = fog.nonce_open(
                    Frame(query.aad, query.channel_id, query.data, query.nonce))
            except RefImplError:
                continue
            if not self.sharding.is_ready_to_serve_tx_outs(
                    self._poll.state().processed_block_count):
                response.status = Status.NOT_READY
                return response
            answer = self.enclave.store_query(plaintext, self.untrusted_query_response(query.aad))
            frame = fog.client_seal(query.channel_id, answer)
            response.query_response.CopyFrom(attest_nonce_pb2.NonceMessage(
                aad=frame.aad, channel_id=frame.channel_id, data=frame.data, nonce=frame.nonce))
            response.status = Status.SUCCESS
            return response
        response.status = Status.AUTHENTICATION_ERROR
        return response

    def handlers(self) -> list[Any]:
        """The gRPC handlers of both services (they share the enclave's sessions)."""
        fog = self.enclave.fog
        store_query = unary_handler(self.multi_view_store_query,
                                    view_pb2.MultiViewStoreQueryRequest,
                                    view_pb2.MultiViewStoreQueryResponse)
        return [
            attested_service(VIEW_STORE_API, fog, {}, {"MultiViewStoreQuery": store_query}),
            attested_service(VIEW_API, fog, {"Query": self.query}),
        ]
