"""Attested channels: IX peers, NX clients, the IX responder key-binding gap, framing limits."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.noise import x25519_public
from refimpl.enclave.channel import (
    DEFAULT_LIMITS,
    MAX_PLAINTEXT,
    AttestedSession,
    Frame,
    Limits,
    LocalEnclave,
    Variant,
    client_accept,
    client_init,
    peer_accept,
    peer_init,
    unwrap_evidence_kind,
    wrap_evidence_kind,
)
from refimpl.enclave.consensus_api import SimulatedNetwork
from refimpl.enclave.evidence import Collateral, Evidence, ReportDataContents
from refimpl.errors import AttestError, CryptoError, RefImplError

# Test platform: a quote here is MRENCLAVE(32) ‖ REPORTDATA(64) and the verifier checks the
# allow-list and the REPORTDATA binding — the two things the channel relies on. The DCAP
# signature chain is the business of refimpl.enclave.sgx and is tested there.
GOOD = bytes([0xAA]) * 32
EVIL = bytes([0xEE]) * 32
RID = "peer1.test.mobilecoin.com:8443-0123abcd"
EMPTY = Collateral((), b"", b"", (), b"", (), b"")


def _rng(seed: int) -> Callable[[int], bytes]:
    r = random.Random(seed)
    return lambda n: r.randbytes(n)


def _enclave(seed: int, mrenclave: bytes = GOOD) -> LocalEnclave:
    rng = _rng(seed)
    static = rng(32)
    contents = ReportDataContents(rng(16), x25519_public(static))
    quote = mrenclave + contents.report_data()
    return LocalEnclave(static, Evidence(quote, EMPTY, contents))


def _verifier(allowed: bytes = GOOD) -> Callable[[Evidence, ReportDataContents], object]:
    def verify(evidence: Evidence, expected: ReportDataContents) -> object:
        mrenclave, report_data = evidence.quote[:32], evidence.quote[32:]
        if mrenclave != allowed:
            raise AttestError("attest.measurement_not_allowed", mrenclave.hex())
        if report_data[:32] != expected.sha256():
            raise AttestError("attest.report_data_mismatch", "REPORTDATA")
        return mrenclave

    return verify


def _peer_handshake(
    a: LocalEnclave, b: LocalEnclave, variant: Variant = "correct", rid_a: str = RID
) -> tuple[AttestedSession, AttestedSession]:
    pending, m1 = peer_init(rid_a, a, _verifier(), _rng(100))
    b_session, m2 = peer_accept(RID, b, m1, _verifier(), _rng(101), variant)
    return pending.finish(m2), b_session


def _exchange(x: AttestedSession, y: AttestedSession, text: bytes) -> tuple[AttestedSession, ...]:
    x, frame = x.seal(text, aad=b"origin")
    y, got = y.open(Frame.decode(frame.encode()))
    assert got == text
    return x, y


def test_peer_ix_both_sides_ready_and_agree() -> None:
    a, b = _enclave(1), _enclave(2)
    sa, sb = _peer_handshake(a, b)
    assert sa.channel_id == sb.channel_id and len(sa.channel_id) == 64
    assert sa.peer_static == x25519_public(b.static_private)
    assert sb.peer_static == x25519_public(a.static_private)
    assert sa.peer_identity == sb.peer_identity == GOOD
    sa, sb = _exchange(sa, sb, b"tx list")
    sb, sa = _exchange(sb, sa, b"reply")


def test_client_nx_verifies_enclave_and_enclave_learns_nothing() -> None:
    enclave = _enclave(3)
    pending, m1 = client_init(RID, _verifier(), _rng(5))
    server, m2 = client_accept(RID, enclave, m1, _rng(6))
    client = pending.finish(m2)
    assert client.peer_identity == GOOD and server.peer_identity is None
    assert server.peer_static == b"" and client.channel_id == server.channel_id
    client, server = _exchange(client, server, b"propose tx")
    server, client = _exchange(server, client, b"ok")


@pytest.mark.parametrize("wrong", ["initiator", "responder"])
def test_peer_with_wrong_measurement_refused(wrong: str) -> None:
    good, evil = _enclave(1), _enclave(9, mrenclave=EVIL)
    a, b = (evil, good) if wrong == "initiator" else (good, evil)
    with pytest.raises(AttestError) as err:
        _peer_handshake(a, b)
    assert err.value.code == "attest.measurement_not_allowed"


def test_client_refuses_enclave_with_wrong_measurement() -> None:
    pending, m1 = client_init(RID, _verifier(), _rng(5))
    _, m2 = client_accept(RID, _enclave(4, mrenclave=EVIL), m1, _rng(6))
    with pytest.raises(AttestError) as err:
        pending.finish(m2)
    assert err.value.code == "attest.measurement_not_allowed"


def _mitm(seed: int, victim: LocalEnclave) -> LocalEnclave:
    """An attacker with its own static key presenting the victim's public evidence."""
    return LocalEnclave(_rng(seed)(32), victim.evidence)


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_mitm_as_ix_initiator(variant: Variant) -> None:
    honest_x, target = _enclave(1), _enclave(2)
    mallory = _mitm(66, honest_x)
    if variant == "correct":
        with pytest.raises(AttestError) as err:
            _peer_handshake(mallory, target, variant)
        assert err.value.code == "attest.static_key_mismatch"
        return
    # docs/findings.md#ix-responder-binding: MobileCoin's IX responder accepts, and Mallory holds
    # every key of the session
    pending, m1 = peer_init(RID, mallory, _verifier(), _rng(100))
    target_session, m2 = peer_accept(RID, target, m1, _verifier(), _rng(101), variant)
    assert target_session.peer_identity == GOOD  # the target believes it talks to an enclave
    mallory_session = pending.finish(m2)
    target_session, frame = target_session.seal(b"fog ingress private key")
    _, leaked = mallory_session.open(frame)
    assert leaked == b"fog ingress private key"


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_mitm_as_responder_refused_by_initiator(variant: Variant) -> None:
    honest, victim = _enclave(1), _enclave(2)
    mallory = _mitm(67, victim)
    with pytest.raises(AttestError) as err:
        _peer_handshake(honest, mallory, variant)
    assert err.value.code == "attest.static_key_mismatch"
    pending, m1 = client_init(RID, _verifier(), _rng(5))
    _, m2 = client_accept(RID, mallory, m1, _rng(6))
    with pytest.raises(AttestError):
        pending.finish(m2)


def test_responder_id_is_bound() -> None:
    with pytest.raises(CryptoError) as err:
        _peer_handshake(_enclave(1), _enclave(2), rid_a="peer2.test.mobilecoin.com:8443-0123abcd")
    assert err.value.code == "crypto.noise_decrypt_failed"
    pending, m1 = client_init("other:443", _verifier(), _rng(5))
    _, m2 = client_accept(RID, _enclave(3), m1, _rng(6))
    with pytest.raises(CryptoError):
        pending.finish(m2)


def test_handshake_messages_without_evidence_refused() -> None:
    bare = LocalEnclave(_enclave(1).static_private, Evidence(b"q", EMPTY, None))
    with pytest.raises(AttestError) as err:
        _peer_handshake(bare, _enclave(2))
    assert err.value.code == "attest.missing_evidence"


@given(st.binary(max_size=300))
def test_garbage_ix_message_one_is_a_typed_error(junk: bytes) -> None:
    with pytest.raises(RefImplError):
        peer_accept(RID, _enclave(2), junk, _verifier(), _rng(1))


@given(st.data())
def test_any_flip_of_ix_message_one_is_refused(data: st.DataObject) -> None:
    _, m1 = peer_init(RID, _enclave(1), _verifier(), _rng(100))
    pos = data.draw(st.integers(0, len(m1) - 1))
    bad = m1[:pos] + bytes([m1[pos] ^ data.draw(st.integers(1, 255))]) + m1[pos + 1 :]
    # flipping e, s or the evidence: either refused by the responder, or the handshake fails
    # later; it never yields a session in which both sides agree
    try:
        pending, _ = peer_init(RID, _enclave(1), _verifier(), _rng(100))
        sb, m2 = peer_accept(RID, _enclave(2), bad, _verifier(), _rng(101))
    except RefImplError:
        return
    with pytest.raises(RefImplError):
        sa = pending.finish(m2)
        assert sa.channel_id == sb.channel_id  # unreachable: the transcripts differ


# --- transport framing ------------------------------------------------------------------------


def _pair(limits: Limits = DEFAULT_LIMITS) -> tuple[AttestedSession, AttestedSession]:
    pending, m1 = client_init(RID, _verifier(), _rng(5), limits)
    server, m2 = client_accept(RID, _enclave(3), m1, _rng(6), limits)
    return pending.finish(m2), server


def test_replay_drop_and_reorder_refused() -> None:
    c, s = _pair()
    c, f0 = c.seal(b"zero")
    c, f1 = c.seal(b"one")
    with pytest.raises(CryptoError) as err:
        s.open(f1)  # f0 dropped / reordered
    assert err.value.code == "crypto.noise_nonce_reused"
    s, _ = s.open(f0)
    with pytest.raises(CryptoError):
        s.open(f0)  # replay
    s, got = s.open(f1)
    assert got == b"one"


def test_tampered_aad_data_and_channel_refused() -> None:
    c, s = _pair()
    c, f = c.seal(b"x", aad=b"aad")
    for bad in (
        Frame(b"aaX", f.channel_id, f.data, f.nonce),
        Frame(f.aad, f.channel_id, f.data[:-1] + bytes([f.data[-1] ^ 1]), f.nonce),
    ):
        with pytest.raises(CryptoError) as err:
            s.open(bad)
        assert err.value.code == "crypto.noise_decrypt_failed"
    with pytest.raises(AttestError) as aerr:
        s.open(Frame(f.aad, bytes(64), f.data, f.nonce))
    assert aerr.value.code == "attest.unknown_channel"
    assert s.open(f)[1] == b"x"  # the failures did not advance the session


def test_limits_and_rekey() -> None:
    c, s = _pair(Limits(max_bytes=40, max_messages=10, rekey_interval=2))
    keys = []
    for _ in range(4):
        c, f = c.seal(b"0123456789")
        keys.append(c.send.cipher.k)  # the key this message was sealed under
        s, got = s.open(f)
        assert got == b"0123456789"
    assert keys[0] == keys[1] != keys[2] == keys[3]  # REKEY every 2 messages, in lockstep
    with pytest.raises(CryptoError) as err:
        c.seal(b"!")  # 40 bytes carried: the direction is exhausted
    assert err.value.code == "crypto.noise_nonce_exhausted"
    c2, _ = _pair(Limits(max_messages=1))
    c2, _ = c2.seal(b"")
    with pytest.raises(CryptoError):
        c2.seal(b"")
    with pytest.raises(CryptoError) as err:
        c.seal(bytes(MAX_PLAINTEXT + 1))
    assert err.value.code == "crypto.noise_message_too_long"
    # a transport message may exceed Noise's 65535 bytes (MobileCoin's cipher state allows it)
    big_sender, big_receiver = _pair(DEFAULT_LIMITS)
    big_sender, frame = big_sender.seal(bytes(200_000))
    assert big_receiver.open(frame)[1] == bytes(200_000)


@given(st.binary(max_size=120))
def test_frame_decode_is_total(junk: bytes) -> None:
    try:
        frame = Frame.decode(junk)
    except CryptoError:
        return
    assert Frame.decode(frame.encode()) == frame


# --- with simulated SGX and the real DCAP verifier ------------------------------------------


@cache
def _sim() -> SimulatedNetwork:
    return SimulatedNetwork.create(b"channel-test", 2)


def test_real_dcap_peer_handshake_and_public_evidence_attack() -> None:
    net = _sim()
    a, b = net.locals
    pending, m1 = peer_init(RID, a, net.verifier(), _rng(1))
    sb, m2 = peer_accept(RID, b, m1, net.verifier(), _rng(2))
    sa = pending.finish(m2)
    assert sa.channel_id == sb.channel_id
    assert getattr(sa.peer_identity, "mr_enclave", None) == net.enclaves[1].mrenclave
    mallory = LocalEnclave(_rng(3)(32), b.evidence)
    _, hello = peer_init(RID, mallory, net.verifier(), _rng(4))
    with pytest.raises(AttestError) as err:
        peer_accept(RID, a, hello, net.verifier(), _rng(5))
    assert err.value.code == "attest.static_key_mismatch"
    accepted, _ = peer_accept(RID, a, hello, net.verifier(), _rng(5), "mobilecoin")
    assert accepted.peer_static == x25519_public(mallory.static_private)  # not the enclave's
    # same simulated PKI, another enclave configuration hence another MRENCLAVE
    other = SimulatedNetwork.create(b"channel-test", 1, config=b"other")
    with pytest.raises(AttestError) as err:
        peer_accept(RID, other.locals[0], m1, other.verifier(), _rng(6))
    assert err.value.code == "attest.measurement_not_allowed"


@settings(max_examples=40)
@given(st.data())
def test_real_dcap_msg1_mutations_never_yield_a_wrong_peer(data: st.DataObject) -> None:
    """Any single-byte change of IX msg 1 is refused with a typed error, or (bytes the
    signatures do not cover, e.g. hex case) still yields exactly the honest peer."""
    net = _sim()
    a, b = net.locals
    _, m1 = peer_init(RID, a, net.verifier(), _rng(1))
    pos = data.draw(st.integers(0, len(m1) - 1))
    bad = m1[:pos] + bytes([m1[pos] ^ data.draw(st.integers(1, 255))]) + m1[pos + 1 :]
    try:
        session, _ = peer_accept(RID, b, bad, net.verifier(), _rng(2))
    except RefImplError:
        return
    assert session.peer_static == x25519_public(a.static_private)
    assert getattr(session.peer_identity, "mr_enclave", None) == net.enclaves[0].mrenclave


def test_msg2_carries_the_evidence_kind_wrapper_and_msg1_the_bare_evidence() -> None:
    a, b = _enclave(1), _enclave(2)
    _, m1 = peer_init(RID, a, _verifier(), _rng(100))
    assert m1[64:] == a.evidence.encode()  # IX msg 1: e, s, then the payload in clear
    assert unwrap_evidence_kind(wrap_evidence_kind(b.evidence)) == b.evidence.encode()
    for bad in (b"", b.evidence.encode(), wrap_evidence_kind(b.evidence) + b"\x08\x01"):
        with pytest.raises(AttestError) as err:
            unwrap_evidence_kind(bad)
        assert err.value.code == "attest.bad_evidence"
