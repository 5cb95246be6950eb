"""Trace validation under TLC: good traces are accepted, known-bad ones rejected at their step.

* committed traces: the simulator traces of conformance/vectors/scp-traces/ in which the honest
  nodes agree must validate; every file listed in tests/spec/traces/known_bad.json (mutations of
  those traces, refimpl/formal/trace_mutations.py) must be rejected at the recorded ``seq``;
* Hypothesis-generated simulations (network size, threshold, seed, variant, Byzantine node):
  the trace validates, and each mutation of it is rejected at the mutated step.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl.cli import main
from refimpl.consensus.sim.network import simulate
from refimpl.consensus.sim.scenario import build_config
from refimpl.consensus.sim.trace import TraceWriter
from refimpl.formal.trace_mutations import MUTATIONS
from refimpl.formal.trace_tla import parse_ndjson, read_ndjson, trace_module
from refimpl.formal.trace_validate import validate_module, validate_trace_file
from refimpl.formal.z3trace import check_trace, read_trace_lines
from refimpl.resources import conformance_root

TRACES = Path(__file__).parent / "traces"
#: the scenario traces of the conformance kit (docs/conformance.md, "SCP one-node vectors")
SCP_TRACES = conformance_root() / "vectors" / "scp-traces"
#: the kit's traces in which the honest nodes agree (too_many_byzantine.ndjson does not:
#: tests/regressions/test_scp_too_many_byzantine.py)
GOOD = ("byzantine4.ndjson", "mesh4.ndjson", "mobilecoin_byzantine4.ndjson")
KNOWN_BAD = json.loads((TRACES / "known_bad.json").read_text())


@pytest.mark.parametrize("name", GOOD)
def test_committed_good_trace_is_accepted(name: str) -> None:
    verdict = validate_trace_file(SCP_TRACES / name)
    assert verdict.accepted, verdict.to_json()
    assert verdict.steps > 10


@pytest.mark.parametrize("name", sorted(KNOWN_BAD))
def test_known_bad_trace_is_rejected_at_its_step(name: str) -> None:
    verdict = validate_trace_file(TRACES / name)
    assert not verdict.accepted
    assert verdict.first_unexplained_seq == KNOWN_BAD[name]["first_unexplained_seq"]


def test_known_bad_files_are_the_mutations_of_their_source() -> None:
    for name, entry in KNOWN_BAD.items():
        source = read_ndjson(SCP_TRACES / entry["source"])
        if entry["mutation"] is None:  # the variant relabelled: same steps, other rules
            assert read_ndjson(TRACES / name)[1:] == source[1:]
            continue
        mutated, seq = MUTATIONS[entry["mutation"]](source) or (None, None)
        assert mutated == read_ndjson(TRACES / name)
        assert seq == entry["first_unexplained_seq"]


def test_cli_names_the_first_unexplained_step(capsys: pytest.CaptureFixture[str]) -> None:
    name = "bad_changed_counter.ndjson"
    assert main(["trace", "validate", str(TRACES / name), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["accepted"] is False
    rejected = document["slots"][-1]
    assert rejected["first_unexplained_seq"] == KNOWN_BAD[name]["first_unexplained_seq"]


def test_every_slot_of_a_multi_slot_trace_is_validated(
        capsys: pytest.CaptureFixture[str]) -> None:
    name = "mobilecoin_byzantine4.ndjson"
    slots = {o["slot"] for o in read_ndjson(SCP_TRACES / name) if o.get("kind") == "step"}
    assert len(slots) >= 2
    assert main(["trace", "validate", str(SCP_TRACES / name), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["slot"] for s in document["slots"]] == sorted(slots)
    assert all(s["accepted"] for s in document["slots"])


def intersecting_mesh_threshold(nodes: int, byzantine: int) -> int:
    """The least threshold k (over the other nodes) for which any two quorums of a mesh share
    an honest node: quorums have at least k + 1 members, so 2(k + 1) - nodes > byzantine.
    Below it Agreement may rightly break, and the trace spec's TraceAgreement rejects such a
    trace (test_non_intersecting_mesh_disagreement_is_rejected)."""
    return max(1, -(-(nodes + byzantine - 1) // 2))


@st.composite
def simulations(draw: st.DrawFn) -> str:
    nodes = draw(st.integers(3, 5))
    byzantine = draw(st.integers(0, 1)) if nodes >= 4 else 0
    threshold = draw(st.integers(intersecting_mesh_threshold(nodes, byzantine),
                                 nodes - 1 - byzantine))
    config = build_config(
        draw(st.sampled_from(["mesh", "cyclic"])), nodes, 1, byzantine,
        draw(st.integers(0, 2**16)), threshold=threshold,
        values_per_slot=draw(st.integers(1, 3)),
        variant=draw(st.sampled_from(["correct", "mobilecoin"])),
        behaviour=draw(st.sampled_from(["equivocate", "random", "silent", "lie_qset", "mixed"])))
    stream = io.StringIO()
    simulate(config, TraceWriter(stream))
    return stream.getvalue()


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(simulations())
def test_simulated_traces_validate_and_their_mutants_do_not(text: str) -> None:
    trace = parse_ndjson(text.splitlines())
    verdict = validate_module(trace_module(trace))
    assert verdict.accepted, verdict.to_json()
    for mutate in MUTATIONS.values():
        mutation = mutate(trace)
        if mutation is not None:
            mutated, seq = mutation
            bad = validate_module(trace_module(mutated))
            assert not bad.accepted and bad.first_unexplained_seq == seq


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(simulations())
def test_fifty_simulations_are_behaviours_of_the_spec_under_tlc_and_z3(text: str) -> None:
    """The issue's bar: at least 50 Hypothesis-generated simulations (with Byzantine nodes
    among them) validate under both checkers, the same trace for both."""
    verdict = validate_module(trace_module(parse_ndjson(text.splitlines())))
    assert verdict.accepted, verdict.to_json()
    report = check_trace(read_trace_lines(text))
    assert report.ok, report.failure


def test_non_intersecting_mesh_disagreement_is_rejected() -> None:
    """A 4-node mesh of threshold 1 has disjoint quorums ({n0, n1}, {n2, n3}); the simulation
    (seed 0, two values) externalizes different values and TLC rejects the trace by
    TraceAgreement: the spec's Agreement holds only for intersecting configurations."""
    config = build_config("mesh", 4, 1, 0, 0, threshold=1, values_per_slot=2)
    stream = io.StringIO()
    result = simulate(config, TraceWriter(stream))
    verdict = validate_module(trace_module(parse_ndjson(stream.getvalue().splitlines())))
    assert not result.agreement, "seed 0 no longer disagrees: pick a seed that does"
    assert not verdict.accepted and verdict.violated == "TraceAgreement", verdict.to_json()
