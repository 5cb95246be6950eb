"""Merlin transcripts: the merlin crate's published vectors, and random operation sequences
checked against the independent PyPI ``merlin-transcripts`` package."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st
from merlin_transcripts import MerlinTranscript

from refimpl.crypto.merlin import Transcript
from refimpl.crypto.strobe import Strobe128
from refimpl.errors import CryptoError


def test_simple_vector() -> None:
    t = Transcript(b"test protocol")
    t.append_message(b"some label", b"some data")
    assert t.challenge_bytes(b"challenge", 32).hex() == (
        "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615"
    )


def test_complex_vector() -> None:
    """merlin's ``complex_vs_conformance``: 32 rounds of challenge, 1 KiB append, echo."""
    t = Transcript(b"test protocol")
    t.append_message(b"step1", b"some data")
    data = bytes([99]) * 1024
    challenge = b""
    for _ in range(32):
        challenge = t.challenge_bytes(b"challenge", 32)
        t.append_message(b"bigdata", data)
        t.append_message(b"challengedata", challenge)
    assert challenge.hex() == "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c"


def test_append_u64_is_a_le64_message() -> None:
    a, b = Transcript(b"p"), Transcript(b"p")
    a.append_u64(b"n", 0x0102030405060708)
    b.append_message(b"n", bytes.fromhex("0807060504030201"))
    assert a.challenge_bytes(b"c", 16) == b.challenge_bytes(b"c", 16)


def test_clone_is_independent() -> None:
    t = Transcript(b"p")
    t.append_message(b"x", b"1")
    fork = t.clone()
    fork.append_message(b"y", b"2")
    assert t.clone().challenge_bytes(b"c", 32) != fork.challenge_bytes(b"c", 32)
    twin = t.clone()
    assert t.challenge_bytes(b"c", 32) == twin.challenge_bytes(b"c", 32)


# --- random operation sequences against merlin-transcripts ------------------------------

label = st.binary(max_size=20)
operation = st.one_of(
    st.tuples(st.just("append"), label, st.binary(max_size=400)),
    st.tuples(st.just("u64"), label, st.integers(0, 2**64 - 1)),
    st.tuples(st.just("challenge"), label, st.integers(0, 300)),
    st.tuples(st.just("clone"), label, st.just(0)),
)


@given(start=label, ops=st.lists(operation, max_size=8))
def test_random_operations_match_merlin_transcripts(
    start: bytes, ops: list[tuple[str, bytes, object]]
) -> None:
    ours, theirs = Transcript(start), MerlinTranscript(start)
    for kind, lab, arg in ops:
        if kind == "append":
            assert isinstance(arg, bytes)
            ours.append_message(lab, arg)
            theirs.append_message(lab, arg)
        elif kind == "u64":
            assert isinstance(arg, int)
            ours.append_u64(lab, arg)
            theirs.append_u64(lab, arg)
        elif kind == "clone":
            # Continue on a fork; the original, advanced differently, must stay in step too.
            fork, fork_ref = ours.clone(), copy.deepcopy(theirs)
            ours.append_message(b"original", lab)
            theirs.append_message(b"original", lab)
            assert ours.challenge_bytes(lab, 16) == theirs.challenge_bytes(lab, 16)
            ours, theirs = fork, fork_ref
        else:
            assert isinstance(arg, int)
            assert ours.challenge_bytes(lab, arg) == theirs.challenge_bytes(lab, arg)
    assert ours.challenge_bytes(b"final", 32) == theirs.challenge_bytes(b"final", 32)


@given(
    ops=st.lists(st.tuples(label, st.binary(max_size=200)), max_size=3),
    witnesses=st.lists(st.tuples(label, st.binary(max_size=200)), max_size=3),
    seed=st.binary(min_size=32, max_size=32),
    draws=st.lists(st.integers(0, 200), min_size=1, max_size=3),
)
def test_transcript_rng_matches_strobe_recipe(
    ops: list[tuple[bytes, bytes]],
    witnesses: list[tuple[bytes, bytes]],
    seed: bytes,
    draws: list[int],
) -> None:
    """merlin 3.0 ``TranscriptRngBuilder``/``TranscriptRng`` spelled out on the reference
    package's STROBE: meta-AD(label), meta-AD(LE32 len, more), KEY(witness); meta-AD("rng"),
    KEY(32 random bytes); per draw meta-AD(LE32 n) then PRF(n)."""
    ours, theirs = Transcript(b"rng test"), MerlinTranscript(b"rng test")
    for lab, msg in ops:
        ours.append_message(lab, msg)
        theirs.append_message(lab, msg)
    builder = ours.build_rng()
    strobe = copy.deepcopy(theirs.strobe)
    for lab, witness in witnesses:
        builder = builder.rekey_with_witness_bytes(lab, witness)
        strobe.meta_ad(lab, False)
        strobe.meta_ad(len(witness).to_bytes(4, "little"), True)
        strobe.key(witness, False)
    rng = builder.finalize(seed)
    strobe.meta_ad(b"rng", False)
    strobe.key(seed, False)
    for n in draws:
        strobe.meta_ad(n.to_bytes(4, "little"), False)
        assert rng.fill_bytes(n) == bytes(strobe.prf(n, False))
    # Building an RNG does not disturb the transcript itself.
    assert ours.challenge_bytes(b"after", 32) == theirs.challenge_bytes(b"after", 32)


def test_transcript_rng_is_bound_to_transcript_and_witness() -> None:
    def draw(message: bytes, witness: bytes) -> bytes:
        t = Transcript(b"bind")
        t.append_message(b"m", message)
        rng = t.build_rng().rekey_with_witness_bytes(b"w", witness).finalize(bytes(32))
        return rng.fill_bytes(32)

    assert draw(b"a", b"x") == draw(b"a", b"x")
    assert draw(b"a", b"x") != draw(b"b", b"x")
    assert draw(b"a", b"x") != draw(b"a", b"y")


def test_finalize_accepts_an_rng_callable() -> None:
    t = Transcript(b"p")
    from_bytes = t.build_rng().finalize(bytes(range(32))).fill_bytes(16)
    from_callable = t.build_rng().finalize(lambda n: bytes(range(n))).fill_bytes(16)
    assert from_bytes == from_callable


# --- bad inputs give typed errors ---------------------------------------------------------


@given(st.binary(max_size=64).filter(lambda b: len(b) != 32))
def test_finalize_needs_32_bytes(seed: bytes) -> None:
    with pytest.raises(CryptoError) as info:
        Transcript(b"p").build_rng().finalize(seed)
    assert info.value.code == "crypto.bad_rng_seed"


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_append_u64_out_of_range(value: int) -> None:
    with pytest.raises(CryptoError) as info:
        Transcript(b"p").append_u64(b"x", value)
    assert info.value.code == "crypto.transcript_length"


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)))
def test_challenge_length_must_fit_u32(n: int) -> None:
    with pytest.raises(CryptoError) as info:
        Transcript(b"p").challenge_bytes(b"x", n)
    assert info.value.code == "crypto.transcript_length"


def test_strobe_more_with_other_flags_is_misuse() -> None:
    s = Strobe128(b"proto")
    s.meta_ad(b"label", False)
    with pytest.raises(CryptoError) as info:
        s.ad(b"data", True)
    assert info.value.code == "crypto.transcript_misuse"
