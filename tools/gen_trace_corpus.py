"""Regenerate tests/spec/traces/bad/: known-bad SCP traces and their index.

Usage: ``python tools/gen_trace_corpus.py [--check]``. Every kind of forgery of
refimpl/formal/trace_mutations.py ``MUTATIONS`` is applied to the first of the kit's good traces
(conformance/vectors/scp-traces/) it applies to, cut just after the forged step
(``truncate``) and written as ``bad/<kind>.ndjson``; ``bad/index.json`` lists per kind the
source trace, the forged ``seq`` and the guards each checker names there (TraceSCP under TLC,
one run per group of traces with the same nodes and variant, and Z3). A kind that either checker
does not reject at its forged step stops the generation. ``--check`` exits 1 when a committed
file differs from a fresh generation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from refimpl.formal.trace_mutations import MUTATIONS, dumps, truncate
from refimpl.formal.trace_tla import read_ndjson
from refimpl.formal.trace_validate import validate_many
from refimpl.formal.z3trace import check_trace
from refimpl.resources import conformance_root
from refimpl.vectors.catalog import write_or_check

#: where the corpus lives (a test fixture of the trace checkers, next to their tests)
BAD = Path(__file__).resolve().parent.parent / "tests" / "spec" / "traces" / "bad"
#: good traces in the order kinds are tried on them (Byzantine kinds need byzantine4)
SOURCES = ("mesh4.ndjson", "byzantine4.ndjson", "mobilecoin_byzantine4.ndjson")
INDEX = "index.json"


def build() -> dict[str, str]:
    """File name -> text of every corpus file."""
    root = conformance_root() / "vectors" / "scp-traces"
    sources = {name: read_ndjson(root / name) for name in SOURCES}
    made = []
    for kind, mutate in MUTATIONS.items():
        for name, trace in sources.items():
            found = mutate(trace, 1)
            if found is not None:
                mutated, seq = found
                made.append((kind, name, truncate(mutated, seq), seq))
                break
        else:
            raise SystemExit(f"kind {kind}: no source trace to forge")
    tlc = validate_many([trace for _, _, trace, _ in made])
    files = {}
    index = []
    for (kind, name, trace, seq), verdict in zip(made, tlc, strict=True):
        z3 = check_trace(trace)
        for checker, failure in (("tlc", verdict.failure), ("z3", z3.failure)):
            if failure is None or failure.seq != seq:
                raise SystemExit(f"kind {kind}: {checker} rejects at "
                                 f"{None if failure is None else failure.seq}, forged at {seq}")
        assert verdict.failure is not None and z3.failure is not None
        files[f"{kind}.ndjson"] = dumps(trace)
        index.append({"kind": kind, "file": f"{kind}.ndjson", "source": name, "seq": seq,
                      "node": z3.failure.node, "event": z3.failure.event,
                      "note": " ".join((MUTATIONS[kind].__doc__ or "").split()),
                      "guards": {"tlc": list(verdict.failure.guards),
                                 "z3": list(z3.failure.guards)}})
    files[INDEX] = json.dumps({"format": "mcref-scp-trace-corpus/1",
                               "numberOfTests": len(index), "traces": index},
                              indent=2, sort_keys=True) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    args = parser.parse_args(argv)
    out = BAD
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, text in sorted(build().items()):
        status |= write_or_check(out / name, text, args.check, "python tools/gen_trace_corpus.py")
    return status


if __name__ == "__main__":
    sys.exit(main())
