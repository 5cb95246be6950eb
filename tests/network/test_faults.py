"""Faults on a running network of node processes (each test its own 4-node dense network:
every node needs 2 of its 3 peers, i.e. 3 of the 4 nodes, to make progress)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from refimpl.client.pay import Payment
from refimpl.errors import RefImplError
from refimpl.node.supervisor import admin_metrics
from tests.network._net import (
    WAIT_S,
    BackgroundPayment,
    assert_ledgers_identical_and_sound,
    pay_through,
    running_network,
)

pytestmark = pytest.mark.slow


def test_a_peer_with_another_mrenclave_is_refused_and_counted(tmp_path: Path) -> None:
    edit = {"n3": 'enclave_code = "a rogue consensus enclave"'}
    with running_network(tmp_path / "net", 4, edit=edit) as (network, supervisor):
        payment = pay_through(network, "n0", 0, 1)  # n0..n2 are a quorum without n3
        assert payment.block_index >= 1
        deadline = time.monotonic() + WAIT_S
        refused = 0.0
        while time.monotonic() < deadline and not refused:
            text = admin_metrics(network.node("n0")) or ""
            refused = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                          if line.startswith("mcref_peer_attestation_failures_total")
                          and "attest.measurement_not_allowed" in line)
            time.sleep(0.2)
        assert refused >= 1
        # n3 can attest to no peer, so it can call no peer (MobileCoin's attested_call):
        # not even the plain GetLatestMsg / GetBlocks it would catch up with
        assert supervisor.heights()["n3"] == 1
        supervisor.wait_heights_equal(payment.block_index + 1, WAIT_S, ["n0", "n1", "n2"])
    assert_ledgers_identical_and_sound(network, ["n0", "n1", "n2"])


def test_sigkill_mid_slot_then_restart_catches_up_and_loses_nothing(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4, accounts=4, outputs_per_account=4) as (
            network, supervisor):
        payments: list[Payment] = []
        errors: list[str] = []

        def pay_loop(sender: int, node: str, count: int) -> None:
            for _ in range(count):
                try:
                    payments.append(pay_through(network, node, sender, (sender + 1) % 4))
                except RefImplError as exc:
                    errors.append(exc.one_line())

        senders = [threading.Thread(target=pay_loop, args=(i, f"n{i % 3}", 3))
                   for i in range(3)]
        for t in senders:
            t.start()
        # kill n3 while slots are running (its worker is in the middle of one)
        deadline = time.monotonic() + WAIT_S
        while not payments and time.monotonic() < deadline:
            time.sleep(0.05)
        supervisor.kill("n3", signal.SIGKILL)
        for t in senders:
            t.join(timeout=3 * WAIT_S)
        assert not errors, errors
        assert len(payments) == 9
        height = supervisor.wait_heights_equal(2, WAIT_S, ["n0", "n1", "n2"])
        supervisor.start("n3")
        supervisor.wait_heights_equal(height, WAIT_S)
        # and it takes part again: a payment through the restarted node commits
        payments.append(pay_through(network, "n3", 3, 0))
        supervisor.wait_heights_equal(payments[-1].block_index + 1, WAIT_S)
    chain = assert_ledgers_identical_and_sound(network)
    assert len(chain) > max(p.block_index for p in payments)


def test_losing_the_quorum_halts_and_its_return_resumes_without_a_fork(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4) as (network, supervisor):
        first = pay_through(network, "n0", 0, 1)
        supervisor.stop("n2")
        supervisor.stop("n3")  # n0, n1 alone: no quorum
        payment = BackgroundPayment(network, "n0", 1, 0)
        time.sleep(5.0)  # 25 base intervals: no block without a quorum
        heights = supervisor.heights()
        assert heights["n0"] == heights["n1"] == first.block_index + 1
        assert not payment.outcome
        supervisor.start("n2")
        supervisor.start("n3")
        supervisor.wait_heights_equal(payment.result().block_index + 1, WAIT_S)
    assert_ledgers_identical_and_sound(network)
