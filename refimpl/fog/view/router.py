"""The view router: one client query fanned out to every view store, the answers collated.

MobileCoin ``fog/view/server/src/router_request_handler.rs`` (``handle_query_request``,
``get_query_responses``, ``authenticate_view_store``), ``shard_responses_processor.rs``
(``process_shard_responses``) and ``fog_view_router_server.rs`` (``Shard``):

* the router attests to each store as an NX initiator (the store's ``Auth``), trusting the
  view enclave's MRENCLAVE, and keeps one session per store;
* for a client query it decodes the client's ``QueryRequest`` and ``QueryRequestAAD`` (refusing
  a malformed one, or one over the search-key cap, before any store is asked), then,
  concurrently for every store, encrypts the request on that store's session (an
  ``attest.NonceMessage`` carrying the client's AAD) and calls ``MultiViewStoreQuery``;
* a store answering with another block range than the router has for it is a hard error
  (``fog.view_shard_range_mismatch``: the whole query fails), as in MobileCoin;
* ``AUTHENTICATION_ERROR`` (or a failed call, or an answer that does not decrypt) drops the
  session; the router re-attests and retries, :data:`RETRY_COUNT` attempts per store in all;
* ``NOT_READY``, or a store still failing after its attempts, leaves that store without an
  answer, which the collation treats as a shard that processed nothing
  (:mod:`refimpl.fog.view.collate`; MobileCoin fails the whole query on an unreachable store).

Calls on one store's session are serialised (seal, call, open under the store's lock): the
sessions here take strictly consecutive nonces in each direction. MobileCoin sends every store
the whole list of per-store messages; here each store gets only its own, which it would pick
out of the list anyway.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import grpc

from refimpl.crypto.noise import Rng
from refimpl.enclave.channel import AttestedSession, EvidenceVerifier, Frame, client_init
from refimpl.errors import FogError, RefImplError
from refimpl.fog.api import attest_nonce_pb2, view_pb2
from refimpl.fog.types import BlockRange
from refimpl.fog.view.collate import ShardAnswer, create_response
from refimpl.fog.view.enclave import decode_query_request, encode_response
from refimpl.fog.view.messages import QueryRequestAAD, QueryResponse
from refimpl.fog.view.store_service import VIEW_STORE_API
from refimpl.fog.view.uri import StoreUri
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import UnaryCaller, method_path

log = logging.getLogger("mcref.fog.view.router")

#: ``RETRY_COUNT``: attempts per store and query.
RETRY_COUNT = 3
DEFAULT_STORE_TIMEOUT_S = 10.0
Status = view_pb2.MultiViewStoreQueryResponseStatus


class StoreShard:
    """The router's client of one view store (``Shard``). Thread-safe."""

    def __init__(self, store: StoreUri, verifier: EvidenceVerifier, *,
                 timeout_s: float = DEFAULT_STORE_TIMEOUT_S, rng: Rng = os.urandom) -> None:
        self.store = store
        self._verifier = verifier
        self._timeout_s = timeout_s
        self._rng = rng
        self._channel = grpc.insecure_channel(store.address)
        self._auth = UnaryCaller(self._channel, method_path(VIEW_STORE_API, "Auth"),
                                 attest_pb2.AuthMessage, attest_pb2.AuthMessage)
        self._query = UnaryCaller(self._channel, method_path(VIEW_STORE_API,
                                                             "MultiViewStoreQuery"),
                                  view_pb2.MultiViewStoreQueryRequest,
                                  view_pb2.MultiViewStoreQueryResponse)
        self._lock = threading.Lock()
        self._session: AttestedSession | None = None
        #: handshakes completed with this store
        self.attestations = 0

    @property
    def block_range(self) -> BlockRange:
        return self.store.block_range

    def close(self) -> None:
        self._channel.close()

    def _authenticate(self) -> AttestedSession:
        """``authenticate_view_store``: NX handshake with the store's enclave."""
        self._session = None
        pending, message1 = client_init(self.store.responder_id, self._verifier, self._rng)
        reply = self._auth(attest_pb2.AuthMessage(data=message1), self._timeout_s)
        self._session = pending.finish(reply.data)
        self.attestations += 1
        return self._session

    def _attempt(self, plaintext: bytes, aad: bytes) -> tuple[bool, QueryResponse | None]:
        """One call: (final, answer). Not final means: drop the session and try again."""
        session = self._session or self._authenticate()
        session, frame = session.seal(plaintext, aad)
        self._session = session
        request = view_pb2.MultiViewStoreQueryRequest(queries=[attest_nonce_pb2.NonceMessage(
            aad=frame.aad, channel_id=frame.channel_id, data=frame.data, nonce=frame.nonce)])
        reply = self._query(request, self._timeout_s)
        echoed = BlockRange(reply.block_range.start_block, reply.block_range.end_block)
        if echoed != self.block_range:
            raise FogError("fog.view_shard_range_mismatch",
                           f"store {self.store.uri} answered for {echoed}, configured "
                           f"{self.block_range}")
        if reply.status == Status.NOT_READY:
            return True, None
        if reply.status != Status.SUCCESS:
            log.info("store %s answered %s", self.store.uri, Status.Name(reply.status))
            return False, None
        message = reply.query_response
        session, answer = session.open(
            Frame(message.aad, message.channel_id, message.data, message.nonce))
        self._session = session
        return True, QueryResponse.from_protobuf(answer)

    def query(self, plaintext: bytes, aad: bytes) -> QueryResponse | None:
        """The store's decrypted answer, or ``None`` (not ready, or failing after
        :data:`RETRY_COUNT` attempts). A block-range mismatch raises."""
        with self._lock:
            for _ in range(RETRY_COUNT):
                try:
                    final, answer = self._attempt(plaintext, aad)
                except grpc.RpcError as err:
                    log.warning("store %s call failed: %s", self.store.uri, err)
                    final, answer = False, None
                except FogError as err:
                    if err.code == "fog.view_shard_range_mismatch":
                        raise
                    log.warning("store %s: %s", self.store.uri, err.one_line())
                    final, answer = False, None
                except RefImplError as err:
                    log.warning("store %s: %s", self.store.uri, err.one_line())
                    final, answer = False, None
                if final:
                    return answer
                self._session = None
            return None


class ViewRouter:
    """The router's shards and its query logic (``FogViewRouterServer``'s state)."""

    def __init__(self, shards: Sequence[StoreShard], *, max_workers: int = 16) -> None:
        self._lock = threading.Lock()
        self._shards = list(shards)
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="fog-view-router")

    @property
    def shards(self) -> list[StoreShard]:
        with self._lock:
            return list(self._shards)

    def add_shard(self, shard: StoreShard) -> None:
        """``add_shard``: a store whose URI is already known is ``fog.view_shard_exists``."""
        with self._lock:
            if any(s.store.uri == shard.store.uri for s in self._shards):
                raise FogError("fog.view_shard_exists", shard.store.uri)
            self._shards.append(shard)

    def query(self, plaintext: bytes, aad: bytes) -> bytes:
        """A client's ``QueryRequest`` plaintext -> the collated ``QueryResponse`` bytes."""
        request = decode_query_request(plaintext)
        QueryRequestAAD.from_protobuf(aad)  # every store would refuse it: refuse it here
        shards = self.shards
        futures = [self._pool.submit(shard.query, plaintext, aad) for shard in shards]
        answers = [ShardAnswer(shard.block_range, future.result())
                   for shard, future in zip(shards, futures, strict=True)]
        return encode_response(create_response(request, answers))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for shard in self.shards:
            shard.close()
