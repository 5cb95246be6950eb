"""The view enclave's record store: what a lookup answers and that every answer has one size."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import FogError
from refimpl.fog.types import FIXED_CIPHERTEXT_LENGTH, TxOutSearchResultCode
from refimpl.fog.view.e_tx_out_store import MAX_PAYLOAD_LEN, ETxOutStore

FOUND = TxOutSearchResultCode.FOUND
NOT_FOUND = TxOutSearchResultCode.NOT_FOUND
BAD_KEY = TxOutSearchResultCode.BAD_SEARCH_KEY


def key(n: int) -> bytes:
    return n.to_bytes(16, "big") if n else b"\x01" * 16


def test_find_after_add_returns_the_payload_padded_to_255() -> None:
    store = ETxOutStore(1024)
    store.add_record(key(1), b"a" * 100)
    store.add_record(key(2), b"b" * 239)
    store.add_record(key(3), b"")
    for k, payload in ((key(1), b"a" * 100), (key(2), b"b" * 239), (key(3), b"")):
        result = store.find_record(k)
        assert result.result_code == FOUND
        assert result.search_key == k
        assert result.payload_length == len(payload)
        assert result.ciphertext == payload + bytes(FIXED_CIPHERTEXT_LENGTH - len(payload))
    assert len(store) == 3


def test_a_miss_is_not_found_with_the_last_stored_length() -> None:
    store = ETxOutStore(1024)
    miss = store.find_record(key(9))
    assert (miss.result_code, miss.payload_length) == (NOT_FOUND, MAX_PAYLOAD_LEN)
    store.add_record(key(1), b"x" * 200)
    store.add_record(key(2), b"y" * 123)
    miss = store.find_record(key(9))
    assert miss.result_code == NOT_FOUND
    assert miss.payload_length == 123
    assert miss.ciphertext == bytes(FIXED_CIPHERTEXT_LENGTH)
    assert miss.search_key == key(9)


@pytest.mark.parametrize("bad", [b"", b"\x01" * 15, b"\x01" * 17, b"\x01" * 32])
def test_a_search_key_of_another_length_is_bad_search_key(bad: bytes) -> None:
    store = ETxOutStore(1024)
    store.add_record(key(1), b"x" * 50)
    result = store.find_record(bad)
    assert result.result_code == BAD_KEY
    assert result.search_key == bad
    assert result.ciphertext == bytes(FIXED_CIPHERTEXT_LENGTH)
    assert result.payload_length == 0


def test_the_all_zero_key_is_bad_search_key_like_the_oblivious_map_says() -> None:
    store = ETxOutStore(1024)
    store.add_record(key(1), b"x" * 50)
    result = store.find_record(bytes(16))
    assert result.result_code == BAD_KEY
    assert result.payload_length == 50  # the primed length byte, as MobileCoin


def test_found_not_found_and_bad_key_answers_encode_to_one_length() -> None:
    store = ETxOutStore(1024)
    store.add_record(key(1), b"x" * 77)
    answers = [store.find_record(key(1)), store.find_record(key(2)),
               store.find_record(bytes(16))]
    assert [a.result_code for a in answers] == [FOUND, NOT_FOUND, BAD_KEY]
    assert len({len(a.to_protobuf()) for a in answers}) == 1


def test_oversize_payload_is_refused_and_239_bytes_fit() -> None:
    store = ETxOutStore(1024)
    with pytest.raises(FogError) as err:
        store.add_record(key(1), bytes(MAX_PAYLOAD_LEN + 1))
    assert err.value.code == "fog.view_record_too_large"
    assert store.find_record(key(1)).result_code == NOT_FOUND
    store.add_record(key(1), b"\xff" * MAX_PAYLOAD_LEN)
    assert store.find_record(key(1)).payload_length == MAX_PAYLOAD_LEN


@pytest.mark.parametrize("bad", [b"\x01" * 15, b"\x01" * 17, bytes(16)])
def test_a_record_key_that_is_the_wrong_size_or_zero_is_refused(bad: bytes) -> None:
    store = ETxOutStore(1024)
    with pytest.raises(FogError) as err:
        store.add_record(bad, b"x")
    assert err.value.code == "fog.view_bad_record_key"
    assert len(store) == 0


def test_adding_a_key_again_overwrites_it() -> None:
    store = ETxOutStore(1024)
    store.add_record(key(1), b"old")
    store.add_record(key(1), b"newer")
    result = store.find_record(key(1))
    assert result.payload_length == 5 and result.ciphertext[:5] == b"newer"
    assert len(store) == 1


def test_a_full_store_refuses_and_keeps_what_it_had() -> None:
    store = ETxOutStore(8)
    added = []
    with pytest.raises(FogError) as err:
        for n in range(1, 100):
            store.add_record(key(n), bytes([n]) * 10)
            added.append(n)
    assert err.value.code == "fog.view_store_full"
    assert len(added) <= store.capacity
    for n in added:
        result = store.find_record(key(n))
        assert result.result_code == FOUND and result.ciphertext[:10] == bytes([n]) * 10


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.binary(min_size=16, max_size=16).filter(any),
                       st.binary(max_size=MAX_PAYLOAD_LEN), max_size=12),
       st.lists(st.binary(min_size=16, max_size=16), max_size=6))
def test_lookups_match_a_dictionary(records: dict[bytes, bytes], probes: list[bytes]) -> None:
    store = ETxOutStore(256, rng=os.urandom)
    for k, v in records.items():
        store.add_record(k, v)
    for k in [*records, *probes]:
        result = store.find_record(k)
        assert len(result.ciphertext) == FIXED_CIPHERTEXT_LENGTH
        if k in records:
            assert result.result_code == FOUND
            assert result.payload == records[k]
        elif any(k):
            assert result.result_code == NOT_FOUND
        else:
            assert result.result_code == BAD_KEY
