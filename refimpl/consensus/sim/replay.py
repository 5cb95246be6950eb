"""Re-run a simulation from its trace header (regression traces, ``mcref`` users).

The header of a trace (``trace.py``) holds everything a run depends on: every node's quorum
set, the Byzantine behaviours, the fault model, the slot and value parameters, the variant and
the seed. :func:`config_from_header` rebuilds the :class:`SimConfig`; :func:`replay` re-runs it and
returns the result with the new trace text, which must equal the stored trace byte for byte.
"""

from __future__ import annotations

import io
from typing import Any

from refimpl.consensus.scp.types import QuorumSet
from refimpl.consensus.sim.faults import Crash, FaultModel, Partition
from refimpl.consensus.sim.network import SimConfig, SimResult, simulate
from refimpl.consensus.sim.trace import FORMAT, TraceWriter, read_trace
from refimpl.errors import RefImplError, ScpError

_LABEL_KEYS = ("slots", "values_per_slot", "value_cap", "faults", "byzantine_behaviour",
               "max_time_ms")


def faults_from_json(obj: Any) -> FaultModel:
    """Inverse of :meth:`FaultModel.to_json`."""
    return FaultModel(
        delay_min_ms=int(obj["delay_min_ms"]),
        delay_max_ms=int(obj["delay_max_ms"]),
        loss_rate=float(obj["loss_rate"]),
        gst_ms=int(obj["gst_ms"]),
        pre_gst_delay_max_ms=int(obj["pre_gst_delay_max_ms"]),
        partitions=tuple(
            Partition(int(p["start_ms"]), int(p["heal_ms"]),
                      tuple(frozenset(str(n) for n in g) for g in p["groups"]))
            for p in obj["partitions"]
        ),
        crashes=tuple(Crash(str(c["node"]), int(c["at_ms"])) for c in obj["crashes"]),
    )


def config_from_header(header: Any) -> SimConfig:
    """The configuration a trace header describes (``scp.trace_bad_header`` otherwise)."""
    try:
        if header.get("kind") != "header" or header.get("format") != FORMAT:
            raise ScpError("scp.trace_bad_header", f"not a {FORMAT} header")
        conf = header["config"]
        config = SimConfig(
            topology={str(n): QuorumSet.from_json(q) for n, q in header["nodes"].items()},
            slots=int(conf["slots"]),
            values_per_slot=int(conf["values_per_slot"]),
            value_cap=int(conf["value_cap"]),
            byzantine={str(n): str(b) for n, b in conf["byzantine_behaviour"].items()},
            faults=faults_from_json(conf["faults"]),
            variant=header["variant"],
            seed=int(header["seed"]),
            max_time_ms=int(conf["max_time_ms"]),
            label={k: v for k, v in conf.items() if k not in _LABEL_KEYS},
        )
    except RefImplError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScpError("scp.trace_bad_header", f"malformed trace header: {exc!r}") from None
    config.validate()
    return config


def replay(trace_text: str) -> tuple[SimResult, str]:
    """Re-run the simulation a trace describes; returns its result and its new trace text."""
    try:
        lines = read_trace(trace_text.splitlines()[:1])
    except ValueError as exc:
        raise ScpError("scp.trace_bad_header", f"the header is not JSON: {exc}") from None
    if not lines:
        raise ScpError("scp.trace_bad_header", "the trace is empty")
    config = config_from_header(lines[0])
    stream = io.StringIO()
    result = simulate(config, TraceWriter(stream))
    return result, stream.getvalue()
