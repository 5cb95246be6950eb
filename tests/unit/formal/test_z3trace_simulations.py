"""Traces of Hypothesis-generated simulator runs (honest, lossy and Byzantine networks, both
variants) are behaviours of the spec for the Z3 step checker (refimpl/formal/z3trace.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.consensus.sim.byzantine import BEHAVIOURS
from refimpl.formal.z3trace import check_trace
from tests.unit.formal._traces import simulated_trace

runs = st.fixed_dictionaries({
    "seed": st.integers(0, 2**20),
    "nodes": st.integers(4, 5),
    "slots": st.integers(1, 2),
    "byzantine": st.integers(0, 1),
    "behaviour": st.sampled_from(sorted(BEHAVIOURS)),
    "variant": st.sampled_from(["correct", "mobilecoin"]),
    "topology": st.sampled_from(["mesh", "mesh", "cyclic"]),
    "loss": st.sampled_from([0.0, 0.0, 0.1]),
    "gst_ms": st.sampled_from([0, 1000]),
})


@settings(max_examples=50)
@given(runs)
def test_simulated_traces_validate(run: dict[str, object]) -> None:
    trace = simulated_trace(**run)  # type: ignore[arg-type]
    report = check_trace(trace)
    assert report.ok, (run, report.failure)
    assert report.steps == len(trace) - 2
