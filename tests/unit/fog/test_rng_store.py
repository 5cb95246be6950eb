"""The ingest enclave's RNG store over the oblivious map: per-user counters, the inverted map
key, overflow and clearing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import EncodingError
from refimpl.fog.kex_rng import kex_rng_20201124_prf
from refimpl.fog.oram.omap import ObliviousMap
from refimpl.fog.oram.trace import AccessTrace
from refimpl.fog.rng_store import KEY_SIZE, VALUE_SIZE, RngStore, map_key


def _secret(n: int) -> bytes:
    return Point.mul_base(Scalar(n + 1)).to_bytes()


def test_the_all_zero_secret_works_and_yields_distinct_outputs() -> None:
    """rng_store.rs ``test_all_zeroes_shared_secret`` (the identity point's encoding)."""
    store = RngStore(512)
    outputs = []
    for counter in range(100):
        overflowed, output = store.next_rng_output(bytes(32))
        assert not overflowed
        assert output == kex_rng_20201124_prf(bytes(32), counter)
        outputs.append(output)
    assert len(set(outputs)) == 100
    assert len(store) == 100  # every access inserts an entry: the user or a dummy key


def test_the_inverted_zero_key_is_not_a_point() -> None:
    """rng_store.rs ``test_expected_invalid_curve_point``."""
    key = map_key(bytes(32))
    assert key == b"\xff" + bytes(31)
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the bytes are no point
        Point.from_bytes(key)


@given(n=st.integers(1, L - 1))
def test_map_keys_of_points_are_never_zero_nor_points(n: int) -> None:
    secret = Point.mul_base(Scalar(n)).to_bytes()
    key = map_key(secret)
    assert len(key) == KEY_SIZE and key != bytes(KEY_SIZE)
    assert key[0] & 1 == 1  # an encoded point has an even first byte
    assert key[1:] == secret[1:]


@settings(max_examples=10)
@given(order=st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_each_user_has_an_independent_counter(order: list[int]) -> None:
    store = RngStore(128)
    seen = {user: 0 for user in range(4)}
    for user in order:
        overflowed, output = store.next_rng_output(_secret(user))
        assert not overflowed
        assert output == kex_rng_20201124_prf(_secret(user), seen[user])
        seen[user] += 1
    assert len(store) == len(order)


def test_overflow_is_reported_and_clear_starts_over() -> None:
    store = RngStore(1)
    assert store.capacity >= store.user_capacity == 1
    overflowed_at = None
    for user in range(4 * store.capacity + 10):
        overflowed, _ = store.next_rng_output(_secret(user))
        if overflowed:
            overflowed_at = user
            break
    assert overflowed_at is not None and overflowed_at <= store.capacity
    store.clear()
    assert len(store) == 0
    overflowed, output = store.next_rng_output(_secret(0))
    assert not overflowed and output == kex_rng_20201124_prf(_secret(0), 0)


def test_the_map_holds_25_users_per_bucket() -> None:
    assert ObliviousMap(64, KEY_SIZE, VALUE_SIZE).bucket_capacity == 1024 // 40 == 25
    assert RngStore(64).kex_rng_algo_version == 0


@pytest.mark.parametrize("secret", [b"", bytes(31), bytes(33)])
def test_a_secret_of_the_wrong_length_is_refused(secret: bytes) -> None:
    with pytest.raises(EncodingError) as info:
        RngStore(16).next_rng_output(secret)
    assert info.value.code == "encoding.bad_length"


def test_new_and_known_users_look_the_same_to_the_host() -> None:
    trace = AccessTrace()
    store = RngStore(2**20, trace=trace)
    shapes = []
    for user in (0, 0, 1, 0, 2):
        trace.clear()
        store.next_rng_output(_secret(user))
        shapes.append(trace.shape())
    assert shapes[0] and all(shape == shapes[0] for shape in shapes)
    store.clear()
    trace.clear()
    store.next_rng_output(_secret(0))
    assert trace.shape() == shapes[0]  # the cleared store's map records to the same trace
