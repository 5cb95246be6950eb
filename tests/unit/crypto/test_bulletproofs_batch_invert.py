"""The range-proof verifier's batched inversion (refimpl.crypto.bulletproofs._batch_invert, one
modular inversion for the u_k challenges, y and y - 1) equals inverting each value alone.
Valid proofs still verifying (test_bulletproofs.py, dalek's published proofs) checks the rest of
the rewritten verification scalars: a wrong coefficient leaves a non-identity sum."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.bulletproofs import _batch_invert
from refimpl.crypto.ristretto import L

nonzero = st.integers(1, L - 1)


@given(st.lists(nonzero, max_size=12))
def test_batch_invert_equals_single_inversions(values: list[int]) -> None:
    assert _batch_invert(values) == [pow(v, -1, L) for v in values]


@given(st.lists(nonzero, max_size=6), st.lists(nonzero, max_size=6))
def test_a_zero_fails_like_pow(before: list[int], after: list[int]) -> None:
    with pytest.raises(ValueError):
        pow(0, -1, L)
    with pytest.raises(ValueError):
        _batch_invert([*before, 0, *after])
