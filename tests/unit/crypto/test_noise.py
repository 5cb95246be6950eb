"""Noise IX/NX 25519 AESGCM SHA512: six public vectors, interop with `noiseprotocol`, tampering."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from noise.connection import Keypair, NoiseConnection

from refimpl.crypto.noise import (
    MAX_NONCE,
    CipherState,
    HandshakeState,
    Pattern,
    TransportKeys,
    protocol_name,
    x25519_public,
)
from refimpl.errors import CryptoError

VECTORS = Path(__file__).parents[3] / "data" / "noise" / "mobilecoin_IX_NX_25519_AESGCM_SHA512.json"


def _load() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads(VECTORS.read_text())["vectors"]
    return vectors


def _pattern(v: dict[str, Any]) -> Pattern:
    name = v.get("protocol_name") or f"Noise_{v['pattern']}_{v['dh']}_{v['cipher']}_{v['hash']}"
    pattern: Pattern = "IX" if name.split("_")[1] == "IX" else "NX"
    assert name == protocol_name(pattern).decode()
    return pattern


def _fixed(*keys: bytes) -> Callable[[int], bytes]:
    queue = list(keys)

    def rng(n: int) -> bytes:
        assert n == 32
        return queue.pop(0)

    return rng


def _random_rng(seed: int) -> Callable[[int], bytes]:
    import random

    r = random.Random(seed)
    return lambda n: r.randbytes(n)


def test_six_vectors_are_present() -> None:
    vectors = _load()
    assert len(vectors) == 6
    assert sorted(_pattern(v) for v in vectors) == ["IX", "IX", "IX", "NX", "NX", "NX"]


@pytest.mark.parametrize("index", range(6))
def test_vector(index: int) -> None:
    v = _load()[index]
    pattern = _pattern(v)
    h = bytes.fromhex
    init_static = h(v["init_static"]) if "init_static" in v else None
    ini = HandshakeState.initiator(pattern, h(v["init_prologue"]), init_static)
    res = HandshakeState.responder(pattern, h(v["resp_prologue"]), h(v["resp_static"]))
    msgs = v["messages"]
    ini, m1 = ini.write_message(h(msgs[0]["payload"]), _fixed(h(v["init_ephemeral"])))
    assert m1.hex() == msgs[0]["ciphertext"]
    res, p1 = res.read_message(m1)
    assert p1.hex() == msgs[0]["payload"]
    res, m2 = res.write_message(h(msgs[1]["payload"]), _fixed(h(v["resp_ephemeral"])))
    assert m2.hex() == msgs[1]["ciphertext"]
    ini, p2 = ini.read_message(m2)
    assert p2.hex() == msgs[1]["payload"]
    ti, tr = ini.transport(), res.transport()
    assert ti.handshake_hash == tr.handshake_hash
    if "handshake_hash" in v:
        assert ti.handshake_hash.hex() == v["handshake_hash"]
    assert ti.remote_static == x25519_public(h(v["resp_static"]))
    assert tr.remote_static == (x25519_public(init_static) if init_static else b"")
    # transport messages alternate initiator, responder, ...
    for i, m in enumerate(msgs[2:]):
        sender, receiver = (ti, tr) if i % 2 == 0 else (tr, ti)
        send, ct = sender.send.encrypt_with_ad(b"", h(m["payload"]))
        assert ct.hex() == m["ciphertext"]
        recv, pt = receiver.recv.decrypt_with_ad(b"", ct)
        assert pt.hex() == m["payload"]
        sender = TransportKeys(send, sender.recv, sender.handshake_hash, sender.remote_static)
        receiver = TransportKeys(
            receiver.send, recv, receiver.handshake_hash, receiver.remote_static
        )
        ti, tr = (sender, receiver) if i % 2 == 0 else (receiver, sender)


# --- interop with the PyPI noiseprotocol package, both directions ---------------------------


def _theirs(
    pattern: Pattern, initiator: bool, prologue: bytes, static: bytes | None
) -> NoiseConnection:
    conn = NoiseConnection.from_name(protocol_name(pattern))
    if initiator:
        conn.set_as_initiator()
    else:
        conn.set_as_responder()
    conn.set_prologue(prologue)
    if static is not None:
        conn.set_keypair_from_private_bytes(Keypair.STATIC, static)
    conn.start_handshake()
    return conn


@pytest.mark.parametrize("pattern", ["IX", "NX"])
@pytest.mark.parametrize("we_initiate", [True, False])
def test_interop_with_noiseprotocol(pattern: Pattern, we_initiate: bool) -> None:
    rng = _random_rng(7 + int(we_initiate))
    prologue = b"node1.test.mobilecoin.com:443"
    s_i, s_r = rng(32), rng(32)
    init_static = s_i if pattern == "IX" else None
    if we_initiate:
        ours = HandshakeState.initiator(pattern, prologue, init_static)
        theirs = _theirs(pattern, False, prologue, s_r)
        ours, m1 = ours.write_message(b"hello", rng)
        assert theirs.read_message(m1) == b"hello"
        m2 = theirs.write_message(b"evidence")
        ours, p2 = ours.read_message(m2)
        assert p2 == b"evidence"
    else:
        ours = HandshakeState.responder(pattern, prologue, s_r)
        theirs = _theirs(pattern, True, prologue, init_static)
        m1 = theirs.write_message(b"hello")
        ours, p1 = ours.read_message(m1)
        assert p1 == b"hello"
        ours, m2 = ours.write_message(b"evidence", rng)
        assert theirs.read_message(m2) == b"evidence"
    assert theirs.handshake_finished
    keys = ours.transport()
    assert keys.handshake_hash == theirs.get_handshake_hash()
    for i in range(3):
        send, ct = keys.send.encrypt_with_ad(b"", b"ours %d" % i)
        assert theirs.decrypt(ct) == b"ours %d" % i
        recv, pt = keys.recv.decrypt_with_ad(b"", theirs.encrypt(b"theirs %d" % i))
        assert pt == b"theirs %d" % i
        keys = TransportKeys(send, recv, keys.handshake_hash, keys.remote_static)
    # REKEY (Noise §11.2) agrees with noiseprotocol's
    theirs.rekey_inbound_cipher()
    send, ct = keys.send.rekey().encrypt_with_ad(b"", b"after rekey")
    assert theirs.decrypt(ct) == b"after rekey"


# --- tampering and misuse --------------------------------------------------------------------


def _ix_pair(prologue_r: bytes = b"responder") -> tuple[HandshakeState, HandshakeState, bytes]:
    rng = _random_rng(1)
    ini = HandshakeState.initiator("IX", b"responder", rng(32))
    res = HandshakeState.responder("IX", prologue_r, rng(32))
    ini, m1 = ini.write_message(b"ev-a", rng)
    res, _ = res.read_message(m1)
    res, m2 = res.write_message(b"ev-b", rng)
    return ini, res, m2


@given(st.data())
def test_any_tampering_of_message_two_is_refused(data: st.DataObject) -> None:
    ini, _, m2 = _ix_pair()
    pos = data.draw(st.integers(0, len(m2) - 1))
    flip = data.draw(st.integers(1, 255))
    bad = m2[:pos] + bytes([m2[pos] ^ flip]) + m2[pos + 1 :]
    with pytest.raises(CryptoError) as err:
        ini.read_message(bad)
    assert err.value.code in {"crypto.noise_decrypt_failed", "crypto.noise_bad_key"}


@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_message_two_are_typed_errors(junk: bytes) -> None:
    ini, _, _ = _ix_pair()
    with pytest.raises(CryptoError):
        ini.read_message(junk)


@given(st.binary(max_size=120))
def test_arbitrary_bytes_as_ix_message_one_never_crash(junk: bytes) -> None:
    res = HandshakeState.responder("IX", b"r", bytes(range(32)))
    try:
        _, payload = res.read_message(junk)
    except CryptoError:
        return
    assert payload == junk[64:]  # IX msg 1 is cleartext: e, s, payload


def test_truncations_of_message_two_are_refused() -> None:
    ini, _, m2 = _ix_pair()
    for n in range(len(m2)):
        with pytest.raises(CryptoError):
            ini.read_message(m2[:n])


def test_wrong_prologue_makes_message_two_undecryptable() -> None:
    ini, _, m2 = _ix_pair(prologue_r=b"someone-else")
    with pytest.raises(CryptoError) as err:
        ini.read_message(m2)
    assert err.value.code == "crypto.noise_decrypt_failed"


def test_low_order_ephemeral_is_refused() -> None:
    res = HandshakeState.responder("NX", b"r", bytes(range(32)))
    res, _ = res.read_message(bytes(32))  # the all-zero u-coordinate has order 1
    with pytest.raises(CryptoError) as err:
        res.write_message(b"", _random_rng(2))
    assert err.value.code == "crypto.noise_bad_key"


def test_out_of_turn_and_unfinished_are_refused() -> None:
    ini = HandshakeState.initiator("NX", b"r")
    with pytest.raises(CryptoError, match="turn"):
        ini.read_message(bytes(48))
    with pytest.raises(CryptoError) as err:
        ini.transport()
    assert err.value.code == "crypto.noise_wrong_state"
    with pytest.raises(CryptoError) as err:
        HandshakeState.responder("NX", b"r", bytes(31))
    assert err.value.code == "crypto.noise_bad_key"
    with pytest.raises(CryptoError) as err:
        HandshakeState.initiator("XX", b"r", bytes(32))  # type: ignore[arg-type]
    assert err.value.code == "crypto.noise_unknown_protocol"


def test_nonce_limit_and_failed_decrypt_keeps_nonce() -> None:
    cs = CipherState(k=bytes(32)).with_nonce(MAX_NONCE - 1)
    cs, ct = cs.encrypt_with_ad(b"", b"last")
    with pytest.raises(CryptoError) as err:
        cs.encrypt_with_ad(b"", b"one too many")
    assert err.value.code == "crypto.noise_nonce_exhausted"
    recv = CipherState(k=bytes(32)).with_nonce(MAX_NONCE - 1)
    with pytest.raises(CryptoError):
        recv.decrypt_with_ad(b"", ct[:-1] + bytes([ct[-1] ^ 1]))
    assert recv.decrypt_with_ad(b"", ct)[1] == b"last"
