"""The fog check of ``mcref check`` (``make run``), picked up by refimpl/cli/check.py: three
``mcref node run`` processes and the fog processes beside them (ingest, report, a view router
over two block-range stores, ledger; SQLite recovery database), then Alice and Bob, both
fog-enabled, pay each other with phone-style clients: exact balances, and not one block, TxOut
or key image read from a validator (their request counters) while they do
(:mod:`refimpl.fog.scenario`).
"""

from __future__ import annotations

import time
from pathlib import Path

from refimpl.checks import Check, CheckResult
from refimpl.client.check import scratch_directory
from refimpl.errors import FogError, RefImplError
from refimpl.fog.localnet import add_fog_services, generate_local_fog
from refimpl.fog.scenario import (
    fog_account,
    fog_client,
    fund_fog_account,
    node_ledger_reads,
    validator_ledger_calls,
    wait_fog_balance,
)
from refimpl.node.localnet import LocalNetwork, generate_local_network
from refimpl.node.supervisor import Supervisor

NODES = 3
TIMEBASE_MS = 200
WAIT_S = 60.0
FUNDING = 5_000_000_000
ALICE_TO_BOB = 1_000_000_000
BOB_TO_ALICE = 300_000_000


def fog_check() -> CheckResult:
    """Run the network with fog, pay through fog, stop (see the module docstring)."""
    with scratch_directory("mcref-fog-") as scratch:
        network = generate_local_network(
            Path(scratch) / "net", NODES, "dense", b"mcref-fog-check", accounts=3,
            outputs_per_account=4, scp_timebase_ms=TIMEBASE_MS)
        fog = generate_local_fog(network, view_shards=2, shard_blocks=3)
        supervisor = Supervisor(network)
        names = add_fog_services(supervisor, fog)
        try:
            supervisor.start_all()
            supervisor.wait_serving(timeout_s=WAIT_S)
            supervisor.start_services()
            supervisor.wait_serving(names, timeout_s=WAIT_S)
            return _alice_and_bob(network)
        except RefImplError as exc:
            return CheckResult(False, [exc.one_line()], {"error": exc.code})
        finally:
            supervisor.stop_all()


def _alice_and_bob(network: LocalNetwork) -> CheckResult:
    alice_key, bob_key = fog_account(network, 1), fog_account(network, 2)
    fund_fog_account(network, 0, alice_key, FUNDING, WAIT_S)
    reads_before = node_ledger_reads(network)
    started = time.monotonic()
    with fog_client(network, alice_key) as alice, fog_client(network, bob_key) as bob:
        wait_fog_balance(alice, FUNDING, WAIT_S)
        paid = alice.pay(bob_key.default_subaddress(), ALICE_TO_BOB, timeout_s=WAIT_S)
        wait_fog_balance(bob, ALICE_TO_BOB, WAIT_S)
        back = bob.pay(alice_key.default_subaddress(), BOB_TO_ALICE, timeout_s=WAIT_S)
        alice_as_of = wait_fog_balance(
            alice, FUNDING - ALICE_TO_BOB - paid.fee + BOB_TO_ALICE, WAIT_S)
        bob_final = ALICE_TO_BOB - BOB_TO_ALICE - back.fee
        wait_fog_balance(bob, bob_final, WAIT_S)
        bad_calls = validator_ledger_calls(alice) + validator_ledger_calls(bob)
        calls = alice.calls + bob.calls
    elapsed = time.monotonic() - started
    node_reads = node_ledger_reads(network) - reads_before
    if bad_calls or node_reads:
        raise FogError("fog.check_failed",
                       f"fog clients read the ledger from a node: {bad_calls}, {node_reads}")
    lines = [
        f"{NODES} nodes + fog (ingest, report, view router over 2 stores, ledger): Alice paid "
        f"Bob {ALICE_TO_BOB} (block {paid.block_index}), Bob paid back {BOB_TO_ALICE} "
        f"(block {back.block_index}) in {elapsed:.1f} s",
        f"balances found through fog: Alice as of {alice_as_of} blocks, Bob {bob_final}; "
        f"ledger reads from validators: 0; fog calls: "
        + ", ".join(f"{k.rsplit('/', 1)[-1]} {v}" for k, v in sorted(calls.items())),
    ]
    return CheckResult(True, lines, {"calls": dict(calls), "elapsed_s": round(elapsed, 2)})


CHECKS: list[Check] = [
    ("fog: Alice and Bob pay through fog", fog_check),
]
