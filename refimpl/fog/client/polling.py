"""One poll of fog view: learn new RNGs and events, then find our new outputs' search keys.

MobileCoin ``fog/view/protocol/src/polling.rs`` (``FogViewConnection::poll``) and the query
types of ``fog/types/src/view.rs`` (``QueryRequestAAD``, ``QueryRequest``, ``QueryResponse``).

1. **Events.** The first query carries ``QueryRequestAAD {start_from_user_event_id = cursor,
   start_from_block_index = highest processed block count}`` and no search keys. Its answer
   lists new ``RngRecord``s (each becomes a KexRng of the set), decommissioned ingest
   invocations, block ranges ingest missed (the client scans those itself; each is reported
   once), the next event cursor and the view's ``highest_processed_block_count``. When that
   count is not above the one the set already holds, nothing new can be found: the poll ends.
2. **Search rounds.** Each round asks, for every live RNG, its next ``n`` outputs without
   advancing it (``start_from_user_event_id = i64::MAX``: no events wanted). ``n`` doubles from
   2 each round, capped so a query holds at most ~500 keys: ``n <= max(500 // live, 1)``. The
   ``Found`` results are matched to the RNGs (:meth:`UserRngSet.ingest_search_results`); an RNG
   that advanced fewer than ``n`` steps has no more outputs in fog yet and is dead for the rest
   of the poll. The poll ends when every RNG is dead.
3. **Cursor.** The new balance cursor is the minimum of the ``highest_processed_block_count``
   of every answer of the poll (if a key was not found, the output did not land below that
   count), and the set's cursor is only ever raised.

A failed query (connection, attestation, malformed answer) ends the poll with what it found so
far and the error (:attr:`PollResult.connection_error`); the cursor is then left as it was. One
deliberate difference: when the first answer shows nothing new, MobileCoin drops the missed
block ranges and errors of that answer; here they are returned.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from refimpl.crypto.ristretto import Scalar
from refimpl.errors import RefImplError
from refimpl.fog.client.rng_set import FoundPayload, UserRngSet
from refimpl.fog.types import BlockRange, DecommissionedIngestInvocation
from refimpl.fog.view.messages import (
    QueryRequest,
    QueryRequestAAD,
    QueryResponse,
    TxOutSearchResult,
    legacy_results,
)

#: Search keys per query, spread over the live RNGs (polling.rs: 500 performed best).
MAX_SEARCH_KEYS_PER_QUERY = 500
#: ``i64::MAX``: the event cursor of a search round (no events wanted).
NO_EVENTS = 2**63 - 1


@attrs.frozen
class Query:
    """One ``Query``: its AAD (``QueryRequestAAD``) and its sealed ``QueryRequest``."""

    start_from_user_event_id: int
    start_from_block_index: int
    search_keys: tuple[bytes, ...] = ()

    def aad(self) -> bytes:
        return QueryRequestAAD(self.start_from_user_event_id,
                               self.start_from_block_index).to_protobuf()

    def request(self) -> bytes:
        return QueryRequest(self.search_keys).to_protobuf()


def search_results(response: QueryResponse) -> tuple[TxOutSearchResult, ...]:
    """The answer's search results: ``tx_out_search_results`` (the router's form) or, when
    that is empty, the legacy form of ``fixed_tx_out_search_results``."""
    return response.tx_out_search_results or legacy_results(response.fixed_tx_out_search_results)


class ViewQuerier(Protocol):
    """What a poll needs of fog view: one attested ``Query``."""

    def query(self, query: Query) -> QueryResponse: ...


@attrs.frozen
class PollResult:
    """What one poll learned."""

    found: tuple[FoundPayload, ...]
    missed_block_ranges: tuple[BlockRange, ...]
    #: search failures and RNG records that did not make an RNG (the poll went on)
    errors: tuple[RefImplError, ...]
    #: the failure that ended the poll early, if any
    connection_error: RefImplError | None
    queries: int
    decommissioned_ingest_invocations: tuple[DecommissionedIngestInvocation, ...] = ()
    last_known_block_count: int = 0
    last_known_block_cumulative_txo_count: int = 0


def next_multiplier(previous: int, live_rngs: int) -> int:
    """Outputs asked per live RNG this round: twice the last round's (1 before the first),
    capped at ``max(MAX_SEARCH_KEYS_PER_QUERY // live_rngs, 1)``."""
    return min(previous * 2, max(MAX_SEARCH_KEYS_PER_QUERY // live_rngs, 1))


def round_search_keys(rng_set: UserRngSet, dead: set[bytes], multiplier: int) -> list[bytes]:
    """The next ``multiplier`` outputs of every live RNG, none advanced."""
    return [key for pubkey, rng in rng_set.rngs.items() if pubkey not in dead
            for key in rng.peek_ahead(multiplier)]


def dead_rngs(before: dict[bytes, int], rng_set: UserRngSet, multiplier: int) -> set[bytes]:
    """RNGs that advanced fewer than ``multiplier`` steps since ``before`` (their indices at
    the start of the round); an RNG absent from ``before`` counts as dead."""
    return {pubkey for pubkey, rng in rng_set.rngs.items()
            if pubkey not in before or before[pubkey] + multiplier > rng.index}


def poll(view: ViewQuerier, rng_set: UserRngSet, view_private: Scalar) -> PollResult:
    """Run one poll against ``view``, updating ``rng_set`` (module docstring)."""
    errors: list[RefImplError] = []
    missed: list[BlockRange] = []
    found: list[FoundPayload] = []
    queries = 1
    first: QueryResponse | None = None

    def result(error: RefImplError | None, last: QueryResponse | None) -> PollResult:
        return PollResult(
            tuple(found), tuple(missed), tuple(errors), error, queries,
            first.decommissioned_ingest_invocations if first is not None else (),
            last.last_known_block_count if last is not None else 0,
            last.last_known_block_cumulative_txo_count if last is not None else 0,
        )

    try:
        first = view.query(Query(rng_set.next_start_from_user_event_id,
                                 rng_set.highest_processed_block_count))
    except RefImplError as exc:
        return result(exc, None)
    for record in first.rng_records:
        try:
            rng_set.ingest_rng_record(view_private, record)
        except RefImplError as exc:
            errors.append(exc)
    missed.extend(first.missed_block_ranges)
    rng_set.next_start_from_user_event_id = first.next_start_from_user_event_id
    new_count = first.highest_processed_block_count
    if rng_set.highest_processed_block_count >= new_count:
        return result(None, first)

    last = first
    multiplier = 1
    dead: set[bytes] = set()
    while len(dead) < len(rng_set.rngs):
        multiplier = next_multiplier(multiplier, len(rng_set.rngs) - len(dead))
        before = rng_set.indices()
        keys = round_search_keys(rng_set, dead, multiplier)
        queries += 1
        try:
            last = view.query(Query(NO_EVENTS, rng_set.highest_processed_block_count,
                                    tuple(keys)))
        except RefImplError as exc:
            return result(exc, last)
        new_count = min(new_count, last.highest_processed_block_count)
        matched, round_errors = rng_set.ingest_search_results(search_results(last))
        found.extend(matched)
        errors.extend(round_errors)
        dead = dead_rngs(before, rng_set, multiplier)
        missed.extend(last.missed_block_ranges)
    rng_set.highest_processed_block_count = max(rng_set.highest_processed_block_count,
                                                new_count)
    return result(None, last)

