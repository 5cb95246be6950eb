"""The router's collation: contiguous-prefix block counts, missing shards, event union, and the
oblivious merge of search results."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    U64_MAX,
    BlockRange,
    DecommissionedIngestInvocation,
    FixedTxOutSearchResult,
    KexRngPubkey,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.fog.view.collate import (
    ShardAnswer,
    blocks_covered,
    collate_shard_tx_out_search_results,
    create_response,
    get_block_data,
)
from refimpl.fog.view.messages import QueryRequest, QueryResponse, TxOutSearchResult

Code = TxOutSearchResultCode


def answer(start: int, end: int, count: int | None, stamp: int | None = None,
           **fields: object) -> ShardAnswer:
    """A shard of [start, end) that processed ``count`` blocks (None: no answer)."""
    if count is None:
        return ShardAnswer(BlockRange(start, end), None)
    response = QueryResponse(highest_processed_block_count=count,
                             highest_processed_block_signature_timestamp=(
                                 count * 100 if stamp is None else stamp), **fields)  # type: ignore[arg-type]
    return ShardAnswer(BlockRange(start, end), response)


def count_of(answers: list[ShardAnswer], missed: list[BlockRange] | None = None) -> int:
    return get_block_data(answers, missed or []).highest_processed_block_count


def test_contiguous_prefix_takes_the_last_complete_shard_and_the_first_incomplete_one() -> None:
    complete = [answer(0, 3, 3), answer(3, 6, 6), answer(6, 9, 9), answer(9, U64_MAX, 11)]
    data = get_block_data(complete, [])
    assert (data.highest_processed_block_count,
            data.highest_processed_block_signature_timestamp) == (11, 1100)
    assert count_of([answer(0, 3, 3), answer(3, 6, 4), answer(6, 9, 9)]) == 4
    assert count_of([answer(0, 3, 2), answer(3, 6, 6)]) == 2


def test_shard_order_does_not_matter() -> None:
    shards = [answer(6, 9, 9), answer(0, 3, 3), answer(3, 6, 5)]
    assert count_of(shards) == 5


@pytest.mark.parametrize(("missed", "expected"), [
    ([BlockRange(7, 9)], 12),   # the rest of the penultimate shard was never ingested
    ([BlockRange(7, 8)], 7),    # block 8 is still owed
    ([BlockRange(4, 8)], 7),    # a missed range ending inside the owed blocks
])
def test_missed_blocks_complete_a_shard(missed: list[BlockRange], expected: int) -> None:
    shards = [answer(0, 3, 3), answer(3, 6, 6), answer(6, 9, 7), answer(9, 12, 12)]
    assert count_of(shards, missed) == expected


def test_a_missing_shard_stops_the_walk_at_its_start() -> None:
    shards = [answer(0, 3, 3), answer(3, 6, None), answer(6, U64_MAX, 9)]
    assert count_of(shards) == 3
    assert count_of([answer(0, 3, None), answer(3, U64_MAX, 9)]) == 0
    # unless every block it serves was reported missing
    assert count_of(shards, [BlockRange(3, 6)]) == 9


def test_blocks_covered_by_interval_union() -> None:
    assert blocks_covered(BlockRange(3, 3), [])
    assert blocks_covered(BlockRange(3, 9), [BlockRange(5, 9), BlockRange(0, 5)])
    assert not blocks_covered(BlockRange(3, 9), [BlockRange(0, 5), BlockRange(6, 9)])
    assert blocks_covered(BlockRange(0, U64_MAX), [BlockRange(0, U64_MAX)])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=4),
       st.integers(0, 12), st.integers(0, 13))
def test_blocks_covered_matches_a_block_by_block_check(
        ranges: list[tuple[int, int]], a: int, b: int) -> None:
    missed = [BlockRange(min(r), max(r)) for r in ranges]
    blocks = BlockRange(min(a, b), max(a, b))
    expected = all(any(m.contains(i) for m in missed)
                   for i in range(blocks.start_block, blocks.end_block))
    assert blocks_covered(blocks, missed) == expected


def rng(n: int) -> RngRecord:
    return RngRecord(n, KexRngPubkey(bytes([n]) * 32, 0), n * 10)


def test_events_are_united_in_shard_order_and_counters_chosen() -> None:
    a = answer(0, 5, 5, rng_records=(rng(1), rng(2)), missed_block_ranges=(BlockRange(1, 2),),
               next_start_from_user_event_id=7, last_known_block_count=5,
               last_known_block_cumulative_txo_count=50,
               decommissioned_ingest_invocations=(DecommissionedIngestInvocation(1, 4),))
    b = answer(5, U64_MAX, 8, rng_records=(rng(2), rng(3)),
               missed_block_ranges=(BlockRange(1, 2), BlockRange(6, 7)),
               next_start_from_user_event_id=9, last_known_block_count=9,
               last_known_block_cumulative_txo_count=90)
    for order in ([a, b], [b, a]):
        response = create_response(QueryRequest(()), order)
        assert response.rng_records == (rng(1), rng(2), rng(3))
        assert response.missed_block_ranges == (BlockRange(1, 2), BlockRange(6, 7))
        assert response.decommissioned_ingest_invocations == (
            DecommissionedIngestInvocation(1, 4),)
        assert response.next_start_from_user_event_id == 9
        assert (response.last_known_block_count,
                response.last_known_block_cumulative_txo_count) == (9, 90)
        assert response.highest_processed_block_count == 8


def test_no_answers_at_all() -> None:
    response = create_response(QueryRequest((b"k" * 16,)), [answer(0, U64_MAX, None)])
    assert response.highest_processed_block_count == 0
    assert response.fixed_tx_out_search_results[0].result_code == Code.NOT_FOUND


def result(key: bytes, code: int, fill: int = 0, length: int = 0) -> FixedTxOutSearchResult:
    return FixedTxOutSearchResult(key, code, bytes([fill]) * length
                                  + bytes(FIXED_CIPHERTEXT_LENGTH - length), length)


K1, K2 = b"\x01" * 16, b"\x02" * 16


@pytest.mark.parametrize(("shard_codes", "expected"), [
    ([Code.NOT_FOUND, Code.FOUND], Code.FOUND),
    ([Code.FOUND, Code.NOT_FOUND], Code.FOUND),
    ([Code.FOUND, Code.BAD_SEARCH_KEY], Code.FOUND),
    ([Code.BAD_SEARCH_KEY, Code.FOUND], Code.FOUND),
    ([Code.INTERNAL_ERROR, Code.BAD_SEARCH_KEY], Code.BAD_SEARCH_KEY),
    ([Code.BAD_SEARCH_KEY, Code.RATE_LIMITED], Code.BAD_SEARCH_KEY),
    ([Code.NOT_FOUND, Code.RATE_LIMITED], Code.RATE_LIMITED),
    ([Code.INTERNAL_ERROR, Code.FOUND], Code.FOUND),
    ([Code.NOT_FOUND, Code.NOT_FOUND], Code.NOT_FOUND),
])
def test_result_priority(shard_codes: list[int], expected: int) -> None:
    shard_results = [result(K1, code, fill=i + 1, length=10 * (i + 1))
                     for i, code in enumerate(shard_codes)]
    (merged,) = collate_shard_tx_out_search_results([K1], shard_results)
    assert merged.result_code == expected
    if expected == Code.NOT_FOUND:
        assert merged.payload_length == 0 and merged.ciphertext == bytes(FIXED_CIPHERTEXT_LENGTH)
    else:
        source = next(r for r in shard_results if r.result_code == expected)
        assert (merged.ciphertext, merged.payload_length) == (source.ciphertext,
                                                               source.payload_length)


def test_results_for_other_keys_never_overwrite_a_slot() -> None:
    shard = [result(K2, Code.FOUND, 9, 20), result(K2, Code.INTERNAL_ERROR),
             result(K2, Code.BAD_SEARCH_KEY)]
    merged = collate_shard_tx_out_search_results([K1, K2], shard)
    assert merged[0].result_code == Code.NOT_FOUND and merged[0].search_key == K1
    assert merged[1].result_code == Code.FOUND and merged[1].payload_length == 20


def reference(key: bytes, shard: list[FixedTxOutSearchResult]) -> tuple[int, bytes, int]:
    """The priority rule in words: the last Found, else the last BadSearchKey, else the first
    retryable error, else NotFound with nothing."""
    mine = [r for r in shard if r.search_key == key]
    for pick in (
        [r for r in mine if r.result_code == Code.FOUND][-1:],
        [r for r in mine if r.result_code == Code.BAD_SEARCH_KEY][-1:],
        [r for r in mine if r.result_code in (Code.INTERNAL_ERROR, Code.RATE_LIMITED)][:1],
    ):
        if pick:
            return pick[0].result_code, pick[0].ciphertext, pick[0].payload_length
    return Code.NOT_FOUND, bytes(FIXED_CIPHERTEXT_LENGTH), 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([K1, K2, b"\x03" * 16]), min_size=1, max_size=3),
       st.lists(st.tuples(st.sampled_from([K1, K2, b"\x04" * 16]),
                          st.sampled_from(list(Code)[1:]), st.integers(0, 255),
                          st.integers(0, 255)), max_size=8))
def test_collation_follows_the_priority_rule(
        keys: list[bytes], raw: list[tuple[bytes, int, int, int]]) -> None:
    shard = [result(k, c, fill, length) for k, c, fill, length in raw]
    merged = collate_shard_tx_out_search_results(keys, shard)
    assert [m.search_key for m in merged] == keys
    for key, m in zip(keys, merged, strict=True):
        assert (m.result_code, m.ciphertext, m.payload_length) == reference(key, shard)


def test_the_response_carries_legacy_results_converted_from_the_fixed_ones() -> None:
    shard = answer(0, U64_MAX, 3, fixed_tx_out_search_results=(result(K1, Code.FOUND, 5, 40),))
    response = create_response(QueryRequest((K1, K2)), [shard])
    assert response.tx_out_search_results == tuple(
        TxOutSearchResult.from_fixed(f) for f in response.fixed_tx_out_search_results)
    assert response.tx_out_search_results[0].ciphertext == b"\x05" * 40
    assert response.tx_out_search_results[1] == TxOutSearchResult(
        K2, Code.NOT_FOUND, b"", bytes(FIXED_CIPHERTEXT_LENGTH))
