"""The AVX-512 IFMA member step of refimpl/crypto/_msm.c (three chains in vector lanes) against
the serial C step and the pure-Python one: the same ``L0, R0, L1`` for random and edge scalars
(0, 1, L - 1) and points (including the identity), the same closing challenge and verdict for
valid and forged rings (``mlsag_verify.rs``), and the switches that force the serial path
(``msm.ifma``, ``MCREF_NO_IFMA``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import msm, ring_signature
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ring_signature import sign
from refimpl.crypto.ristretto import L, Point, Scalar
from tests.unit.crypto.test_ring_signature import make_ring
from tests.unit.crypto.test_ring_signature_native import (
    FORGERIES,
    _forge,
    _python_closing_challenge,
    _verdict,
)

pytestmark = pytest.mark.skipif(not msm.native_available(), reason="C extension not built")


def _cpu_has_ifma() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            flags = info.read()
    except OSError:
        return False
    return " avx512ifma" in flags and " avx512vl" in flags


@pytest.fixture(autouse=True)
def _restore_ifma() -> Iterator[None]:
    before = msm.ifma()
    yield
    msm.ifma(before)


T = TypeVar("T")


def _both_paths(run: Callable[[], T]) -> tuple[T, T]:
    """``run()`` on the serial path, then on the IFMA path (or serial again without IFMA)."""
    msm.ifma(False)
    serial = run()
    msm.ifma(True)
    return serial, run()


scalars = st.one_of(st.sampled_from([0, 1, L - 1, L - 2, 2]), st.integers(0, L - 1))
points = st.one_of(
    st.just(Point.identity()),
    st.just(Point.base()),
    st.integers(1, L - 1).map(lambda k: Point.mul_base(Scalar(k))),
)


@given(r0=scalars, r1=scalars, c=scalars, pts=st.lists(points, min_size=5, max_size=5))
def test_member_step_is_the_same_on_every_path(
    r0: int, r1: int, c: int, pts: list[Point]
) -> None:
    serial, lanes = _both_paths(lambda: msm.mlsag_member_points(r0, r1, c, *pts))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(msm, "_native", None)
        python = msm.mlsag_member_points(r0, r1, c, *pts)
    assert serial == lanes == python


@settings(max_examples=10)
@given(
    seed=st.integers(0, 2**64), size=st.integers(1, 11), data=st.data(),
    message=st.binary(max_size=64), kind=st.sampled_from(FORGERIES),
    where=st.integers(0, 2**16),
)
def test_ring_is_the_same_on_every_path(
    seed: int, size: int, data: st.DataObject, message: bytes, kind: str, where: int
) -> None:
    real_index = data.draw(st.integers(0, size - 1))
    rng, ring, x, b, pb, pseudo = make_ring(seed, size, real_index, 1000)
    sig = sign(message, ring, real_index, x, 1000, b, pb, value_generator(0), rng)
    sig, message, ring, pseudo = _forge(kind, sig, message, ring, pseudo, where)
    serial, lanes = _both_paths(lambda: _verdict(ring_signature.verify, sig, message, ring, pseudo))
    msm.ifma(True)
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    closing = _msm.mlsag_ring(
        message, sig.c_zero.to_bytes(), b"".join(r.to_bytes() for r in sig.responses),
        sig.key_image.to_bytes(), b"".join(k.to_bytes() for k, _ in ring),
        b"".join(c.to_bytes() for _, c in ring), pseudo.to_bytes(),
    )
    assert closing == _python_closing_challenge(sig, message, ring, pseudo).to_bytes()
    expect_ok = kind == "none" or (kind == "swap" and size == 1)
    assert serial == lanes == ("ok" if expect_ok else "crypto.mlsag_invalid_signature")


def test_switch_forces_the_serial_path() -> None:
    assert msm.ifma(False) is False
    assert msm.ifma() is False
    assert msm.ifma(True) is _cpu_has_ifma()


def test_ifma_is_on_by_default_where_the_cpu_has_it_and_the_env_var_turns_it_off() -> None:
    code = "from refimpl.crypto import msm; print(msm.ifma())"
    env = {k: v for k, v in os.environ.items() if k != "MCREF_NO_IFMA"}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.strip()
    forced = subprocess.run([sys.executable, "-c", code], env={**env, "MCREF_NO_IFMA": "1"},
                            capture_output=True, text=True, check=True).stdout.strip()
    assert default == str(_cpu_has_ifma())
    assert forced == "False"


@pytest.mark.parametrize("size", [1, 3, 4, 5, 8, 9, 11])
def test_closing_challenge_is_the_same_for_every_batch_of_four_hashed_members(size: int) -> None:
    """The IFMA ring hashes its members to points four at a time; partial last groups too."""
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    rng, ring, x, b, pb, pseudo = make_ring(size, size, size // 2, 7)
    ring[0] = (Point.identity(), ring[0][1]) if size > 1 else ring[0]
    sig = sign(b"batch", ring, size // 2, x, 7, b, pb, value_generator(0), rng)
    args = (
        b"batch", sig.c_zero.to_bytes(), b"".join(r.to_bytes() for r in sig.responses),
        sig.key_image.to_bytes(), b"".join(k.to_bytes() for k, _ in ring),
        b"".join(c.to_bytes() for _, c in ring), pseudo.to_bytes(),
    )
    serial, lanes = _both_paths(lambda: bytes(_msm.mlsag_ring(*args)))
    assert serial == lanes == sig.c_zero.to_bytes()
