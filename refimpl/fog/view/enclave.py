"""The view enclave: the trusted half of a view store and of a view router.

MobileCoin ``fog/view/enclave/impl/src/lib.rs`` (``ViewEnclave``): ``add_records`` puts the
host's ``ETxOutRecord``s into the :class:`~refimpl.fog.view.e_tx_out_store.ETxOutStore`;
``query_impl`` decodes a client's ``QueryRequest``, sorts the host's user events into missed
block ranges, RNG records and decommissioned invocations, copies the host's block counters and
looks every search key up; ``create_client_query_response`` (router) merges the stores'
answers (:mod:`refimpl.fog.view.collate`).

The attested sessions themselves live in the :class:`~refimpl.fog.enclave.FogEnclave` this
wraps (``client_accept`` for clients and for a router dialling a store; the router's own
sessions to its stores are in :mod:`refimpl.fog.view.router`).

Limits of this reference: a query carries at most :data:`MAX_SEARCH_KEYS_PER_QUERY` search
keys (``fog.view_too_many_search_keys``; MobileCoin has no server-side cap and its client sends
up to 500, the cap's reason here is time: each key costs two ORAM accesses, ~4 ms in CPython):
each key also costs 575 bytes of the answer (a fixed and a legacy result) and one
answer is one attested message (:data:`refimpl.enclave.channel.MAX_PLAINTEXT`, about 4 MiB);
an answer that still does not fit (too many user events) is ``fog.view_response_too_large``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import attrs

from refimpl.enclave.channel import MAX_PLAINTEXT
from refimpl.errors import FogError
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.recovery_db.types import FogUserEvent
from refimpl.fog.types import (
    BlockRange,
    DecommissionedIngestInvocation,
    ETxOutRecord,
    RngRecord,
)
from refimpl.fog.view.collate import ShardAnswer, create_response
from refimpl.fog.view.e_tx_out_store import DEFAULT_OMAP_CAPACITY, ETxOutStore
from refimpl.fog.view.messages import QueryRequest, QueryResponse

#: The most search keys one query may carry (see the module docstring).
MAX_SEARCH_KEYS_PER_QUERY = 512


@attrs.frozen
class UntrustedQueryResponse:
    """``UntrustedQueryResponse``: what the untrusted server adds to a query — the user events
    after the client's cursor and the store's block counters."""

    user_events: tuple[FogUserEvent, ...] = ()
    next_start_from_user_event_id: int = 0
    highest_processed_block_count: int = 0
    highest_processed_block_signature_timestamp: int = 0
    last_known_block_count: int = 0
    last_known_block_cumulative_txo_count: int = 0


def decode_query_request(plaintext: bytes) -> QueryRequest:
    """A client's ``QueryRequest``: ``fog.bad_message`` if malformed,
    ``fog.view_too_many_search_keys`` over the cap."""
    request = QueryRequest.from_protobuf(plaintext)
    if len(request.get_txos) > MAX_SEARCH_KEYS_PER_QUERY:
        raise FogError("fog.view_too_many_search_keys",
                       f"{len(request.get_txos)} search keys, at most "
                       f"{MAX_SEARCH_KEYS_PER_QUERY} per query")
    return request


def encode_response(response: QueryResponse) -> bytes:
    """The response's bytes, refused (``fog.view_response_too_large``) if they cannot travel
    as one attested message."""
    encoded = response.to_protobuf()
    if len(encoded) > MAX_PLAINTEXT:
        raise FogError("fog.view_response_too_large",
                       f"{len(encoded)} bytes, an attested message holds {MAX_PLAINTEXT}")
    return encoded


class ViewEnclave:
    """The trusted view logic over a :class:`FogEnclave` (its identity and client sessions).
    Thread-safe: the store is used under a lock, as MobileCoin's ``Mutex<ETxOutStore>``."""

    def __init__(self, fog: FogEnclave, omap_capacity: int = DEFAULT_OMAP_CAPACITY, *,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        self.fog = fog
        self._store = ETxOutStore(omap_capacity, rng=rng)
        self._lock = threading.Lock()

    @property
    def num_records(self) -> int:
        with self._lock:
            return len(self._store)

    def add_records(self, records: Sequence[ETxOutRecord]) -> None:
        """``add_records``: the first refused record stops the call (``fog.view_*``)."""
        with self._lock:
            for record in records:
                self._store.add_record(record.search_key, record.payload)

    def query_response(self, request: QueryRequest,
                       untrusted: UntrustedQueryResponse) -> QueryResponse:
        """``query_impl``: the store's own answer (fixed results only, as MobileCoin's store)."""
        rngs: list[RngRecord] = []
        decommissioned: list[DecommissionedIngestInvocation] = []
        missed: list[BlockRange] = []
        for event in untrusted.user_events:
            if isinstance(event, RngRecord):
                rngs.append(event)
            elif isinstance(event, DecommissionedIngestInvocation):
                decommissioned.append(event)
            else:
                missed.append(event)
        with self._lock:
            results = tuple(self._store.find_record(key) for key in request.get_txos)
        return QueryResponse(
            highest_processed_block_count=untrusted.highest_processed_block_count,
            highest_processed_block_signature_timestamp=(
                untrusted.highest_processed_block_signature_timestamp),
            next_start_from_user_event_id=untrusted.next_start_from_user_event_id,
            missed_block_ranges=tuple(missed),
            rng_records=tuple(rngs),
            decommissioned_ingest_invocations=tuple(decommissioned),
            last_known_block_count=untrusted.last_known_block_count,
            last_known_block_cumulative_txo_count=untrusted.last_known_block_cumulative_txo_count,
            fixed_tx_out_search_results=results,
        )

    def store_query(self, plaintext: bytes, untrusted: UntrustedQueryResponse) -> bytes:
        """``query_store``'s plaintext step: the answer a router collates."""
        return encode_response(self.query_response(decode_query_request(plaintext), untrusted))

    def client_query(self, plaintext: bytes, untrusted: UntrustedQueryResponse,
                     block_range: BlockRange) -> bytes:
        """A client query answered by this store alone: its own answer collated as a router
        with this one shard would, so that one store and a router over several stores answer
        alike (MobileCoin's clients always reach stores through a router)."""
        request = decode_query_request(plaintext)
        own = self.query_response(request, untrusted)
        return encode_response(create_response(request, [ShardAnswer(block_range, own)]))

    def collate(self, request: QueryRequest, answers: Sequence[ShardAnswer]) -> bytes:
        """``collate_shard_query_responses``: the router's answer to its client."""
        return encode_response(create_response(request, answers))
