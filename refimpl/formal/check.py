"""The formal checks of ``mcref check``: the CI-sized TLC models and trace validation.

* ``TLC models``: every ``size: small`` model of spec/manifest.json gives its expected outcome
  (including the models expected to violate an invariant).
* ``trace validation``: a simulation of a 4-node network (seeded) is traced, the trace is
  validated by TraceSCP under TLC (one run for it and all its forgeries) and by Z3, and each
  forgery of it (:mod:`refimpl.formal.trace_mutations`) is rejected by both at the forged step.
"""

from __future__ import annotations

import io
from typing import Any

from refimpl.checks import Check, CheckResult
from refimpl.formal import manifest
from refimpl.formal.trace_mutations import MUTATIONS, truncate
from refimpl.formal.trace_tla import parse_ndjson
from refimpl.formal.trace_validate import validate_many
from refimpl.formal.z3trace import check_trace


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
    good = parse_ndjson(simulated_trace().splitlines())
    forged: dict[str, tuple[list[dict[str, Any]], int]] = {}
    for name, mutate in MUTATIONS.items():
        found = mutate(good, 1)
        if found is not None:
            forged[name] = (truncate(*found), found[1])
    verdicts = validate_many([good, *(trace for trace, _ in forged.values())])
    z3_good = check_trace(good)
    ok = verdicts[0].accepted and z3_good.ok and len(forged) >= 15
    lines = [f"{'ok ' if ok else 'BAD'} simulated 4-node trace: TLC "
             f"{'accepted' if verdicts[0].accepted else 'REJECTED'}, Z3 "
             f"{'accepted' if z3_good.ok else 'REJECTED'} ({verdicts[0].steps} steps); "
             f"{len(forged)} kinds of forgery apply"]
    detail: dict[str, Any] = {"good": verdicts[0].to_json(), "mutants": {}}
    for (name, (trace, seq)), bad in zip(forged.items(), verdicts[1:], strict=True):
        z3 = check_trace(trace)
        got = (bad.first_unexplained_seq, None if z3.failure is None else z3.failure.seq)
        caught = got == (seq, seq)
        ok &= caught
        lines.append(f"{'ok ' if caught else 'BAD'} mutant {name}: rejected at seq {got[0]} "
                     f"(TLC) and {got[1]} (Z3), forged at {seq}")
        detail["mutants"][name] = {"expected_seq": seq, "tlc": bad.to_json(),
                                   "z3": z3.to_json()}
    return CheckResult(ok, lines, detail)


#: (name, function) in the order `mcref check` runs them.
CHECKS: list[Check] = [
    ("TLC models (CI size)", tlc_models_check),
    ("trace validation (TLC and Z3)", trace_validation_check),
]
