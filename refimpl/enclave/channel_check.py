"""Attested-handshake demo steps and the ``mcref check`` entry for attested channels.

:func:`handshake_demo` runs, against simulated SGX consensus enclaves (platform_sim.py, verified by
verifier.py under the simulation's test root), the handshakes of MobileCoin's ``attest/ake``: a peer
(IX) handshake with DCAP evidence both ways and one transport frame, a client (NX) handshake, and
the attack of docs/findings.md#ix-responder-binding (an initiator presenting another enclave's
public evidence with its own static key: refused in the ``correct`` variant, accepted in
``mobilecoin``). ``mcref attest handshake --demo`` prints these steps; :func:`handshake_check` is
the check.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from refimpl.checks import CheckResult
from refimpl.crypto.noise import HandshakeState, Pattern
from refimpl.enclave.channel import AttestedSession, client_init
from refimpl.enclave.consensus_api import ConsensusEnclave, SimulatedNetwork
from refimpl.enclave.platform_sim import seeded_rng
from refimpl.errors import RefImplError
from refimpl.resources import data_root

NOISE_VECTORS = data_root() / "noise" / "mobilecoin_IX_NX_25519_AESGCM_SHA512.json"
PEER_RID = "node2.demo.mobilecoin.test:8443-demo-config"
CLIENT_RID = "node1.demo.mobilecoin.test:443"


def _identity(session: AttestedSession) -> str:
    mr_enclave = getattr(session.peer_identity, "mr_enclave", None)
    return mr_enclave.hex() if isinstance(mr_enclave, bytes) else "(anonymous)"


def handshake_demo(seed: bytes, variant: str) -> list[dict[str, Any]]:
    """The demo's steps as dicts: ``step``, ``ok`` and what the step showed."""
    net = SimulatedNetwork.create(seed, 2)
    rng = seeded_rng(seed + b"/handshakes")

    def node(i: int, responder_id: str) -> ConsensusEnclave:
        return ConsensusEnclave(
            client_responder_id=CLIENT_RID,
            peer_responder_id=responder_id,
            local=net.locals[i],
            verifier=net.verifier(),
            block_version=3,
            fee_map={0: 400_000_000},
            variant="mobilecoin" if variant == "mobilecoin" else "correct",
        )

    node1, node2 = node(0, CLIENT_RID), node(1, PEER_RID)
    steps: list[dict[str, Any]] = [
        {
            "step": "setup",
            "ok": True,
            "mrenclave": net.enclaves[0].mrenclave.hex(),
            "trusted_root": "simulation test root CA",
            "at": net.at.isoformat(),
        }
    ]
    node1, m1 = node1.peer_init(PEER_RID, rng)
    steps.append(
        {"step": "IX msg1 node1->node2 (e, s, evidence in clear)", "ok": True, "bytes": len(m1)}
    )
    node2, m2 = node2.peer_accept(m1, rng)
    (inbound,) = node2.peers.values()
    steps.append(
        {
            "step": "IX node2 verified node1's evidence, bound to its static key",
            "ok": True,
            "bytes": len(m2),
            "peer_mrenclave": _identity(inbound),
        }
    )
    node1, channel = node1.peer_connect(PEER_RID, m2)
    outbound = node1.peers[channel]
    steps.append(
        {
            "step": "IX node1 verified node2's evidence; session ready",
            "ok": True,
            "channel_id": channel.hex(),
            "peer_mrenclave": _identity(outbound),
        }
    )
    outbound, frame = outbound.seal(b"TxList", aad=b"origin=node1")
    inbound, text = inbound.open(frame)
    steps.append(
        {
            "step": "transport frame node1->node2",
            "ok": text == b"TxList",
            "nonce": frame.nonce,
            "frame_bytes": len(frame.encode()),
        }
    )

    pending, c1 = client_init(CLIENT_RID, net.verifier(), rng)
    node1, c2 = node1.client_accept(c1, rng)
    client = pending.finish(c2)
    steps.append(
        {
            "step": "NX client->node1: client verified node1's evidence",
            "ok": True,
            "msg1_bytes": len(c1),
            "msg2_bytes": len(c2),
            "peer_mrenclave": _identity(client),
        }
    )

    mallory = attrs.evolve(net.locals[1], static_private=rng(32))
    mitm = attrs.evolve(node2, local=mallory, peer_responder_id=PEER_RID)
    mitm, hello = mitm.peer_init(CLIENT_RID, rng)
    try:
        node(0, CLIENT_RID).peer_accept(hello, rng)
        outcome, code = "accepted", ""
    except RefImplError as exc:
        outcome, code = "refused", exc.code
    expected = "refused" if variant == "correct" else "accepted"
    steps.append(
        {
            "step": f"IX initiator with node2's public evidence and its own key "
            f"(variant {variant})",
            "ok": outcome == expected,
            "outcome": outcome,
            "code": code,
        }
    )
    return steps


def _noise_vector_ok(v: dict[str, Any]) -> bool:
    """One public vector: both handshake messages and the handshake hash (when given)."""
    name = v.get("protocol_name") or f"Noise_{v['pattern']}_{v['dh']}_{v['cipher']}_{v['hash']}"
    pattern: Pattern = "IX" if name.split("_")[1] == "IX" else "NX"
    h = bytes.fromhex
    msgs = v["messages"]
    ini = HandshakeState.initiator(
        pattern, h(v["init_prologue"]), h(v["init_static"]) if "init_static" in v else None
    )
    res = HandshakeState.responder(pattern, h(v["resp_prologue"]), h(v["resp_static"]))
    ini, m1 = ini.write_message(h(msgs[0]["payload"]), lambda n: h(v["init_ephemeral"]))
    res, _ = res.read_message(m1)
    res, m2 = res.write_message(h(msgs[1]["payload"]), lambda n: h(v["resp_ephemeral"]))
    ini, _ = ini.read_message(m2)
    got_hash = ini.transport().handshake_hash.hex()
    hash_ok = str(v.get("handshake_hash", got_hash)) == got_hash
    return bool(m1.hex() == msgs[0]["ciphertext"] and m2.hex() == msgs[1]["ciphertext"]) and hash_ok


def handshake_check() -> CheckResult:
    """The six public Noise vectors, and the demo in both variants ends as expected."""
    vectors = json.loads(NOISE_VECTORS.read_text())["vectors"]
    passed = sum(_noise_vector_ok(v) for v in vectors)
    correct = handshake_demo(b"mcref check handshake", "correct")
    upstream = handshake_demo(b"mcref check handshake", "mobilecoin")
    ok = passed == len(vectors) == 6 and all(s["ok"] for s in correct + upstream)
    lines = [
        f"Noise IX/NX 25519 AESGCM SHA512 vectors: {passed}/{len(vectors)}",
        "simulated enclaves: IX peer and NX client handshakes "
        + ("ready" if all(s["ok"] for s in correct[:-1]) else "FAILED"),
        f"public evidence + own static key: correct variant {correct[-1]['outcome']} "
        f"({correct[-1]['code']}), mobilecoin variant {upstream[-1]['outcome']}",
    ]
    return CheckResult(ok, lines, {"correct": correct, "mobilecoin": upstream})
