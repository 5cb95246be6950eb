"""How the view router merges its stores' answers into one client ``QueryResponse``.

MobileCoin ``fog/view/enclave/impl/src/types.rs`` (``get_block_data``, ``LastKnownData``,
``CommonShardData``), ``oblivious_utils.rs`` (``collate_shard_tx_out_search_results``) and
``create_response`` of ``lib.rs``:

* user events (missed block ranges, RNG records, decommissioned invocations): the union of
  every store's, ``next_start_from_user_event_id`` the largest. MobileCoin collects them in
  hash sets (arbitrary order); here the first occurrence is kept in shard order, so one store
  and several stores over the same recovery database give the same list;
* ``last_known_block_count`` and its cumulative TxOut count: from the store with the largest
  count;
* ``highest_processed_block_count`` (and its signature timestamp): walk the shards by
  ``start_block`` keeping the running maximum, and stop after the first shard that has not
  finished its range, unless every block it still lacks is in a missed block range;
* search results, obliviously: every client search key starts as NotFound (payload length 0)
  and every shard result is compared with every client slot; a result for the slot's key
  overwrites it when it is Found, when it is BadSearchKey and the slot is not Found, or when it
  is a retryable error (InternalError, RateLimited) and the slot is NotFound. (MobileCoin's
  ``should_overwrite_tx_out_search_result`` writes ``match & (..) | (retryable & not_found)``;
  by Rust precedence its retryable case ignores whether the keys match, so one shard's
  InternalError would overwrite every NotFound slot. Its comments and tests intend the key to
  match, which is what this does; docs/deviations.md.)

Our choice where MobileCoin differs (docs/deviations.md): a shard that gave no answer (it was
NOT_READY, or unreachable after the router's retries) takes part in the walk as a shard that
processed nothing, so the walk stops at its ``start_block`` — MobileCoin drops a NOT_READY
shard from the walk, which can claim blocks that no store has loaded, and fails the whole query
when a store is unreachable.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    BlockRange,
    FixedTxOutSearchResult,
    TxOutSearchResultCode,
)
from refimpl.fog.view.messages import QueryRequest, QueryResponse, legacy_results, not_found

T = TypeVar("T")
_CIPHERTEXT_MASK = (1 << (8 * FIXED_CIPHERTEXT_LENGTH)) - 1


@attrs.frozen
class ShardAnswer:
    """``DecryptedMultiViewStoreQueryResponse``: one store's decrypted answer (``None`` when it
    gave none) and the block range the router has configured for it."""

    block_range: BlockRange
    response: QueryResponse | None


@attrs.frozen
class BlockData:
    highest_processed_block_count: int = 0
    highest_processed_block_signature_timestamp: int = 0


def blocks_covered(blocks: BlockRange, ranges: Sequence[BlockRange]) -> bool:
    """Whether every block of ``blocks`` lies in one of ``ranges``
    (``are_all_remaining_blocks_missing``, by interval arithmetic rather than block by block)."""
    position = blocks.start_block
    for missed in sorted(ranges, key=lambda r: r.start_block):
        if position >= blocks.end_block:
            break
        if missed.start_block <= position < missed.end_block:
            position = missed.end_block
    return position >= blocks.end_block


def is_shard_complete(highest_processed_block_count: int, shard: BlockRange,
                      missed_block_ranges: Sequence[BlockRange]) -> bool:
    """``is_shard_complete``: the shard processed its whole range, or what remains is missed."""
    if highest_processed_block_count >= shard.end_block:
        return True
    return blocks_covered(BlockRange(highest_processed_block_count, shard.end_block),
                          missed_block_ranges)


def get_block_data(answers: Sequence[ShardAnswer],
                   missed_block_ranges: Sequence[BlockRange]) -> BlockData:
    """``get_block_data``: the contiguous-prefix rule over the shards sorted by start block."""
    result = BlockData()
    for answer in sorted(answers, key=lambda a: a.block_range.start_block):
        response = answer.response
        if response is None:  # no answer: a shard that processed nothing of its range
            count = answer.block_range.start_block
        else:
            count = response.highest_processed_block_count
            if count > result.highest_processed_block_count:
                result = BlockData(count, response.highest_processed_block_signature_timestamp)
        if not is_shard_complete(count, answer.block_range, missed_block_ranges):
            break
    return result


def _union(groups: Iterable[Iterable[T]]) -> tuple[T, ...]:
    """Every distinct item, in order of first occurrence."""
    return tuple(dict.fromkeys(item for group in groups for item in group))


def _ct_eq(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def _should_overwrite(client: FixedTxOutSearchResult, shard: FixedTxOutSearchResult) -> bool:
    """``should_overwrite_tx_out_search_result``, as a boolean formula (no early exit)."""
    keys_match = _ct_eq(client.search_key, shard.search_key)
    client_found = client.result_code == TxOutSearchResultCode.FOUND
    client_not_found = client.result_code == TxOutSearchResultCode.NOT_FOUND
    shard_found = shard.result_code == TxOutSearchResultCode.FOUND
    shard_bad_key = shard.result_code == TxOutSearchResultCode.BAD_SEARCH_KEY
    shard_retryable = ((shard.result_code == TxOutSearchResultCode.INTERNAL_ERROR)
                       | (shard.result_code == TxOutSearchResultCode.RATE_LIMITED))
    return keys_match & (shard_found | (shard_bad_key & (not client_found))
                         | (shard_retryable & client_not_found))


def _cmov(choice: bool, current: FixedTxOutSearchResult,
          candidate: FixedTxOutSearchResult) -> FixedTxOutSearchResult:
    """``candidate``'s code, ciphertext and payload length when ``choice``, by masking."""
    mask = -int(choice)
    inverse = ~mask
    code = (current.result_code & inverse) | (candidate.result_code & mask)
    length = (current.payload_length & inverse) | (candidate.payload_length & mask)
    ciphertext = ((int.from_bytes(current.ciphertext, "little") & inverse)
                  | (int.from_bytes(candidate.ciphertext, "little") & mask)) & _CIPHERTEXT_MASK
    return FixedTxOutSearchResult(current.search_key, code,
                                  ciphertext.to_bytes(FIXED_CIPHERTEXT_LENGTH, "little"), length)


def collate_shard_tx_out_search_results(
    client_search_keys: Sequence[bytes], shard_results: Sequence[FixedTxOutSearchResult]
) -> tuple[FixedTxOutSearchResult, ...]:
    """``collate_shard_tx_out_search_results``: one result per client key, every shard result
    compared with every slot."""
    slots = [not_found(key) for key in client_search_keys]
    for shard_result in shard_results:
        for index, slot in enumerate(slots):
            slots[index] = _cmov(_should_overwrite(slot, shard_result), slot, shard_result)
    return tuple(slots)


def create_response(request: QueryRequest, answers: Sequence[ShardAnswer]) -> QueryResponse:
    """``create_response``: the client's answer from its stores' answers (shard order is
    irrelevant; ``answers`` without a response count as shards that processed nothing)."""
    ordered = sorted(answers, key=lambda a: a.block_range.start_block)
    responses = [a.response for a in ordered if a.response is not None]
    last_known = max(responses, key=lambda r: r.last_known_block_count, default=None)
    missed = _union(r.missed_block_ranges for r in responses)
    block_data = get_block_data(ordered, missed)
    fixed = collate_shard_tx_out_search_results(
        request.get_txos, [f for r in responses for f in r.fixed_tx_out_search_results])
    return QueryResponse(
        highest_processed_block_count=block_data.highest_processed_block_count,
        highest_processed_block_signature_timestamp=(
            block_data.highest_processed_block_signature_timestamp),
        next_start_from_user_event_id=max(
            (r.next_start_from_user_event_id for r in responses), default=-(2**63)),
        missed_block_ranges=missed,
        rng_records=_union(r.rng_records for r in responses),
        decommissioned_ingest_invocations=_union(
            r.decommissioned_ingest_invocations for r in responses),
        tx_out_search_results=legacy_results(fixed),
        last_known_block_count=0 if last_known is None else last_known.last_known_block_count,
        last_known_block_cumulative_txo_count=(
            0 if last_known is None else last_known.last_known_block_cumulative_txo_count),
        fixed_tx_out_search_results=fixed,
    )
