"""The trace-to-TLA+ generator: the module it writes, and typed errors for malformed traces."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import CODES, FormalError
from refimpl.formal.trace_tla import (
    TLA_INFINITY,
    batch_module,
    parse_ndjson,
    read_ndjson,
    trace_module,
)
from refimpl.resources import conformance_root

TRACES = conformance_root() / "vectors" / "scp-traces"


def test_module_holds_every_step_in_order() -> None:
    trace = read_ndjson(TRACES / "mesh4.ndjson")
    module = trace_module(trace)
    (only,) = module.traces
    steps = [o for o in trace if o["kind"] == "step" and o["slot"] == only.slot]
    assert list(only.seqs) == [s["seq"] for s in steps]
    assert module.text.count("node |-> ") == len(steps)
    assert module.values == tuple(sorted(module.values))
    assert "MODULE TraceData" in module.text


def test_infinite_counter_becomes_tlc_max_int() -> None:
    trace = read_ndjson(TRACES / "mesh4.ndjson")
    assert any("4294967295" in json.dumps(o) for o in trace)
    assert "4294967295" not in trace_module(trace).text
    assert str(TLA_INFINITY) in trace_module(trace).text


def test_header_is_required() -> None:
    with pytest.raises(FormalError) as info:
        trace_module([{"kind": "step"}])
    assert info.value.code == "formal.bad_trace"


def test_unknown_event_is_rejected() -> None:
    trace = read_ndjson(TRACES / "mesh4.ndjson")
    trace[1]["event"] = "teleport"
    with pytest.raises(FormalError) as info:
        trace_module(trace)
    assert info.value.code == "formal.bad_trace"


@given(st.lists(st.text(max_size=40), max_size=6))
def test_arbitrary_lines_are_typed_errors(lines: list[str]) -> None:
    try:
        trace_module(parse_ndjson(lines))
    except FormalError as exc:
        assert exc.code in CODES


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**33) | st.sampled_from(["ab", "n0", "send"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["kind", "seq", "node", "slot", "event", "args", "state", "msg",
                         "topic", "type", "B", "X", "Y", "counter", "values", "sender",
                         "slot_index", "phase"]), inner, max_size=5),
    max_leaves=15)


@given(st.lists(_json, max_size=4))
def test_mutated_steps_are_typed_errors(steps: list[object]) -> None:
    header = read_ndjson(TRACES / "mesh4.ndjson")[0]
    try:
        trace_module([header, *steps])  # type: ignore[list-item]
    except FormalError as exc:
        assert exc.code in CODES


def test_every_slot_is_one_trace_with_the_other_slots_sends_for_the_network() -> None:
    trace = read_ndjson(TRACES / "mobilecoin_byzantine4.ndjson")
    module = trace_module(trace)
    steps = [o for o in trace if o["kind"] == "step"]
    assert [t.slot for t in module.traces] == sorted({s["slot"] for s in steps})
    for entry in module.traces:
        mine = [s["seq"] for s in steps if s["slot"] == entry.slot or s["event"] == "send"]
        assert list(entry.seqs) == mine
    with pytest.raises(FormalError) as info:
        trace_module(trace, slot=7)
    assert info.value.code == "formal.bad_trace"


def test_batched_traces_must_share_their_constants() -> None:
    with pytest.raises(FormalError) as info:
        batch_module([read_ndjson(TRACES / "mesh4.ndjson"),
                      read_ndjson(TRACES / "byzantine4.ndjson")])
    assert info.value.code == "formal.bad_trace"
