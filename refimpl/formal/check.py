"""The formal checks of ``mcref check``: the CI-sized TLC models and trace validation.

* ``TLC models``: every ``size: small`` model of spec/manifest.json gives its expected outcome
  (including the models expected to violate an invariant).
* ``trace validation``: a simulation of a 4-node network (seeded) is traced, the trace is
  validated by TraceSCP under TLC, and each known-bad mutation of it
  (:mod:`refimpl.formal.trace_mutations`) is rejected at the step it was made at.
"""

from __future__ import annotations

import io
from typing import Any

from refimpl.checks import Check, CheckResult
from refimpl.formal import manifest
from refimpl.formal.trace_mutations import MUTATIONS
from refimpl.formal.trace_tla import parse_ndjson, trace_module
from refimpl.formal.trace_validate import validate_module


def tlc_models_check() -> CheckResult:
    models = [m for m in manifest.load_manifest() if m.size == "small"]
    checks = [manifest.check_model(m) for m in models]
    lines = []
    for c in checks:
        r = c.result
        got = r.outcome + (f" {r.violated_invariant}" if r.violated_invariant else "")
        rate = r.states_per_second
        lines.append(f"{'ok ' if c.as_expected else 'BAD'} {c.model.name}: {got}; "
                     f"{r.distinct if r.distinct is not None else '-'} distinct, "
                     f"{r.generated if r.generated is not None else '-'} generated, "
                     f"{r.seconds:.1f} s" + (f", {rate:,.0f} states/s" if rate else ""))
    ok = bool(checks) and all(c.as_expected for c in checks)
    return CheckResult(ok, lines, {"models": [c.to_json() for c in checks]})


def simulated_trace(seed: int = 7) -> str:
    """The ndjson trace of a seeded one-slot simulation of a 4-node mesh (2 of 3 others)."""
    from refimpl.consensus.sim.network import simulate
    from refimpl.consensus.sim.scenario import build_config
    from refimpl.consensus.sim.trace import TraceWriter

    config = build_config("mesh", 4, 1, 0, seed, threshold=2, values_per_slot=2)
    stream = io.StringIO()
    simulate(config, TraceWriter(stream))
    return stream.getvalue()


def trace_validation_check() -> CheckResult:
    trace = parse_ndjson(simulated_trace().splitlines())
    verdict = validate_module(trace_module(trace))
    lines = [f"{'ok ' if verdict.accepted else 'BAD'} simulated 4-node trace: "
             f"{'accepted' if verdict.accepted else 'rejected'} ({verdict.steps} steps, "
             f"{verdict.tlc.seconds:.1f} s)"]
    ok = verdict.accepted
    detail: dict[str, Any] = {"good": verdict.to_json(), "mutants": {}}
    for name, mutate in MUTATIONS.items():
        mutation = mutate(trace)
        if mutation is None:
            ok = False
            lines.append(f"BAD mutation {name}: not applicable to this trace")
            continue
        mutated, expected_seq = mutation
        bad = validate_module(trace_module(mutated))
        caught = not bad.accepted and bad.first_unexplained_seq == expected_seq
        ok &= caught
        lines.append(f"{'ok ' if caught else 'BAD'} mutant {name}: "
                     + ("rejected" if not bad.accepted else "ACCEPTED")
                     + f" at seq {bad.first_unexplained_seq} (expected {expected_seq})")
        detail["mutants"][name] = {"expected_seq": expected_seq, **bad.to_json()}
    return CheckResult(ok, lines, detail)


#: (name, function) in the order `mcref check` runs them.
CHECKS: list[Check] = [
    ("TLC models (CI size)", tlc_models_check),
    ("trace validation (TLC)", trace_validation_check),
]
