"""View query messages: round trips, agreement with the generated protobuf classes, sizes."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import FogError
from refimpl.fog.api import view_pb2
from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    BlockRange,
    DecommissionedIngestInvocation,
    FixedTxOutSearchResult,
    KexRngPubkey,
    RngRecord,
)
from refimpl.fog.view.messages import (
    QueryRequest,
    QueryRequestAAD,
    QueryResponse,
    TxOutSearchResult,
    legacy_results,
)

u64 = st.integers(0, 2**64 - 1)
i64 = st.integers(-(2**63), 2**63 - 1)
fixed = st.builds(
    lambda key, code, length, fill: FixedTxOutSearchResult(
        key, code, bytes([fill]) * length + bytes(FIXED_CIPHERTEXT_LENGTH - length), length),
    st.binary(max_size=20), st.integers(0, 5), st.integers(0, 255), st.integers(0, 255))
block_ranges = st.tuples(u64, u64).map(lambda t: BlockRange(min(t), max(t)))
responses = st.builds(
    QueryResponse, u64, u64, i64,
    st.lists(block_ranges, max_size=3).map(tuple),
    st.lists(st.builds(RngRecord, i64, st.builds(KexRngPubkey, st.binary(max_size=32),
                                                   st.integers(0, 2**32 - 1)), u64),
             max_size=3).map(tuple),
    st.lists(st.builds(DecommissionedIngestInvocation, i64, u64), max_size=3).map(tuple),
    st.just(()), u64, u64, st.lists(fixed, max_size=4).map(tuple),
).map(lambda r: attrs.evolve(r, tx_out_search_results=legacy_results(
    r.fixed_tx_out_search_results)))


@settings(max_examples=60, deadline=None)
@given(responses)
def test_query_response_round_trips_and_protobuf_reads_the_same_fields(
        response: QueryResponse) -> None:
    encoded = response.to_protobuf()
    assert QueryResponse.from_protobuf(encoded) == response
    parsed = view_pb2.QueryResponse.FromString(encoded)
    assert parsed.highest_processed_block_count == response.highest_processed_block_count
    assert parsed.next_start_from_user_event_id == response.next_start_from_user_event_id
    assert [(r.start_block, r.end_block) for r in parsed.missed_block_ranges] == [
        (r.start_block, r.end_block) for r in response.missed_block_ranges]
    assert [r.ingest_invocation_id for r in parsed.rngs] == [
        r.ingest_invocation_id for r in response.rng_records]
    assert [(r.search_key, r.result_code, r.ciphertext, r.payload_length)
            for r in parsed.fixed_tx_out_search_results] == [
        (r.search_key, r.result_code, r.ciphertext, r.payload_length)
        for r in response.fixed_tx_out_search_results]
    assert [(r.ciphertext, r.padding) for r in parsed.tx_out_search_results] == [
        (r.ciphertext, r.padding) for r in response.tx_out_search_results]
    # and what the generated class writes reads back the same
    assert QueryResponse.from_protobuf(parsed.SerializeToString()) == response


@given(st.lists(st.binary(max_size=40), max_size=8), i64, u64)
def test_request_and_aad_round_trip(keys: list[bytes], cursor: int, start: int) -> None:
    request = QueryRequest(tuple(keys))
    assert QueryRequest.from_protobuf(request.to_protobuf()) == request
    assert list(view_pb2.QueryRequest.FromString(request.to_protobuf()).get_txos) == keys
    aad = QueryRequestAAD(cursor, start)
    assert QueryRequestAAD.from_protobuf(aad.to_protobuf()) == aad
    assert view_pb2.QueryRequestAAD.FromString(aad.to_protobuf()).start_from_user_event_id \
        == cursor


@given(st.integers(0, 255))
def test_legacy_results_of_one_key_length_have_one_size(length: int) -> None:
    result = FixedTxOutSearchResult(b"k" * 16, 1, b"\x07" * length
                                    + bytes(FIXED_CIPHERTEXT_LENGTH - length), length)
    legacy = TxOutSearchResult.from_fixed(result)
    assert legacy.ciphertext == b"\x07" * length
    assert legacy.padding == bytes(FIXED_CIPHERTEXT_LENGTH - length)
    empty = TxOutSearchResult.from_fixed(FixedTxOutSearchResult(
        b"k" * 16, 2, bytes(FIXED_CIPHERTEXT_LENGTH), 0))
    assert len(legacy.to_protobuf()) == len(empty.to_protobuf())


@pytest.mark.parametrize("data", [b"\x0a\x05ab", b"\x08\x01", b"\xff", b"\x0a\x80"])
def test_malformed_request_is_a_typed_refusal(data: bytes) -> None:
    with pytest.raises(FogError) as err:
        QueryRequest.from_protobuf(data)
    assert err.value.code == "fog.bad_message"


@pytest.mark.parametrize("data", [b"\x0a\x01x", b"\xff\xff", b"\x08"])
def test_malformed_aad_and_response_are_typed_refusals(data: bytes) -> None:
    for kind in (QueryRequestAAD, QueryResponse):
        with pytest.raises(FogError) as err:
            kind.from_protobuf(data)
        assert err.value.code == "fog.bad_message"
