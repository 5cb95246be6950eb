"""Kept regression: with more Byzantine nodes than a quorum system tolerates, agreement breaks.

conformance/vectors/scp-traces/too_many_byzantine.ndjson is the trace of a 4-node mesh where every
node needs 2 of the other 3 (quorums of 3) and n2, n3 equivocate: two Byzantine nodes exceed
f = 1, the two honest nodes' quorums {n0, n2, n3} and {n1, n2, n3} intersect only in Byzantine
nodes, and n0 and n1 externalize different value sets for slot 1. Replaying the header must
break agreement again; while the protocol core is unchanged it also reproduces the whole trace
byte for byte.
Regenerate with tools/make_scp_regression_trace.py after an intended change of the core.
"""

from __future__ import annotations

import json

from refimpl.consensus.sim.replay import replay
from refimpl.consensus.sim.trace import read_trace
from refimpl.resources import conformance_root

TRACE = conformance_root() / "vectors" / "scp-traces" / "too_many_byzantine.ndjson"


def test_the_kept_trace_shows_two_honest_nodes_disagreeing() -> None:
    lines = read_trace(TRACE.read_text(encoding="utf-8").splitlines())
    header, verdict = lines[0], lines[-1]
    assert header["byzantine"] == ["n2", "n3"]
    assert verdict["kind"] == "verdict" and verdict["agreement"] is False
    first = {node: hashes[0] for node, hashes in verdict["externalized"].items() if hashes}
    assert set(first) == {"n0", "n1"} and len(set(first.values())) == 2, json.dumps(first)


def test_replaying_the_schedule_breaks_agreement_again() -> None:
    result, _ = replay(TRACE.read_text(encoding="utf-8"))
    assert not result.agreement
    assert set(result.disagreements) == {1}


def test_replay_reproduces_the_trace_byte_for_byte() -> None:
    stored = TRACE.read_text(encoding="utf-8")
    _, text = replay(stored)
    assert text == stored, "core behaviour changed: rerun tools/make_scp_regression_trace.py"
