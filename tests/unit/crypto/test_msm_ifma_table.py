"""The bucket phases of refimpl/crypto/_msm.c in AVX-512 IFMA lanes (entries sorted by bucket
and split among the lanes, the running-sum reduction in lanes) against the serial C code and
libsodium one term at a time (``msm.msm_naive``): the fixed-base table MSM over 1..600 bases
and the variable-base Pippenger MSM (more than ``STRAUS_MAX`` = 128 points, as in the block
batch) give the same point for random and edge scalars (0, 1, L - 1), and Bulletproofs
(``rct_bulletproofs.rs`` / dalek's ``RangeProof::verify_multiple``) the same verdicts on both
paths."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import bulletproofs as bp
from refimpl.crypto import msm
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ristretto import L, Point
from refimpl.errors import RefImplError
from tests.unit.crypto.test_bulletproofs import DALEK, _dalek_inputs, _prove, seeded

pytestmark = pytest.mark.skipif(not msm.native_available(), reason="C extension not built")

SIZE = 600
_POINTS = [Point.identity(), Point.base()] + [
    Point.from_uniform_bytes(hashlib.sha512(b"table msm %d" % i).digest()) for i in range(SIZE - 2)
]
_BASES = msm.FixedBases(_POINTS)


@pytest.fixture(autouse=True)
def _restore_ifma() -> Iterator[None]:
    before = msm.ifma()
    yield
    msm.ifma(before)


def _table_msm(scalars: list[int], lanes: bool) -> Point:
    """The table MSM over the first ``len(scalars)`` bases: a table's entries are stored base by
    base, so its prefix is the table of the first bases."""
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    per_base = len(_BASES.table()) // SIZE
    msm.ifma(lanes)
    encoding = _msm.msm_with_table(
        _BASES.table()[: per_base * len(scalars)], msm.TABLE_WINDOW,
        b"".join(s.to_bytes(32, "little") for s in scalars), b"", b"",
    )
    return Point(encoding, _trusted=True)


scalars = st.one_of(st.sampled_from([0, 1, L - 1, L - 2, 2]), st.integers(0, L - 1))


@settings(max_examples=25)
@given(
    size=st.one_of(st.integers(1, 8), st.integers(1, SIZE)),
    data=st.data(),
)
def test_table_msm_is_the_same_on_every_path(size: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(scalars, min_size=size, max_size=size))
    lanes = _table_msm(values, True)
    serial = _table_msm(values, False)
    assert lanes == serial == msm.msm_naive(values, _POINTS[:size])


def test_edge_scalars_everywhere() -> None:
    """All zero (no entry: the identity), all one, all L - 1 (every window's digit non-zero and
    the same bucket many times), and a single base."""
    for values in ([0] * SIZE, [1] * SIZE, [L - 1] * SIZE, [L - 1], [1], [0]):
        lanes = _table_msm(values, True)
        assert lanes == _table_msm(values, False) == msm.msm_naive(values, _POINTS[: len(values)])


@settings(max_examples=6)
@given(size=st.integers(129, 1200), data=st.data())
def test_variable_base_msm_is_the_same_on_every_path(size: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(scalars, min_size=size, max_size=size))
    points = [_POINTS[i % SIZE] for i in range(size)]   # repeated points share buckets too
    msm.ifma(True)
    lanes = msm.msm_native(values, points)
    msm.ifma(False)
    assert lanes == msm.msm_native(values, points) == msm.msm_naive(values, points)


def test_variable_base_msm_of_a_block_batch_size() -> None:
    """2600 points (the block batch's range proofs of 100 transactions), edge scalars mixed in."""
    points = [_POINTS[(7 * i) % SIZE] for i in range(2600)]
    values = [[0, 1, L - 1][i % 3] if i % 5 == 0 else (i * 0x9E3779B97F4A7C15**3) % L
              for i in range(2600)]
    msm.ifma(True)
    lanes = msm.msm_native(values, points)
    msm.ifma(False)
    assert lanes == msm.msm_native(values, points) == msm.msm_naive(values, points)


@pytest.mark.parametrize("window", [2, 3, 4, 7, 12])
def test_other_table_windows(window: int) -> None:
    """Tables of other window widths (c = 3 gives one bucket per lane in the reduction; c = 2
    stays serial): the same point on both paths."""
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    table = _msm.table_new(b"".join(msm._decoded(p.to_bytes()) for p in _POINTS[:40]), window)
    values = [[0, 1, L - 1][i % 3] if i % 4 == 0 else (i * 0x9E3779B97F4A7C15**3) % L
              for i in range(40)]
    blob = b"".join(v.to_bytes(32, "little") for v in values)
    encodings = []
    for lanes in (True, False):
        msm.ifma(lanes)
        encodings.append(_msm.msm_with_table(table, window, blob, b"", b""))
    assert encodings[0] == encodings[1] == msm.msm_naive(values, _POINTS[:40]).to_bytes()


def _verdict(proof: bytes, commitments: list[Point], generator: Point) -> str:
    try:
        bp.verify_multiple(proof, commitments, generator, seeded(0))
    except RefImplError as err:
        return err.code
    return "ok"


_PROOF, _COMMITMENTS = _prove([5, 2**64 - 2, 0], seed=3, token_id=2)


@settings(max_examples=12)
@given(position=st.integers(-1, len(_PROOF) - 1), mask=st.integers(1, 255))
def test_bulletproofs_verdicts_are_the_same_on_both_paths(position: int, mask: int) -> None:
    """A valid proof (position -1) or one with a byte flipped: the same verdict either way."""
    mutated = bytearray(_PROOF)
    if position >= 0:
        mutated[position] ^= mask
    verdicts = []
    for lanes in (False, True):
        msm.ifma(lanes)
        verdicts.append(_verdict(bytes(mutated), _COMMITMENTS, value_generator(2)))
    assert verdicts[0] == verdicts[1]
    assert (verdicts[0] == "ok") == (position < 0)


@pytest.mark.parametrize("m", [1, 8])
def test_dalek_proofs_on_both_paths(m: int) -> None:
    """dalek's published proofs (the 538-term check for m = 4 is the bench's; m = 8 uses 1024
    table bases), accepted on both paths and refused under another transcript label."""
    proof, commitments, g, blinding_base = _dalek_inputs(m)
    label = DALEK["transcript_label"].encode()
    for lanes in (False, True):
        msm.ifma(lanes)
        bp.verify_with_gens(proof, commitments, g, blinding_base, label, seeded(m))
        with pytest.raises(RefImplError) as err:
            bp.verify_with_gens(proof, commitments, g, blinding_base, b"another", seeded(m))
        assert err.value.code == "crypto.range_proof_invalid"
