"""Fog view polling (polling.rs) over real KexRngs and records from a real ingest enclave; the
view's answers are computed from those records (``_fog.answer``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import ClientError, FogError
from refimpl.fog.client.polling import (
    MAX_SEARCH_KEYS_PER_QUERY,
    NO_EVENTS,
    Query,
    dead_rngs,
    next_multiplier,
    poll,
    round_search_keys,
    search_results,
)
from refimpl.fog.client.recovery import OutputRecognizer
from refimpl.fog.client.rng_set import UserRngSet
from refimpl.fog.ingest_enclave import IngestEnclave
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.types import (
    BlockRange,
    ETxOutRecord,
    KexRngPubkey,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.fog.view.messages import QueryResponse
from tests.unit.fog.client._fog import (
    RecordedView,
    ViewData,
    account,
    file_records,
    hinted_tx_out,
    ingest_enclave,
)

BOB = account(1)
ALICE = account(2)
BOB_FOG_KEY = OutputRecognizer(BOB).fog_view_private


def _ingest(enclave: IngestEnclave, block: int, first_index: int, values: list[int],
            to_alice: int = 0, seed: int = 0) -> list[ETxOutRecord]:
    """Ingest a block with an output of each value to Bob, then ``to_alice`` outputs to
    Alice; returns its records in order."""
    ingress = enclave.ingress_public_key()
    outs = [hinted_tx_out(ingress, BOB.default_subaddress(), v, seed + i)
            for i, v in enumerate(values)]
    outs += [hinted_tx_out(ingress, ALICE.default_subaddress(), 1, seed + 100 + i)
             for i in range(to_alice)]
    return list(enclave.ingest_txs(block, first_index, outs, 1000 + block).records)


@pytest.fixture(scope="module")
def enclave() -> IngestEnclave:
    return ingest_enclave()


def _view_with(enclave: IngestEnclave, bob_outputs: int, to_alice: int = 2) -> ViewData:
    data = ViewData(rng_records=[RngRecord(1, enclave.kex_rng_pubkey(), 0)], block_count=1)
    file_records(data, _ingest(enclave, 0, 0, [10 + i for i in range(bob_outputs)], to_alice))
    return data


def _bob_rng(pubkey: KexRngPubkey) -> VersionedKexRng:
    return VersionedKexRng.from_kex_pubkey(pubkey, BOB_FOG_KEY)


def test_query_aad_is_prost_encoding() -> None:
    query = Query(NO_EVENTS, 5, (b"k" * 16,))
    assert query.aad() == bytes.fromhex("08ffffffffffffffff7f1005")
    assert Query(0, 0).aad() == b""
    assert query.request() == b"\x0a\x10" + b"k" * 16


def test_a_poll_learns_the_rng_then_doubles_until_the_rng_runs_dry() -> None:
    enclave = ingest_enclave(seed=2)
    data = _view_with(enclave, bob_outputs=5)
    view = RecordedView(data)
    rng_set = UserRngSet()
    result = poll(view, rng_set, BOB_FOG_KEY)
    assert result.connection_error is None and result.errors == ()
    expected = _bob_rng(enclave.kex_rng_pubkey()).peek_ahead(8)
    # events first (cursor 0, no keys), then 2 and 4 keys: the RNG advanced 3 < 4 and died
    assert [(q.start_from_user_event_id, q.start_from_block_index, q.search_keys)
            for q in view.asked] == [(0, 0, ()), (NO_EVENTS, 0, tuple(expected[:2])),
                                     (NO_EVENTS, 0, tuple(expected[2:6]))]
    assert result.queries == 3
    assert [f.rng_index for f in result.found] == [0, 1, 2, 3, 4]
    assert [f.payload for f in result.found] == [data.records[k] for k in expected[:5]]
    assert (rng_set.highest_processed_block_count, rng_set.next_start_from_user_event_id) == \
        (1, 1)
    assert rng_set.indices() == {enclave.kex_rng_pubkey().public_key: 5}
    values = [OutputRecognizer(BOB).owned_from_payload(f.payload).value for f in result.found]
    assert values == [10, 11, 12, 13, 14]


def test_nothing_new_is_one_query_and_later_outputs_continue_the_rng() -> None:
    enclave = ingest_enclave(seed=3)
    data = _view_with(enclave, bob_outputs=1)
    view = RecordedView(data)
    rng_set = UserRngSet()
    assert len(poll(view, rng_set, BOB_FOG_KEY).found) == 1
    asked = len(view.asked)
    again = poll(view, rng_set, BOB_FOG_KEY)
    assert (again.found, again.queries, len(view.asked)) == ((), 1, asked + 1)
    assert view.asked[-1].start_from_user_event_id == 1  # the cursor the first poll learned
    file_records(data, _ingest(enclave, 1, 3, [77], seed=50))
    data.block_count = 2
    later = poll(view, rng_set, BOB_FOG_KEY)
    assert [f.rng_index for f in later.found] == [1]
    assert view.asked[-1].start_from_block_index == 1
    assert rng_set.highest_processed_block_count == 2


class _Lagging(RecordedView):
    """Answers the first query of a poll with ``first`` blocks and search rounds with
    ``rounds`` blocks (a load-balanced view whose servers disagree)."""

    first: int = 0
    rounds: int = 0

    def query(self, query: Query) -> QueryResponse:
        self.data.block_count = self.first if query.start_from_user_event_id != NO_EVENTS \
            else self.rounds
        return super().query(query)


def test_the_cursor_is_the_least_count_of_the_poll_and_never_goes_back() -> None:
    enclave = ingest_enclave(seed=4)
    view = _Lagging(_view_with(enclave, bob_outputs=3))
    view.first, view.rounds = 10, 8
    rng_set = UserRngSet()
    poll(view, rng_set, BOB_FOG_KEY)
    assert rng_set.highest_processed_block_count == 8
    view.first, view.rounds = 5, 5
    result = poll(view, rng_set, BOB_FOG_KEY)
    assert (result.queries, rng_set.highest_processed_block_count) == (1, 8)
    view.first, view.rounds = 12, 9
    poll(view, rng_set, BOB_FOG_KEY)
    assert rng_set.highest_processed_block_count == 9


def test_a_dead_rng_is_not_asked_again_in_the_poll() -> None:
    enclave = ingest_enclave(seed=5)
    first_key = enclave.kex_rng_pubkey()
    data = ViewData(rng_records=[RngRecord(1, first_key, 0)], block_count=2)
    enclave.new_egress_key()
    second_key = enclave.kex_rng_pubkey()
    data.rng_records.append(RngRecord(2, second_key, 1))
    file_records(data, _ingest(enclave, 1, 0, list(range(1, 8))))  # 7 under the second RNG
    view = RecordedView(data)
    rng_set = UserRngSet()
    result = poll(view, rng_set, BOB_FOG_KEY)
    first = _bob_rng(first_key).peek_ahead(2)
    second = _bob_rng(second_key).peek_ahead(14)
    rounds = [set(q.search_keys) for q in view.asked[1:]]
    assert rounds == [set(first + second[:2]), set(second[2:6]), set(second[6:14])]
    assert len(result.found) == 7
    assert rng_set.indices() == {first_key.public_key: 0, second_key.public_key: 7}


def test_search_failures_and_strays_are_reported_and_the_poll_goes_on() -> None:
    enclave = ingest_enclave(seed=6)
    data = _view_with(enclave, bob_outputs=4)
    keys = _bob_rng(enclave.kex_rng_pubkey()).peek_ahead(4)
    missing = data.records.pop(keys[0])  # the first output is missing: the second is a stray
    data.codes = {keys[3]: TxOutSearchResultCode.RATE_LIMITED}
    rng_set = UserRngSet()
    result = poll(RecordedView(data), rng_set, BOB_FOG_KEY)
    assert result.found == ()
    assert [e.code for e in result.errors] == ["fog.client_unexpected_search_key"]
    assert keys[1].hex() in result.errors[0].message
    assert result.connection_error is None and result.queries == 2
    data.records[keys[0]] = missing  # found later: the RNG resumes, the rate limit is seen
    data.block_count = 2
    result = poll(RecordedView(data), rng_set, BOB_FOG_KEY)
    assert [f.rng_index for f in result.found] == [0, 1, 2]
    assert [e.code for e in result.errors] == ["fog.client_search_failed"]
    assert "RATE_LIMITED" in result.errors[0].message


def test_a_failed_query_keeps_what_was_found_and_leaves_the_block_cursor() -> None:
    enclave = ingest_enclave(seed=7)
    data = _view_with(enclave, bob_outputs=5)
    error = ClientError("client.rpc_failed", "/fog_view.FogViewAPI/Query: UNAVAILABLE")
    rng_set = UserRngSet()
    result = poll(RecordedView(data, fail_at=2, error=error), rng_set, BOB_FOG_KEY)
    assert result.connection_error is error
    assert [f.rng_index for f in result.found] == [0, 1]
    assert (rng_set.highest_processed_block_count, rng_set.next_start_from_user_event_id) == \
        (0, 1)
    first = poll(RecordedView(data, fail_at=0, error=error), UserRngSet(), BOB_FOG_KEY)
    assert (first.found, first.queries, first.connection_error) == ((), 1, error)


def test_bad_rng_records_are_errors_and_the_good_ones_are_used() -> None:
    enclave = ingest_enclave(seed=8)
    data = _view_with(enclave, bob_outputs=1)
    data.rng_records.insert(0, RngRecord(7, KexRngPubkey(b"\xff" * 32, 0), 0))
    data.rng_records.insert(0, RngRecord(8, KexRngPubkey(bytes(32), 9), 0))
    result = poll(RecordedView(data), UserRngSet(), BOB_FOG_KEY)
    assert sorted(e.code for e in result.errors) == ["fog.kex_rng_bad_pubkey",
                                                    "fog.kex_rng_unknown_version"]
    assert len(result.found) == 1


def test_fixed_results_alone_are_read_and_missed_ranges_are_returned() -> None:
    enclave = ingest_enclave(seed=9)
    data = _view_with(enclave, bob_outputs=2)
    data.fixed_only = True
    data.missed = [BlockRange(3, 5)]
    rng_set = UserRngSet()
    result = poll(RecordedView(data), rng_set, BOB_FOG_KEY)
    assert len(result.found) == 2 and result.missed_block_ranges == (BlockRange(3, 5),)
    data.missed = [BlockRange(6, 7)]  # reported with no new block: still returned
    assert poll(RecordedView(data), rng_set, BOB_FOG_KEY).missed_block_ranges == \
        (BlockRange(6, 7),)


def test_search_results_prefer_the_router_field() -> None:
    enclave = ingest_enclave(seed=10)
    data = _view_with(enclave, bob_outputs=1)
    key = _bob_rng(enclave.kex_rng_pubkey()).peek()
    view = RecordedView(data)
    response = view.query(Query(NO_EVENTS, 0, (key,)))
    assert search_results(response)[0].ciphertext == data.records[key]
    decoded = QueryResponse.from_protobuf(response.to_protobuf())
    assert search_results(decoded) == search_results(response)


@given(previous=st.integers(1, 2**20), live=st.integers(1, 5000))
def test_next_multiplier_doubles_within_the_key_budget(previous: int, live: int) -> None:
    n = next_multiplier(previous, live)
    assert 1 <= n <= 2 * previous
    assert n == min(2 * previous, max(MAX_SEARCH_KEYS_PER_QUERY // live, 1))
    if live <= MAX_SEARCH_KEYS_PER_QUERY:
        assert n * live <= MAX_SEARCH_KEYS_PER_QUERY


def test_the_first_rounds_ask_2_4_8_keys_per_rng() -> None:
    assert [next_multiplier(n, 1) for n in (1, 2, 4, 128, 256)] == [2, 4, 8, 256, 500]
    assert next_multiplier(1, 300) == 1 and next_multiplier(2, 3) == 4


def test_round_keys_and_dead_rngs_on_real_rngs() -> None:
    enclave = ingest_enclave(seed=11)
    rng_set = UserRngSet()
    pubkeys = []
    for i in range(3):
        pubkeys.append(enclave.kex_rng_pubkey())
        rng_set.ingest_rng_record(BOB_FOG_KEY, RngRecord(i, pubkeys[-1], 0))
        enclave.new_egress_key()
    rng_set.ingest_rng_record(BOB_FOG_KEY, RngRecord(9, pubkeys[0], 5))  # known: kept as is
    assert len(rng_set.rngs) == 3
    dead = {pubkeys[1].public_key}
    keys = round_search_keys(rng_set, dead, 3)
    assert keys == (_bob_rng(pubkeys[0]).peek_ahead(3) + _bob_rng(pubkeys[2]).peek_ahead(3))
    before = rng_set.indices()
    for _ in range(3):
        rng_set.rngs[pubkeys[0].public_key].advance()
    rng_set.rngs[pubkeys[2].public_key].advance()
    assert dead_rngs(before, rng_set, 3) == {pubkeys[1].public_key, pubkeys[2].public_key}
    assert dead_rngs({}, rng_set, 1) == set(rng_set.rngs)


def test_a_malformed_answer_is_a_typed_error() -> None:
    with pytest.raises(FogError) as info:
        QueryResponse.from_protobuf(b"\x0a\x05ab")
    assert info.value.code == "fog.bad_message"
