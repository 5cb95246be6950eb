"""The C STROBE-128 duplex (refimpl/crypto/_keccak.c) equals the pure-Python one
(refimpl.crypto.strobe.PyStrobe128, itself checked against merlin-transcripts through
test_merlin.py) on random operation sequences: same outputs, same 200-byte states, same typed
errors. A subprocess with ``MCREF_PURE_PYTHON=1`` checks the fallback is what gets selected and
gives the same digests as the native build."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto import strobe
from refimpl.crypto.strobe import PyStrobe128, StrobeDuplex
from refimpl.errors import CryptoError

_keccak = pytest.importorskip("refimpl.crypto._keccak")
NativeStrobe = _keccak.Strobe128

data = st.binary(max_size=400)
operation = st.one_of(
    st.tuples(st.sampled_from(["meta_ad", "ad", "key"]), data, st.booleans()),
    st.tuples(st.just("prf"), st.integers(-2, 400), st.booleans()),
    st.tuples(st.sampled_from(["framed_ad", "framed_key"]), st.binary(max_size=30), data),
    st.tuples(st.just("framed_prf"), st.binary(max_size=30), st.integers(0, 400)),
    st.tuples(st.just("clone"), st.just(b""), st.just(False)),
)


def _apply(s: StrobeDuplex, op: tuple[str, object, object]) -> object:
    """Run one operation; its result, or the error code it raised."""
    kind, a, b = op
    try:
        if kind == "prf":
            assert isinstance(a, int) and isinstance(b, bool)
            return s.prf(a, b)
        if kind == "framed_prf":
            assert isinstance(a, bytes) and isinstance(b, int)
            return s.framed_prf(a, b)
        if kind in ("framed_ad", "framed_key"):
            assert isinstance(a, bytes) and isinstance(b, bytes)
            getattr(s, kind)(a, b)
            return None
        assert isinstance(a, bytes) and isinstance(b, bool)
        getattr(s, kind)(a, b)
        return None
    except CryptoError as exc:
        return exc.code


@given(label=st.binary(max_size=40), ops=st.lists(operation, max_size=12))
def test_native_duplex_equals_python(label: bytes, ops: list[tuple[str, object, object]]) -> None:
    ours: StrobeDuplex = NativeStrobe(label)
    ref: StrobeDuplex = PyStrobe128(label)
    assert ours.state_bytes() == ref.state_bytes()
    for op in ops:
        if op[0] == "clone":
            # keep going on the copies; advancing the originals must not disturb them
            ours_fork, ref_fork = ours.clone(), ref.clone()
            ours.framed_ad(b"x", b"original")
            ref.framed_ad(b"x", b"original")
            assert ours.state_bytes() == ref.state_bytes()
            ours, ref = ours_fork, ref_fork
            continue
        assert _apply(ours, op) == _apply(ref, op)
        assert ours.state_bytes() == ref.state_bytes()
    assert ours.framed_prf(b"end", 64) == ref.framed_prf(b"end", 64)


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)))
def test_native_framed_prf_length_must_fit_u32(n: int) -> None:
    with pytest.raises(CryptoError) as info:
        NativeStrobe(b"p").framed_prf(b"x", n)
    assert info.value.code == "crypto.transcript_length"


def test_native_copies_are_clones() -> None:
    s = NativeStrobe(b"proto")
    s.framed_ad(b"a", b"b")
    for twin in (copy.copy(s), copy.deepcopy(s), s.clone()):
        assert twin is not s and twin.state_bytes() == s.state_bytes()
        twin.framed_ad(b"c", b"d")
        assert twin.state_bytes() != s.state_bytes()


def test_native_misuse_is_a_typed_error() -> None:
    s = NativeStrobe(b"proto")
    s.meta_ad(b"label", False)
    with pytest.raises(CryptoError) as info:
        s.key(b"data", True)
    assert info.value.code == "crypto.transcript_misuse"


def test_native_rejects_wrong_argument_types() -> None:
    s = NativeStrobe(b"proto")
    with pytest.raises(TypeError):
        s.ad("text", False)
    with pytest.raises(TypeError):
        s.framed_ad(b"label")
    with pytest.raises(TypeError):
        s.prf(b"1", False)


def test_native_is_selected_when_built() -> None:
    assert strobe.NATIVE == (strobe.Strobe128 is NativeStrobe)
    if not os.environ.get("MCREF_PURE_PYTHON"):
        assert strobe.NATIVE


_DIGESTS_SCRIPT = """
import copy
import json
from refimpl.crypto import strobe
from refimpl.crypto.merlin import Transcript
t = Transcript(b"fallback check")
out = []
for i in range(40):
    t.append_message(b"m%d" % i, bytes(range(i * 7 % 256)) * 3)
    out.append(t.challenge_bytes(b"c", 1 + i * 5).hex())
rng = t.build_rng().rekey_with_witness_bytes(b"w", b"witness").finalize(bytes(32))
out.append(rng.fill_bytes(48).hex())
print(json.dumps({"native": strobe.NATIVE, "outputs": out}))
"""


def _digests(pure_python: bool) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("MCREF_PURE_PYTHON", None)
    if pure_python:
        env["MCREF_PURE_PYTHON"] = "1"
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", _DIGESTS_SCRIPT],
        env=env, cwd=root, capture_output=True, text=True, check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_pure_python_fallback_gives_the_native_outputs() -> None:
    native, python = _digests(False), _digests(True)
    assert native["native"] is True and python["native"] is False
    assert native["outputs"] == python["outputs"]
