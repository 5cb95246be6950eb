"""The ``mcref check`` entry for attested channels and the demo steps behind it."""

from __future__ import annotations

from refimpl.enclave.channel_check import handshake_check, handshake_demo
from refimpl.enclave.check import CHECKS


def test_handshake_check_passes_and_is_registered() -> None:
    ok, lines, detail = handshake_check()
    assert ok and lines[0].endswith("6/6")
    assert detail["correct"][-1]["code"] == "attest.static_key_mismatch"
    assert detail["mobilecoin"][-1]["outcome"] == "accepted"
    assert ("attestation: attested Noise handshakes", handshake_check) in CHECKS


def test_demo_steps_depend_on_the_seed_only() -> None:
    first, again = handshake_demo(b"s", "correct"), handshake_demo(b"s", "correct")
    other = handshake_demo(b"t", "correct")
    assert first == again and first[3]["channel_id"] != other[3]["channel_id"]
