"""Simulator traces for the trace-checker tests (in memory, deterministic per seed)."""

from __future__ import annotations

import io
from typing import Any

from refimpl.consensus.scp.msg import Variant
from refimpl.consensus.sim.faults import FaultModel
from refimpl.consensus.sim.network import simulate
from refimpl.consensus.sim.scenario import build_config
from refimpl.consensus.sim.trace import TraceWriter
from refimpl.formal.z3trace import read_trace_lines


def simulated_trace(seed: int, *, nodes: int = 4, slots: int = 1, byzantine: int = 0,
                    behaviour: str = "equivocate", variant: Variant = "correct",
                    topology: str = "mesh", loss: float = 0.0,
                    gst_ms: int = 0) -> list[dict[str, Any]]:
    """The parsed ndjson trace of one simulator run."""
    faults = FaultModel(delay_max_ms=50, loss_rate=loss, gst_ms=gst_ms, pre_gst_delay_max_ms=50)
    config = build_config(topology, nodes, slots, byzantine, seed, variant=variant,
                          behaviour=behaviour, faults=faults, max_time_ms=600_000)
    buffer = io.StringIO()
    simulate(config, TraceWriter(buffer))
    return read_trace_lines(buffer.getvalue())
