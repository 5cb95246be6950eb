"""The validator network check of ``mcref check`` (``make run``), picked up by
refimpl/cli/check.py (it lives with the client, which drives the network; ``node`` never
imports ``client``): four ``mcref node run`` processes on 127.0.0.1, a few payments from
concurrent clients through different nodes, then every acknowledged payment in exactly one
block, four identical ledgers that pass ``mcref ledger verify``, and the merged SCP trace of
the run accepted by the Z3 trace checker (the TLC check of such traces is a test:
tests/network/test_network_trace.py).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from refimpl.checks import Check, CheckResult
from refimpl.client.load import check_acks, run_load
from refimpl.errors import RefImplError
from refimpl.formal.z3trace import check_trace
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.verify import verify_ledger
from refimpl.node.localnet import generate_local_network
from refimpl.node.node_trace import merge_traces
from refimpl.node.supervisor import Supervisor

NODES = 4
PAYMENTS = 8
CLIENTS = 4
TIMEBASE_MS = 200


def scratch_directory(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for a check's network under ``$TMPDIR`` (the Makefile keeps it in
    the tree), removed when the check ends."""
    base_tmp = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())
    base_tmp.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=base_tmp)


def network_check() -> CheckResult:
    """Run the network, pay, stop, check (see the module docstring)."""
    with scratch_directory("mcref-network-") as scratch:
        network = generate_local_network(
            Path(scratch) / "net", NODES, "dense", b"mcref-check", accounts=CLIENTS,
            outputs_per_account=PAYMENTS // CLIENTS + 2, scp_timebase_ms=TIMEBASE_MS,
            trace_epoch_ms=int(time.time() * 1000))
        supervisor = Supervisor(network)
        try:
            supervisor.start_all()
            supervisor.wait_serving(timeout_s=60)
            report = run_load(network, PAYMENTS, CLIENTS, timeout_s=120)
            last = max((a.block_index or 0) for a in report.acks)
            supervisor.wait_heights_equal(last + 1, timeout_s=60)  # every node, same chain
        except RefImplError as exc:
            return CheckResult(False, [exc.one_line()], {"error": exc.code})
        finally:
            supervisor.stop_all()
        summary = report.summary()
        ledgers = {n.name: n.directory / "ledger" for n in network.nodes}
        acks = check_acks(report.acks, ledgers)
        sound = {}
        for name, path in ledgers.items():
            with LedgerStore.open(path, read_only=True) as store:
                sound[name] = verify_ledger(store).ok
        merged = merge_traces(sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson")))
        z3 = check_trace(merged)
    ok = (acks.ok and all(sound.values()) and z3.ok and summary["committed"] == PAYMENTS
          and merged[-1]["agreement"] is True)
    lines = [
        f"{NODES} node processes, {PAYMENTS} payments from {CLIENTS} clients: "
        f"{summary['committed']} committed, p50 {summary['latency_p50_s']} s",
        f"ledgers: {acks.num_blocks} blocks, identical: {acks.identical}, "
        f"verify: {'ok' if all(sound.values()) else sound}",
        f"acknowledged payments missing: {len(acks.missing)}, in two blocks: {len(acks.split)}",
        f"merged SCP trace: {len(merged) - 2} steps, agreement {merged[-1]['agreement']}, "
        f"Z3 trace check {'accepted' if z3.ok else 'REJECTED: ' + str(z3.failure)}",
    ]
    return CheckResult(ok, lines, {"load": summary, "ledgers": acks.num_blocks,
                                  "z3": z3.to_json()})


CHECKS: list[Check] = [
    ("validator network: 4 node processes", network_check),
]
