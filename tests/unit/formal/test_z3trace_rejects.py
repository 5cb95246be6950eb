"""Known-bad traces are rejected at the expected step, with the failing guard named by Z3's
unsat core; hand-written traces in the documented format; malformed traces are typed errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import CODES, RefImplError
from refimpl.formal.trace_frame import expected_verdict
from refimpl.formal.z3trace import check_trace, check_trace_file, read_trace_lines
from tests.unit.formal._traces import simulated_trace

Trace = list[dict[str, Any]]
FRESH = "ff" * 10  # a value no node ever proposed


@pytest.fixture(scope="module")
def good() -> Trace:
    trace = simulated_trace(7, nodes=4, slots=1)
    assert check_trace(trace).ok
    return trace


def steps(trace: Trace, **match: Any) -> list[dict[str, Any]]:
    return [line for line in trace if line.get("kind") == "step"
            and all(line.get(k) == v for k, v in match.items())]


def rejected_at(trace: Trace, seq: int) -> tuple[str, ...]:
    report = check_trace(trace)
    assert not report.ok and report.failure is not None
    assert report.failure.seq == seq, report.failure
    return report.failure.guards


def test_unvoted_value_accepted(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = steps(bad, node="n1", event="receive")[0]
    step["state"]["Y"] = sorted(step["state"]["Y"] + [FRESH])
    guards = rejected_at(bad, step["seq"])
    assert any(g.startswith("AcceptNominate[") for g in guards)


def test_confirm_without_quorum(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = next(s for s in steps(bad, node="n2") if s["state"]["Y"] and not s["state"]["Z"]
                and s["event"] == "receive")
    step["state"]["Z"] = [step["state"]["Y"][0]]
    guards = rejected_at(bad, step["seq"])
    assert any(g.startswith("ConfirmNominate[") for g in guards)


def test_phase_goes_back(good: Trace) -> None:
    bad = copy.deepcopy(good)
    node_steps = steps(bad, node="n0")
    first_prepare = next(i for i, s in enumerate(node_steps)
                         if s["state"]["phase"] != "NOMINATE_PREPARE")
    step = next(s for s in node_steps[first_prepare + 1:] if s["event"] == "receive")
    step["state"]["phase"] = "NOMINATE_PREPARE"
    assert "Phase.monotone" in rejected_at(bad, step["seq"])


def test_sent_message_differs_from_state(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = steps(bad, node="n3", event="send")[0]
    topic = step["args"]["msg"]["topic"]
    assert topic["type"] == "Nominate"
    topic["X"] = sorted(topic["X"] + [FRESH])
    assert rejected_at(bad, step["seq"]) == ("Send.msg_is_MsgOf",)


def test_pp_with_the_value_of_p(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = next(s for s in steps(bad, node="n1") if s["state"]["P"] is not None)
    step["state"]["PP"] = dict(step["state"]["P"])
    assert "BallotStateOK" in rejected_at(bad, step["seq"])


def test_confirmed_prepare_above_what_was_accepted(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = next(s for s in steps(bad, node="n2") if s["state"]["H"] is not None
                and s["state"]["phase"] == "PREPARE")
    step["state"]["H"] = {**step["state"]["H"], "counter": step["state"]["H"]["counter"] + 5}
    guards = rejected_at(bad, step["seq"])
    assert "ConfirmPrepare[H]" in guards


def test_externalized_value_is_not_c(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = steps(bad, event="externalize")[0]
    step["args"]["values"] = [FRESH]
    assert "Externalize.value_is_C" in rejected_at(bad, step["seq"])


def test_message_from_itself(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = steps(bad, node="n0", event="receive")[0]
    step["args"]["msg"]["sender"] = "n0"
    assert "Receive.from_other_node" in rejected_at(bad, step["seq"])


def test_honest_node_marked_byzantine(good: Trace) -> None:
    bad = copy.deepcopy(good)
    step = steps(bad, node="n0", event="send")[0]
    step["byzantine"] = True
    assert rejected_at(bad, step["seq"]) == ("ByzantineSend.sender_is_byzantine",)


# --- hand-written traces in the documented format (docs/scp-interface.md) -------------------


def lone_node_trace(values: dict[str, str]) -> Trace:
    """Nodes that each need nobody (threshold 0 over no members: MobileCoin's m1k0 mesh), so
    each may nominate, prepare, commit and externalize its own value alone: a split network."""
    header = {"kind": "header", "format": "mcref-scp-trace/1", "config": {}, "seed": 0,
              "variant": "correct", "byzantine": [],
              "nodes": {n: {"threshold": 0, "members": []} for n in values}}
    lines: Trace = [header]
    seq = 0
    for node, value in values.items():
        ballot = {"counter": 1, "values": [value]}
        done = {"phase": "EXTERNALIZE", "X": [], "Y": [value], "Z": [value], "B": ballot,
                "P": ballot, "PP": None, "H": ballot, "C": ballot, "nominate_round": 1}
        lines.append({"kind": "step", "seq": seq, "time_ms": 0, "node": node, "slot": 1,
                      "event": "propose", "args": {"values": [value]}, "state": done})
        lines.append({"kind": "step", "seq": seq + 1, "time_ms": 0, "node": node, "slot": 1,
                      "event": "externalize", "args": {"values": [value]}, "state": done})
        seq += 2
    lines.append({"kind": "verdict", **expected_verdict(header, lines[1:]), "messages": 0,
                  "time_ms": 0})
    return lines


def test_hand_written_lone_node_externalizes() -> None:
    assert check_trace(lone_node_trace({"n0": "aa"})).ok


def test_agreement_broken_between_two_lone_nodes() -> None:
    trace = lone_node_trace({"n0": "aa", "n1": "bb"})
    assert rejected_at(trace, 3) == ("Agreement",)


def test_trace_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lone_node_trace({"n0": "aa"})))
    report = check_trace_file(path)
    assert report.ok and report.steps == 2
    assert report.to_json()["failure"] is None


# --- malformed traces -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"kind": "step"}',
                                  '{"kind": "header", "format": "other"}'])
def test_malformed_text(text: str) -> None:
    with pytest.raises(RefImplError) as caught:
        check_trace(read_trace_lines(text))
    assert caught.value.code == "formal.bad_trace"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RefImplError) as caught:
        check_trace_file(tmp_path / "absent.ndjson")
    assert caught.value.code == "formal.bad_trace"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**33) | st.sampled_from(["aa", "zz", "n0", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["counter", "values", "type", "X", "Y", "B", "sender"]), inner,
        max_size=3),
    max_leaves=8)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, prefix + (i,))
    return out


@settings(max_examples=40)
@given(st.data())
def test_corrupted_traces_give_a_verdict_or_a_typed_error(data: st.DataObject) -> None:
    trace = copy.deepcopy(SMALL)
    line = data.draw(st.integers(0, len(trace) - 1))
    paths = [p for p in _paths(trace[line]) if p]
    path = data.draw(st.sampled_from(paths))
    target = trace[line]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(json_values)
    try:
        check_trace(trace)
    except RefImplError as exc:
        assert exc.code in CODES


SMALL: Trace = simulated_trace(1, nodes=4, slots=1, byzantine=1, behaviour="random")


def test_mobilecoin_blocking_acceptance_is_not_federated_voting() -> None:
    """docs/deviations.md#dev-scp-blocking-set-acceptance: with a Byzantine neighbour, MobileCoin's
    blocking-set rule makes a node accept as prepared a ballot its blocking set does not support.
    The trace is a behaviour of the mobilecoin variant of the spec and not of the correct one, and
    Z3 names the guard."""
    trace = simulated_trace(24, nodes=4, slots=2, byzantine=1, behaviour="random",
                            variant="mobilecoin")
    assert check_trace(trace).ok
    relabelled = copy.deepcopy(trace)
    relabelled[0]["variant"] = "correct"
    assert rejected_at(relabelled, 38) == ("AcceptPrepare[P]",)
