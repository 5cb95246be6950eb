"""``mcref attest handshake --demo [--variant correct|mobilecoin] [--seed S] [--json]``.

Runs, against simulated SGX consensus enclaves (refimpl/enclave/platform_sim.py, verified by
refimpl/enclave/verifier.py under the simulation's test root), the handshakes of notes
attestation-fog.md §3.3 and prints each step:

1. a peer (IX) handshake node1 → node2 with DCAP evidence both ways, then one transport frame;
2. a client (NX) handshake client → node1, the client verifying node1's evidence;
3. the §3.6 attack: an initiator presenting node2's public evidence with its own static key —
   refused by node1 in the ``correct`` variant, accepted in the ``mobilecoin`` variant.

Exit 0 when every step ends as that variant expects.
"""

from __future__ import annotations

import argparse
from typing import Any

import attrs

from refimpl.cli.output import print_json
from refimpl.enclave.channel import AttestedSession, client_init
from refimpl.enclave.consensus_api import ConsensusEnclave, SimulatedNetwork
from refimpl.enclave.platform_sim import seeded_rng
from refimpl.errors import CliError, RefImplError

PEER_RID = "node2.demo.mobilecoin.test:8443-demo-config"
CLIENT_RID = "node1.demo.mobilecoin.test:443"


def register_handshake(attest_sub: Any) -> None:
    parser = attest_sub.add_parser("handshake", help="attested Noise handshakes (demo)")
    parser.add_argument("--demo", action="store_true", help="run against simulated enclaves")
    parser.add_argument("--variant", choices=("correct", "mobilecoin"), default="correct")
    parser.add_argument("--seed", default="mcref-handshake-demo")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_handshake)


def _identity(session: AttestedSession) -> str:
    mr_enclave = getattr(session.peer_identity, "mr_enclave", None)
    return mr_enclave.hex() if isinstance(mr_enclave, bytes) else "(anonymous)"


def run_demo(seed: bytes, variant: str) -> list[dict[str, Any]]:
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


def _handshake(args: argparse.Namespace) -> int:
    if not args.demo:
        raise CliError("cli.usage", "only --demo is available: attest handshake --demo")
    steps = run_demo(args.seed.encode(), args.variant)
    if args.json:
        print_json({"variant": args.variant, "steps": steps})
    else:
        for i, step in enumerate(steps, 1):
            details = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("step", "ok"))
            print(f"{i}. [{'ok' if step['ok'] else 'UNEXPECTED'}] {step['step']}: {details}")
    return 0 if all(step["ok"] for step in steps) else 1
