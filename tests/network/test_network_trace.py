"""The formal loop covers the running system: the merged SCP trace of a 4-node network of
real processes, one of which is stopped between slots and restarted (it catches up and takes
part again), is a behaviour of the TLA+ spec under TLC (spec/scp/TraceSCP.tla) and of the Z3
step checker; the same trace with one forged step is rejected by both at that step."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from refimpl.formal.trace_mutations import MUTATIONS
from refimpl.formal.trace_validate import validate_trace
from refimpl.formal.z3trace import check_trace
from refimpl.node.node_trace import merge_traces
from tests.network._net import WAIT_S, pay_through, running_network


@pytest.mark.slow
def test_merged_trace_with_a_restart_validates_and_a_forged_step_does_not(
        tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4, accounts=4, outputs_per_account=3) as (
            network, supervisor):
        pay_through(network, "n0", 0, 1)
        supervisor.wait_heights_equal(2, WAIT_S)
        supervisor.kill("n2", signal.SIGKILL)  # between slots: nothing is pending
        missed = pay_through(network, "n1", 1, 2)  # n0, n1, n3 are a quorum
        supervisor.start("n2")
        supervisor.wait_heights_equal(missed.block_index + 1, WAIT_S)
        last = pay_through(network, "n2", 2, 3)  # the restarted node takes part again
        supervisor.wait_heights_equal(last.block_index + 1, WAIT_S)
    files = sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson"))
    assert len(files) == 5  # n2 wrote one file per incarnation
    merged = merge_traces(files)
    verdict = merged[-1]
    assert verdict["agreement"] is True and verdict["amnesia"] == []
    n2_files = [f for f in files if f.name.startswith("trace-" + network.node(
        "n2").peer_responder_id.replace(":", "_"))]
    assert len(n2_files) == 2
    restarted = [line for line in n2_files[-1].read_text().splitlines() if '"step"' in line]
    assert restarted  # the second incarnation took part in consensus

    assert check_trace(merged).ok
    accepted = validate_trace(merged, timeout_s=120)
    assert accepted.accepted, accepted.to_json()

    slot = last.block_index
    forged, seq = MUTATIONS["changed_counter"](merged, slot)  # type: ignore[misc]
    report = check_trace(forged)
    assert not report.ok and report.failure is not None and report.failure.seq == seq
    tlc = validate_trace(forged, slot=slot, timeout_s=120)
    assert not tlc.accepted and tlc.first_unexplained_seq == seq
