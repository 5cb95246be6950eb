"""Regenerate conformance/vectors/scp-traces/too_many_byzantine.ndjson.

Searches seeds from 0 for the first run of a 4-node mesh (2 of the other 3) with two
equivocating nodes in which the honest nodes disagree, and writes its trace.
"""

from __future__ import annotations

import io
from pathlib import Path

from refimpl.consensus.sim.network import SimConfig, simulate
from refimpl.consensus.sim.topology import mesh
from refimpl.consensus.sim.trace import TraceWriter

OUT = (Path(__file__).resolve().parents[1]
       / "conformance/vectors/scp-traces/too_many_byzantine.ndjson")


def main() -> None:
    for seed in range(1000):
        config = SimConfig(topology=mesh(4, 2), slots=1, values_per_slot=2,
                           byzantine={"n2": "equivocate", "n3": "equivocate"}, seed=seed,
                           label={"topology": "mesh", "nodes": 4, "threshold": 2})
        stream = io.StringIO()
        if not simulate(config, TraceWriter(stream)).agreement:
            OUT.write_text(stream.getvalue(), encoding="utf-8")
            print(f"seed {seed}: {OUT} ({len(stream.getvalue())} bytes)")
            return
    raise SystemExit("no disagreement found")


if __name__ == "__main__":
    main()
