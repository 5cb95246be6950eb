"""Kept regression: with more Byzantine nodes than a quorum system tolerates, agreement breaks.

``data/scp_too_many_byzantine.ndjson`` is the trace of a 4-node mesh where every node needs 2
of the other 3 (quorums of 3) and n2, n3 equivocate: two Byzantine nodes exceed f = 1, the two
honest nodes' quorums {n0, n2, n3} and {n1, n2, n3} intersect only in Byzantine nodes, and n0 and
n1 externalize different value sets for slot 1. Replaying the header must reproduce the whole
trace byte for byte and the broken verdict. Regenerate with tools/make_scp_regression_trace.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from refimpl.consensus.sim.replay import replay
from refimpl.consensus.sim.trace import read_trace

TRACE = Path(__file__).parent / "data" / "scp_too_many_byzantine.ndjson"


def test_replay_reproduces_the_disagreement_byte_for_byte() -> None:
    stored = TRACE.read_text(encoding="utf-8")
    result, text = replay(stored)
    assert not result.agreement
    assert text == stored
    verdict = read_trace(stored.splitlines())[-1]
    assert verdict["kind"] == "verdict" and verdict["agreement"] is False
    first = {node: hashes[0] for node, hashes in verdict["externalized"].items() if hashes}
    assert len(set(first.values())) == 2, json.dumps(first)
