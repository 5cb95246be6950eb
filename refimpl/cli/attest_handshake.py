"""``mcref attest handshake --demo [--variant correct|mobilecoin] [--seed S] [--json]``.

Runs, against simulated SGX consensus enclaves (refimpl/enclave/platform_sim.py, verified by
refimpl/enclave/verifier.py under the simulation's test root), the handshakes of
MobileCoin's ``attest/ake`` (IX between enclaves, NX for clients) and prints each step:

1. a peer (IX) handshake node1 → node2 with DCAP evidence both ways, then one transport frame;
2. a client (NX) handshake client → node1, the client verifying node1's evidence;
3. the attack of docs/findings.md#ix-responder-binding: an initiator presenting node2's public
   evidence with its own static key — refused by node1 in the ``correct`` variant, accepted in the
   ``mobilecoin`` variant.

Exit 0 when every step ends as that variant expects.
"""

from __future__ import annotations

import argparse
from typing import Any

from refimpl.cli.output import print_json
from refimpl.errors import CliError


def register_handshake(attest_sub: Any) -> None:
    parser = attest_sub.add_parser("handshake", help="attested Noise handshakes (demo)")
    parser.add_argument("--demo", action="store_true", help="run against simulated enclaves")
    parser.add_argument("--variant", choices=("correct", "mobilecoin"), default="correct")
    parser.add_argument("--seed", default="mcref-handshake-demo")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_handshake)


def _handshake(args: argparse.Namespace) -> int:
    from refimpl.enclave.channel_check import handshake_demo

    if not args.demo:
        raise CliError("cli.usage", "only --demo is available: attest handshake --demo")
    steps = handshake_demo(args.seed.encode(), args.variant)
    if args.json:
        print_json({"variant": args.variant, "steps": steps})
    else:
        for i, step in enumerate(steps, 1):
            details = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("step", "ok"))
            print(f"{i}. [{'ok' if step['ok'] else 'UNEXPECTED'}] {step['step']}: {details}")
    return 0 if all(step["ok"] for step in steps) else 1
