"""The ledger enclave's key image store and messages: spent / not spent / malformed answers,
one result size for every outcome, the same oblivious-map work whatever the query, a full map
refused with a typed error, and the enclave's request handling (MobileCoin
fog/ledger/enclave/impl/src/{key_image_store.rs, lib.rs}, fog/types/src/ledger.rs)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.errors import CODES, FogError
from refimpl.fog.api import ledger_pb2
from refimpl.fog.ledger.enclave import (
    MAX_KEY_IMAGE_QUERIES,
    KeyImageData,
    LedgerEnclave,
    UntrustedKeyImageQueryResponse,
)
from refimpl.fog.ledger.key_image_store import KeyImageStore, omap_key
from refimpl.fog.ledger.messages import (
    KEY_IMAGE_RESULT_LEN,
    CheckKeyImagesResponse,
    KeyImageResult,
    check_key_images_request,
    key_image_message,
)
from refimpl.fog.ledger.timestamp import TimestampResultCode
from refimpl.fog.oram.trace import AccessTrace
from refimpl.fog.types import KeyImageResultCode
from refimpl.transaction.key_image import KeyImage

U64_MAX = 2**64 - 1
#: The one 32-byte key image the map cannot hold (it inverts to the all-zero key).
ZERO_KEY_IMAGE = b"\xff" + bytes(31)
SMALL = 256  # a small map: 4 buckets of 21 per ORAM
key_images = st.binary(min_size=32, max_size=32).filter(lambda k: k != ZERO_KEY_IMAGE)


def real_key_image(n: int) -> bytes:
    return KeyImage.from_u64(n).to_bytes()


def test_key_is_the_key_image_with_its_first_byte_inverted() -> None:
    k = real_key_image(7)
    assert omap_key(k) == bytes([k[0] ^ 0xFF]) + k[1:]
    assert omap_key(ZERO_KEY_IMAGE) == bytes(32)
    assert KeyImageStore(SMALL)._omap.bucket_capacity == 21  # 1024 // (32 + 16)


def test_spent_not_spent_and_malformed_answers() -> None:
    store = KeyImageStore(SMALL)
    spent, fresh = real_key_image(1), real_key_image(2)
    store.add_record(spent, 5, 1234)
    found = store.find_record(spent)
    assert found == KeyImageResult(spent, 5, 1234, TimestampResultCode.TIMESTAMP_FOUND,
                                   KeyImageResultCode.SPENT)
    assert store.find_record(fresh) == KeyImageResult(
        fresh, U64_MAX, U64_MAX, TimestampResultCode.TIMESTAMP_FOUND,
        KeyImageResultCode.NOT_SPENT)
    for malformed in (None, b"", bytes(31), bytes(33)):
        result = store.find_record(malformed)
        assert result.code == KeyImageResultCode.KEY_IMAGE_ERROR
        assert result.key_image == bytes(32)
        assert (result.spent_at, result.timestamp) == (U64_MAX, U64_MAX)
    refused = store.find_record(ZERO_KEY_IMAGE)
    assert refused.code == KeyImageResultCode.KEY_IMAGE_ERROR
    assert refused.key_image == ZERO_KEY_IMAGE


def test_writing_a_key_image_again_overwrites_it() -> None:
    store = KeyImageStore(SMALL)
    k = real_key_image(3)
    store.add_record(k, 4, 40)
    store.add_record(k, 9, 90)
    assert (store.find_record(k).spent_at, store.find_record(k).timestamp) == (9, 90)
    assert len(store) == 1


def test_add_record_refusals_are_typed() -> None:
    store = KeyImageStore(SMALL)
    for bad in (bytes(31), ZERO_KEY_IMAGE):
        with pytest.raises(FogError) as info:
            store.add_record(bad, 1, 1)
        assert info.value.code == "fog.ledger_key_image_rejected"
    assert "fog.ledger_key_image_rejected" in CODES


def test_a_full_map_is_refused_and_keeps_what_it_holds() -> None:
    store = KeyImageStore(1)  # the smallest map: one bucket of 21 per ORAM
    stored = []
    with pytest.raises(FogError) as info:
        for n in range(1, 200):
            store.add_record(real_key_image(n), n, n)
            stored.append(n)
    assert info.value.code == "fog.ledger_key_image_store_full"
    assert 21 <= len(stored) <= store.capacity
    for n in stored:
        assert store.find_record(real_key_image(n)).spent_at == n


@settings(max_examples=15, deadline=None)
@given(st.lists(key_images, min_size=1, max_size=30, unique=True), key_images)
def test_property_exactly_the_stored_key_images_are_spent(stored: list[bytes],
                                                          other: bytes) -> None:
    store = KeyImageStore(SMALL)
    for i, k in enumerate(stored):
        store.add_record(k, i + 1, 2 * i)
    for i, k in enumerate(stored):
        assert (store.find_record(k).spent_at, store.find_record(k).timestamp) == (i + 1, 2 * i)
    expected = KeyImageResultCode.SPENT if other in stored else KeyImageResultCode.NOT_SPENT
    assert store.find_record(other).code == expected


def test_every_outcome_costs_the_same_oblivious_map_work() -> None:
    trace = AccessTrace()
    store = KeyImageStore(1 << 20, trace=trace)  # big enough to leave the in-enclave tree-top
    spent = real_key_image(10)
    store.add_record(spent, 3, 30)
    shapes = {}
    for name, query in [("spent", spent), ("not spent", real_key_image(11)),
                        ("malformed", b"short"), ("absent", None),
                        ("refused key", ZERO_KEY_IMAGE)]:
        trace.clear()
        store.find_record(query)
        assert len(trace) > 0
        shapes[name] = trace.shape()
    first = shapes["spent"]
    assert all(shape == first for shape in shapes.values()), shapes.keys()


@given(st.integers(0, U64_MAX), st.integers(0, U64_MAX), st.sampled_from(list(
    KeyImageResultCode)), st.integers(0, 2**32 - 1), st.binary(min_size=32, max_size=32))
def test_property_a_result_has_one_size_and_decodes_as_mobilecoin_does(
        spent_at: int, timestamp: int, code: int, ts_code: int, key_image: bytes) -> None:
    result = KeyImageResult(key_image, spent_at, timestamp, ts_code, code)
    raw = result.to_protobuf()
    assert len(raw) == KEY_IMAGE_RESULT_LEN
    assert KeyImageResult.from_protobuf(raw) == result
    generated = ledger_pb2.KeyImageResult.FromString(raw)
    assert generated.key_image == key_image_message(key_image)
    assert (generated.spent_at, generated.timestamp) == (spent_at, timestamp)
    assert (generated.timestamp_result_code, generated.key_image_result_code) == (ts_code, code)


def enclave(capacity: int = SMALL) -> LedgerEnclave:
    return LedgerEnclave(sgx_seed=b"seed", index=0, responder_id="ledger.test:3223",
                         omap_capacity=capacity)


UNTRUSTED = UntrustedKeyImageQueryResponse(7, 20, 3, 4)


def test_enclave_answers_each_query_in_order_with_the_hosts_counts() -> None:
    e = enclave()
    spent = real_key_image(20)
    e.add_key_image_data([KeyImageData(spent, 6, 66)])
    request = ledger_pb2.CheckKeyImagesRequest(queries=[
        ledger_pb2.KeyImageQuery(key_image=key_image_message(real_key_image(21))),
        ledger_pb2.KeyImageQuery(key_image=b"\xff\x00garbage"),
        ledger_pb2.KeyImageQuery(key_image=key_image_message(spent), start_block=5),
        ledger_pb2.KeyImageQuery(),
    ]).SerializeToString()
    raw = e.check_key_images(request, UNTRUSTED)
    response = CheckKeyImagesResponse.from_protobuf(raw)
    assert (response.num_blocks, response.global_txo_count) == (7, 20)
    assert (response.latest_block_version, response.max_block_version) == (3, 4)
    assert [r.code for r in response.results] == [
        KeyImageResultCode.NOT_SPENT, KeyImageResultCode.KEY_IMAGE_ERROR,
        KeyImageResultCode.SPENT, KeyImageResultCode.KEY_IMAGE_ERROR]
    assert response.results[2].spent_at == 6
    sizes = [len(f.value) for f in pb.parse_fields(raw) if f.tag == 3 and
             isinstance(f.value, bytes)]
    assert sizes == [KEY_IMAGE_RESULT_LEN] * 4
    generated = ledger_pb2.CheckKeyImagesResponse.FromString(raw)
    assert [r.key_image_result_code for r in generated.results] == [2, 3, 1, 3]
    assert (generated.num_blocks, generated.global_txo_count) == (7, 20)


def test_enclave_refuses_bad_requests_with_typed_errors() -> None:
    e = enclave()
    with pytest.raises(FogError) as info:
        e.check_key_images(b"\xff\xff\xff", UNTRUSTED)
    assert info.value.code == "fog.bad_message"
    too_many = check_key_images_request([os.urandom(32)] * (MAX_KEY_IMAGE_QUERIES + 1))
    with pytest.raises(FogError) as info:
        e.check_key_images(too_many, UNTRUSTED)
    assert info.value.code == "fog.ledger_too_many_queries"
    empty = CheckKeyImagesResponse.from_protobuf(e.check_key_images(b"", UNTRUSTED))
    assert empty.results == () and empty.num_blocks == 7


def test_a_result_decoder_refuses_a_short_key_image() -> None:
    for raw in (pb.bytes_field(1, key_image_message(bytes(5))), b"\x0a\x05\x0a"):
        with pytest.raises(FogError) as info:
            KeyImageResult.from_protobuf(raw)
        assert info.value.code == "fog.bad_message"
