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
from refimpl.node.node_trace import merge_traces
from tests.network._net import (
    WAIT_S,
    assert_ledgers_identical_and_sound,
    pay_through,
    running_network,
)


@pytest.mark.slow
def test_honest_nodes_agree_despite_an_equivocating_node(tmp_path: Path) -> None:
    edit = {"n3": 'byzantine = "equivocate"'}
    with running_network(tmp_path / "net", 4, accounts=4, outputs_per_account=3,
                         edit=edit) as (network, supervisor):
        payments: list[Payment] = []
        errors: list[str] = []

        def pay_loop(sender: int, node: str) -> None:
            for _ in range(2):
                try:
                    payments.append(pay_through(network, node, sender, (sender + 1) % 4))
                except RefImplError as exc:
                    errors.append(exc.one_line())

        # the Byzantine node gets proposals too, so that its two stories differ
        threads = [threading.Thread(target=pay_loop, args=(i, "n3" if i == 3 else f"n{i}"))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=4 * WAIT_S)
        assert not errors, errors
        assert len(payments) == 8
        supervisor.wait_heights_equal(max(p.block_index for p in payments) + 1, WAIT_S,
                                      ["n0", "n1", "n2"])
    assert_ledgers_identical_and_sound(network, ["n0", "n1", "n2"])

    n3 = network.node("n3").peer_responder_id
    merged = merge_traces(sorted(network.base_dir.glob("node*/scp-debug/trace-*.ndjson")))
    assert merged[0]["byzantine"] == [n3]
    sent: dict[tuple[str, int], list[Msg]] = defaultdict(list)
    for step in merged[1:-1]:
        if step["event"] == "send":
            assert step.get("byzantine", False) is (step["node"] == n3)
            msg = Msg.from_json(step["args"]["msg"])
            sent[(step["node"], msg.slot_index)].append(msg)

    def contradicts_itself(msgs: list[Msg]) -> bool:
        return any(later != earlier and not supersedes(later, earlier)
                   for earlier, later in itertools.combinations(msgs, 2))

    # an honest node's messages of a slot form a chain, each superseding every one it sent
    # before; a later message that does not supersede an earlier one is a second story
    assert not any(contradicts_itself(m) for (node, _), m in sent.items() if node != n3)
    assert any(contradicts_itself(m) for (node, _), m in sent.items() if node == n3), \
        "n3 never sent a message that contradicts one it sent before"
    assert merged[-1]["agreement"] is True
    report = check_trace(merged)
    assert report.ok, report.failure
