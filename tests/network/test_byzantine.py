"""One Byzantine node process equivocates: it runs two SCP instances over the same messages,
judging values differently, and sends each half of its peers the signed messages of one of
them. The honest nodes agree, keep a sound ledger, and the merged trace of the run shows the
equivocation and is a behaviour of the spec for the honest nodes."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from refimpl.client.pay import Payment
from refimpl.consensus.scp.msg import Msg, supersedes
from refimpl.errors import RefImplError
from refimpl.formal.z3trace import check_trace
from refimpl.node.localnet import LocalNetwork
from refimpl.node.node_trace import merge_traces, read_trace_file
from tests.network._net import (
    WAIT_S,
    assert_ledgers_identical_and_sound,
    pay_through,
    running_network,
)

ROUNDS = 4  # bursts of payments, until the Byzantine node's two stories have diverged


def _sends(network: LocalNetwork) -> dict[tuple[str, int], list[Msg]]:
    """Every node's sends per slot, in order, from the trace files written so far. Each file
    is read alone: a merge of a running network may meet a receive whose send the sender has
    not flushed yet."""
    sent: dict[tuple[str, int], list[Msg]] = defaultdict(list)
    for path in sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson")):
        for step in read_trace_file(path)[1]:
            if step["event"] == "send":
                msg = Msg.from_json(step["args"]["msg"])
                sent[(step["node"], msg.slot_index)].append(msg)
    return sent


def _contradicts_itself(msgs: list[Msg]) -> bool:
    """An honest node's messages of a slot form a chain, each superseding every one it sent
    before; a later message that does not supersede an earlier one is a second story."""
    return any(later != earlier and not supersedes(later, earlier)
               for earlier, later in itertools.combinations(msgs, 2))


def _burst(network: LocalNetwork, round_: int) -> list[Payment]:
    """Four concurrent payments, one through each node (the Byzantine one included, so that
    its own proposals are in play)."""
    payments: list[Payment] = []
    errors: list[str] = []

    def pay(sender: int) -> None:
        try:
            payments.append(pay_through(network, f"n{sender}", sender, (sender + round_) % 4))
        except RefImplError as exc:
            errors.append(exc.one_line())

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * WAIT_S)
    assert not errors, errors
    assert len(payments) == 4
    return payments


@pytest.mark.slow
def test_honest_nodes_agree_despite_an_equivocating_node(tmp_path: Path) -> None:
    edit = {"n3": 'byzantine = "equivocate"'}
    with running_network(tmp_path / "net", 4, accounts=4, outputs_per_account=ROUNDS + 1,
                         edit=edit) as (network, supervisor):
        n3 = network.node("n3").peer_responder_id
        payments: list[Payment] = []
        for round_ in range(1, ROUNDS + 1):
            payments += _burst(network, round_)
            if any(_contradicts_itself(m) for (node, _), m in _sends(network).items()
                   if node == n3):
                break
        supervisor.wait_heights_equal(max(p.block_index for p in payments) + 1, WAIT_S,
                                      ["n0", "n1", "n2"])
    assert_ledgers_identical_and_sound(network, ["n0", "n1", "n2"])

    merged = merge_traces(sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson")))
    assert merged[0]["byzantine"] == [n3]
    assert all(s.get("byzantine", False) is (s["node"] == n3)
               for s in merged[1:-1] if s["event"] == "send")
    sent = _sends(network)
    assert not any(_contradicts_itself(m) for (node, _), m in sent.items() if node != n3)
    assert any(_contradicts_itself(m) for (node, _), m in sent.items() if node == n3), \
        f"n3 never sent a message that contradicts one it sent before ({ROUNDS} rounds)"
    assert merged[-1]["agreement"] is True
    report = check_trace(merged)
    assert report.ok, report.failure
