"""Attested-channel transport under a hostile host (Hypothesis stateful).

The host carries frames both ways and may deliver, drop, replay, reorder, tamper with or redirect
them (refimpl/enclave/channel.py; MobileCoin ``attest/api/proto/attest.proto`` NonceMessage).
Invariants: what a side accepts is exactly the sequence the other side sealed, in order, without
gaps or repeats; every refused frame is a typed error and leaves the receiving session unchanged; a
rekey interval of 3 keeps both directions in lockstep.
"""

from __future__ import annotations

import random

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from refimpl.crypto.noise import x25519_public
from refimpl.enclave.channel import (
    AttestedSession,
    Frame,
    Limits,
    LocalEnclave,
    client_accept,
    client_init,
)
from refimpl.enclave.evidence import Collateral, Evidence, ReportDataContents
from refimpl.errors import RefImplError

LIMITS = Limits(rekey_interval=3)
SIDES = ("client", "server")


def _pair() -> tuple[AttestedSession, AttestedSession]:
    r = random.Random(5)

    def rng(n: int) -> bytes:
        return r.randbytes(n)

    static = rng(32)
    contents = ReportDataContents(rng(16), x25519_public(static))
    evidence = Evidence(b"quote", Collateral((), b"", b"", (), b"", (), b""), contents)
    enclave = LocalEnclave(static, evidence)
    pending, m1 = client_init("rid", lambda ev, expected: "enclave", rng, LIMITS)
    server, m2 = client_accept("rid", enclave, m1, rng, LIMITS)
    return pending.finish(m2), server


class HostileHost(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        client, server = _pair()
        self.sessions = {"client": client, "server": server}
        self.sent: dict[str, list[bytes]] = {"client": [], "server": []}
        self.received: dict[str, list[bytes]] = {"client": [], "server": []}
        self.wire: list[tuple[str, Frame]] = []  # everything the host ever saw

    @rule(side=st.sampled_from(SIDES), text=st.binary(max_size=40), aad=st.binary(max_size=8))
    def seal(self, side: str, text: bytes, aad: bytes) -> None:
        self.sessions[side], frame = self.sessions[side].seal(text, aad)
        self.sent[side].append(text)
        self.wire.append((side, frame))

    def _deliver(self, sender: str, frame: Frame) -> None:
        receiver = SIDES[1 - SIDES.index(sender)]
        before = self.sessions[receiver]
        expected_index = len(self.received[receiver])
        try:
            self.sessions[receiver], text = before.open(Frame.decode(frame.encode()))
        except RefImplError:
            assert self.sessions[receiver] is before
            return
        assert text == self.sent[sender][expected_index]
        self.received[receiver].append(text)

    @precondition(lambda self: bool(self.wire))
    @rule(data=st.data())
    def deliver_any_seen_frame(self, data: st.DataObject) -> None:
        """Deliver, replay or reorder: any frame the host has seen, in any order."""
        sender, frame = data.draw(st.sampled_from(self.wire))
        self._deliver(sender, frame)

    @precondition(lambda self: bool(self.wire))
    @rule(data=st.data())
    def deliver_tampered(self, data: st.DataObject) -> None:
        sender, frame = data.draw(st.sampled_from(self.wire))
        field = data.draw(st.sampled_from(["aad", "data", "nonce", "channel"]))
        if field == "aad":
            frame = attrs.evolve(frame, aad=frame.aad + b"!")
        elif field == "data":
            i = data.draw(st.integers(0, len(frame.data) - 1))
            frame = attrs.evolve(
                frame, data=frame.data[:i] + bytes([frame.data[i] ^ 1]) + frame.data[i + 1 :]
            )
        elif field == "nonce":
            frame = attrs.evolve(frame, nonce=frame.nonce + data.draw(st.integers(1, 3)))
        else:
            frame = attrs.evolve(frame, channel_id=bytes(64))
        before = len(self.received[SIDES[1 - SIDES.index(sender)]])
        self._deliver(sender, frame)
        assert len(self.received[SIDES[1 - SIDES.index(sender)]]) == before

    @invariant()
    def accepted_is_a_prefix_of_sent(self) -> None:
        for side in SIDES:
            other = SIDES[1 - SIDES.index(side)]
            got = self.received[other]
            assert got == self.sent[side][: len(got)]
            assert self.sessions[other].recv.cipher.n == len(got)


TestHostileHost = HostileHost.TestCase
