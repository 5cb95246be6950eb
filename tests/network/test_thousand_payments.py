"""The issue's load test: a 5-node loopback network takes 1,000 payments from 20 concurrent
clients. Every payment whose ProposeTx was accepted appears in exactly one block, none
refused with a ProposeTxResult appears, all five ledgers have identical block ids and pass
``mcref ledger verify`` (refimpl/client/load.py compares the acknowledgements with the
ledgers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refimpl.client.load import check_acks, run_load
from tests.network._net import WAIT_S, assert_ledgers_identical_and_sound, running_network

PAYMENTS = 1000
CLIENTS = 20


@pytest.mark.slow
def test_five_nodes_take_a_thousand_payments_from_twenty_clients(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 5, accounts=CLIENTS,
                         outputs_per_account=PAYMENTS // CLIENTS) as (network, supervisor):
        report = run_load(network, PAYMENTS, CLIENTS, window=2, timeout_s=900)
        # the load watched one node; every node must hold the same chain before the stop
        supervisor.wait_heights_equal(max(a.block_index or 0 for a in report.acks) + 1,
                                      WAIT_S)
    summary = report.summary()
    assert summary["submitted"] == PAYMENTS, summary
    assert summary["accepted"] == PAYMENTS, summary  # the closed loop stays under 500 pending
    assert summary["committed"] == PAYMENTS, summary
    check = check_acks(report.acks, {n.name: n.directory / "ledger" for n in network.nodes})
    assert check.ok, check
    chain = assert_ledgers_identical_and_sound(network)
    assert len(chain) > 1
    print(f"\n1000 payments: {summary}")
