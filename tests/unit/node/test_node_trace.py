"""Merging per-node traces: a simulated run split into node files merges back into a trace
the Z3 checker accepts, with every receive after its send; broken inputs are refused."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from refimpl.consensus.sim.network import SimConfig, simulate
from refimpl.consensus.sim.topology import mesh
from refimpl.consensus.sim.trace import TraceWriter, canonical_line, read_trace
from refimpl.errors import FormalError
from refimpl.formal.z3trace import check_trace
from refimpl.node.node_trace import merge_traces


def _sim_trace() -> list[dict[str, object]]:
    stream = io.StringIO()
    simulate(SimConfig(topology=mesh(4, 3), slots=2, seed=5), trace=TraceWriter(stream))
    return read_trace(stream.getvalue().splitlines())


def _split(trace: list[dict[str, object]], base: Path, jitter: int) -> list[Path]:
    """One file per node, as node processes write them; times jittered by up to ``jitter``."""
    header = trace[0]
    nodes = header["nodes"]
    assert isinstance(nodes, dict)
    rng = random.Random(7)
    paths = []
    for node, qset in nodes.items():
        path = base / f"trace-{node}.ndjson"
        lines = [{**header, "nodes": {node: qset}, "incarnation": 0}]
        t = 0
        for step in trace[1:]:
            if step.get("kind") == "step" and step["node"] == node:
                t = max(t, int(step["time_ms"]) + rng.randint(-jitter, jitter))  # type: ignore[call-overload]
                lines.append({**step, "seq": 0, "time_ms": t})
        path.write_text("".join(canonical_line(o) + "\n" for o in lines))
        paths.append(path)
    return paths


def test_split_and_merged_trace_is_accepted_with_sends_before_receives(tmp_path: Path) -> None:
    trace = _sim_trace()
    merged = merge_traces(_split(trace, tmp_path, jitter=40))
    steps = [o for o in merged if o.get("kind") == "step"]
    assert len(steps) == sum(1 for o in trace if o.get("kind") == "step")
    assert [s["seq"] for s in steps] == list(range(len(steps)))
    sent = set()
    for s in steps:
        msg = json.dumps(s["args"].get("msg"), sort_keys=True)
        if s["event"] == "send":
            sent.add((s["node"], msg))
        if s["event"] == "receive":
            assert (s["args"]["msg"]["sender"], msg) in sent
    assert merged[-1]["kind"] == "verdict" and merged[-1]["agreement"] is True
    assert merged[-1]["amnesia"] == []
    assert check_trace(merged).ok


def test_receive_of_a_message_nobody_sent_is_refused(tmp_path: Path) -> None:
    paths = _split(_sim_trace(), tmp_path, jitter=0)
    lines = paths[0].read_text().splitlines()
    sends = [i for i, line in enumerate(lines) if '"event":"send"' in line]
    del lines[sends[0]]
    paths[0].write_text("\n".join(lines) + "\n")
    with pytest.raises(FormalError) as err:
        merge_traces(paths)
    assert err.value.code == "formal.bad_trace"


def test_a_restart_in_the_middle_of_a_slot_is_reported(tmp_path: Path) -> None:
    paths = _split(_sim_trace(), tmp_path, jitter=0)
    lines = paths[1].read_text().splitlines()
    header = json.loads(lines[0])
    first_step = json.loads(lines[1])
    again = tmp_path / "trace-restarted.ndjson"
    again.write_text(canonical_line({**header, "incarnation": 1}) + "\n"
                     + canonical_line({**first_step, "time_ms": 10**9}) + "\n")
    merged = merge_traces([*paths, again])
    assert merged[-1]["amnesia"] == [[first_step["node"], first_step["slot"]]]


def test_a_killed_writers_partial_last_line_is_ignored(tmp_path: Path) -> None:
    paths = _split(_sim_trace(), tmp_path, jitter=0)
    with paths[2].open("a") as f:
        f.write('{"kind":"step","seq":0,"ev')
    assert check_trace(merge_traces(paths)).ok
