"""The view enclave's query logic without the network: events sorted, caps, answer forms."""

from __future__ import annotations

import pytest

from refimpl.enclave.channel import MAX_PLAINTEXT
from refimpl.errors import FogError
from refimpl.fog.enclave import SIM_FOG_VIEW_CODE, FogEnclave
from refimpl.fog.types import (
    U64_MAX,
    BlockRange,
    DecommissionedIngestInvocation,
    ETxOutRecord,
    KexRngPubkey,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.fog.view.enclave import (
    MAX_SEARCH_KEYS_PER_QUERY,
    UntrustedQueryResponse,
    ViewEnclave,
)
from refimpl.fog.view.messages import QueryRequest, QueryResponse
from tests.unit.fog.view._data import SGX_SEED

ALL = BlockRange(0, U64_MAX)


@pytest.fixture(scope="module")
def enclave() -> ViewEnclave:
    fog = FogEnclave(code=SIM_FOG_VIEW_CODE, sgx_seed=SGX_SEED, index=0, responder_id="v:1")
    view = ViewEnclave(fog, 1024)
    view.add_records([ETxOutRecord(b"\x01" * 16, b"payload one"),
                      ETxOutRecord(b"\x02" * 16, b"payload two!")])
    return view


def rng(n: int) -> RngRecord:
    return RngRecord(n, KexRngPubkey(bytes([n % 256]) * 32, 0), n)


def test_events_are_sorted_into_their_fields_and_counters_copied(enclave: ViewEnclave) -> None:
    untrusted = UntrustedQueryResponse(
        user_events=(rng(1), BlockRange(4, 6), DecommissionedIngestInvocation(1, 3), rng(2)),
        next_start_from_user_event_id=4, highest_processed_block_count=9,
        highest_processed_block_signature_timestamp=99, last_known_block_count=10,
        last_known_block_cumulative_txo_count=100)
    answer = QueryResponse.from_protobuf(enclave.store_query(
        QueryRequest((b"\x01" * 16, b"\x03" * 16)).to_protobuf(), untrusted))
    assert answer.rng_records == (rng(1), rng(2))
    assert answer.missed_block_ranges == (BlockRange(4, 6),)
    assert answer.decommissioned_ingest_invocations == (DecommissionedIngestInvocation(1, 3),)
    assert (answer.highest_processed_block_count, answer.last_known_block_count,
            answer.next_start_from_user_event_id) == (9, 10, 4)
    assert [r.result_code for r in answer.fixed_tx_out_search_results] == [
        TxOutSearchResultCode.FOUND, TxOutSearchResultCode.NOT_FOUND]
    assert answer.tx_out_search_results == ()  # a store's answer to its router: fixed only
    direct = QueryResponse.from_protobuf(enclave.client_query(
        QueryRequest((b"\x01" * 16, b"\x03" * 16)).to_protobuf(), untrusted, ALL))
    assert len(direct.tx_out_search_results) == 2
    assert direct.tx_out_search_results[0].ciphertext == b"payload one"
    # the lone store's miss is collated to the router's form (payload length 0)
    assert direct.fixed_tx_out_search_results[1].payload_length == 0


def test_answers_of_one_key_count_have_one_length(enclave: ViewEnclave) -> None:
    sizes = {len(enclave.client_query(QueryRequest(keys).to_protobuf(),
                                      UntrustedQueryResponse(), ALL))
             for keys in ((b"\x01" * 16, b"\x02" * 16), (b"\x05" * 16, b"\x06" * 16),
                          (bytes(16), b"\x01" * 16))}
    assert len(sizes) == 1


def test_too_many_keys_and_too_large_answers_are_refused(enclave: ViewEnclave) -> None:
    with pytest.raises(FogError) as err:
        enclave.store_query(QueryRequest((b"\x01" * 16,) * (MAX_SEARCH_KEYS_PER_QUERY + 1))
                            .to_protobuf(), UntrustedQueryResponse())
    assert err.value.code == "fog.view_too_many_search_keys"
    crowded = UntrustedQueryResponse(  # more events than one attested message holds
        user_events=tuple(rng(n) for n in range(MAX_PLAINTEXT // 40)))
    with pytest.raises(FogError) as err:
        enclave.client_query(QueryRequest(()).to_protobuf(), crowded, ALL)
    assert err.value.code == "fog.view_response_too_large"
    with pytest.raises(FogError) as err:
        enclave.store_query(b"\x0a\xff", UntrustedQueryResponse())
    assert err.value.code == "fog.bad_message"
