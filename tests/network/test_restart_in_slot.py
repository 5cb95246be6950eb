"""A validator killed while a slot is open and restarted into the same slot starts that slot
over: MobileCoin keeps no SCP state across a restart (consensus/service/src/byzantine_ledger/
mod.rs builds a fresh ``Node`` at ``ledger.num_blocks()``) and neither does this node. The
restarted node rejoins the open slot, the slot completes once the quorum is back, nothing is
lost, and the merged trace marks that (node, slot) as ``amnesia``: the trace checkers model
honest nodes, which never forget a vote, so a slot with amnesia can only be validated with
that node counted as faulty there (docs/operator-guide.md, restarts)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from refimpl.formal.z3trace import check_trace
from refimpl.node.node_trace import merge_traces
from tests.network._net import WAIT_S, BackgroundPayment, pay_through, running_network


def _wait_until_voted(trace_dir: Path, slot: int) -> None:
    """Until the node's trace shows it received a peer's vote in ``slot`` and voted itself
    (in a slot without a quorum nothing changes after that: the peer's latest message stays
    the one the node already holds)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for path in trace_dir.glob("trace-*.ndjson"):
            for line in path.read_text().splitlines():
                if not line.endswith("}"):
                    continue
                step = json.loads(line)
                if (step.get("kind") == "step" and step["slot"] == slot
                        and step["event"] == "receive" and step["state"]["X"]
                        and step["args"]["msg"]["topic"].get("X")):
                    return
        time.sleep(0.1)
    raise AssertionError(f"no vote in slot {slot} within {WAIT_S} s")


@pytest.mark.slow
def test_a_node_restarted_inside_an_open_slot_rejoins_it_and_the_trace_says_so(
        tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4) as (network, supervisor):
        pay_through(network, "n0", 0, 1)
        supervisor.wait_heights_equal(2, WAIT_S)
        supervisor.stop("n2")
        supervisor.stop("n3")  # no quorum: the next slot stays open
        payment = BackgroundPayment(network, "n0", 1, 2)
        _wait_until_voted(network.node("n1").directory / "scp-debug", slot=2)
        supervisor.kill("n1", signal.SIGKILL)
        supervisor.start("n1")  # back in slot 2, with nothing remembered of it
        supervisor.wait_serving(["n1"], timeout_s=WAIT_S)
        time.sleep(2.0)
        supervisor.start("n2")
        supervisor.start("n3")
        supervisor.wait_heights_equal(payment.result().block_index + 1, WAIT_S)
    merged = merge_traces(sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson")))
    n1 = network.node("n1").peer_responder_id
    assert [n1, 2] in merged[-1]["amnesia"]
    assert merged[-1]["agreement"] is True
    before = [o for o in merged if o.get("kind") != "step" or o["slot"] < 2]
    assert check_trace(before).ok
