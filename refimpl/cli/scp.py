"""``mcref scp simulate``: run the deterministic SCP network simulator.

Prints a progress bar (stderr, only on a terminal) and a summary table, or with ``--json`` the
document ``{"agreement", "externalized": {node: [value-set hash per slot]}, "messages", ...}``.
``--trace PATH`` writes the ndjson trace (docs/scp-interface.md, "Traces"). Exit 0 when
agreement held, 1 when it broke, 2 on an invalid configuration (one ``error[CODE]`` line).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from refimpl.cli.choices import LazyChoices
from refimpl.cli.inputs import input_file, int_in
from refimpl.cli.output import print_json, print_table
from refimpl.cli.topology_note import no_fault_tolerance_note
from refimpl.errors import CliError, ScpError

if TYPE_CHECKING:
    from refimpl.consensus.sim.trace import TraceSink


#: Bounds of ``--nodes`` and ``--slots``: a simulation past them would exhaust memory or never
#: end (a 2^64-node mesh), so they are refused as usage errors.
MAX_SIM_NODES = 1000
MAX_SIM_SLOTS = 100_000


def register(sub: Any) -> None:
    scp = sub.add_parser("scp", help="SCP consensus tools")
    scp_sub = scp.add_subparsers(dest="scp_command", required=True)
    sim = scp_sub.add_parser("simulate", help="simulate an SCP network over several slots")
    sim.add_argument("--topology", default="mesh",
                     help="mesh | cyclic | metamesh | a stellarbeat-format FILE.json "
                          "(the built-in topologies of consensus/sim/scenario.py)")
    sim.add_argument("--nodes", type=int_in(1, MAX_SIM_NODES), default=4,
                     help=f"number of nodes (built-in topologies; 1..{MAX_SIM_NODES})")
    sim.add_argument("--threshold", type=int, default=None,
                     help="mesh: k of the other nodes; metamesh: k of the organisations")
    sim.add_argument("--org-size", type=int, default=3, help="metamesh: servers per organisation")
    sim.add_argument("--slots", type=int_in(1, MAX_SIM_SLOTS), default=3,
                     help=f"slots to run (1..{MAX_SIM_SLOTS})")
    sim.add_argument("--values", type=int, default=3, help="candidate values per slot")
    sim.add_argument("--byzantine", type=int, default=0, help="number of Byzantine nodes")
    sim.add_argument("--behaviour", default="equivocate", metavar="BEHAVIOUR",
                     choices=LazyChoices("refimpl.consensus.sim.byzantine", "BEHAVIOURS",
                                         extra=("mixed",)),
                     help="of the Byzantine nodes: %(choices)s (default: %(default)s)")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--variant", default="correct", metavar="VARIANT",
                     choices=LazyChoices("refimpl.consensus.scp.msg", "VARIANTS"),
                     help="%(choices)s (default: %(default)s)")
    sim.add_argument("--loss", type=float, default=0.0, help="loss rate before GST")
    sim.add_argument("--gst-ms", type=int, default=0, help="global stabilisation time")
    sim.add_argument("--delay-max-ms", type=int, default=50)
    sim.add_argument("--max-time-ms", type=int, default=3_600_000)
    sim.add_argument("--trace", default=None, metavar="PATH", help="write the ndjson trace")
    sim.add_argument("--json", action="store_true")
    sim.set_defaults(handler=_simulate)


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} slots")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def check_topology(topology: str) -> None:
    """A built-in name or an existing file; an unknown name lists the valid ones."""
    from refimpl.consensus.sim.scenario import BUILTIN_TOPOLOGIES

    if topology in BUILTIN_TOPOLOGIES:
        return
    if topology.endswith(".json") or os.path.lexists(topology):
        input_file(topology)  # cli.file_not_found, or cli.io for a directory
        return
    raise ScpError("scp.sim_bad_parameters",
                   f"unknown topology {topology!r}: the valid topologies are "
                   f"{', '.join(BUILTIN_TOPOLOGIES)} or a stellarbeat-format FILE.json")


def _simulate(args: argparse.Namespace) -> int:
    from refimpl.consensus.sim.faults import FaultModel
    from refimpl.consensus.sim.network import simulate
    from refimpl.consensus.sim.report import summary_rows
    from refimpl.consensus.sim.scenario import build_config
    from refimpl.consensus.sim.trace import TraceSink, TraceWriter

    check_topology(args.topology)
    faults = FaultModel(delay_max_ms=args.delay_max_ms, loss_rate=args.loss, gst_ms=args.gst_ms,
                        pre_gst_delay_max_ms=max(args.delay_max_ms, 5))
    config = build_config(
        args.topology, args.nodes, args.slots, args.byzantine, args.seed, variant=args.variant,
        threshold=args.threshold, org_size=args.org_size, behaviour=args.behaviour,
        values_per_slot=args.values, faults=faults, max_time_ms=args.max_time_ms,
    )
    progress = _progress_bar if sys.stderr.isatty() and not args.json else None
    trace: TraceSink = TraceSink()
    stream = None
    if args.trace:
        try:
            stream = open(args.trace, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CliError("cli.io", f"cannot write the trace {args.trace}: {exc}") from exc
        trace = TraceWriter(stream)
    try:
        result = simulate(config, trace, progress)
    finally:
        if stream is not None:
            stream.close()
    note = no_fault_tolerance_note(config.topology)
    if args.json:
        print_json({**result.to_json(), "seed": config.seed, "variant": config.variant,
                    "byzantine": dict(sorted(config.byzantine.items())),
                    "config": dict(config.label), "fault_tolerance_note": note})
    else:
        if note:
            print(note)
        print_table(["metric", "value"], summary_rows(result, config.slots))
    return 0 if result.agreement else 1
