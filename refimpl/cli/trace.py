"""``mcref trace``: validate an SCP trace from ``mcref scp simulate --trace`` under TLC.

``mcref trace validate TRACE.ndjson`` generates the TraceData module of each slot (or of
``--slot``), runs spec/scp/TraceSCP.tla on it and prints whether the whole trace was explained;
otherwise the first step (by its ``seq``) that no spec action explains. ``--tla FILE`` also
writes the generated module. Exit 0 accepted, 1 rejected; a malformed trace is
``error[formal.bad_trace]`` and exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from refimpl.cli import trace_show
from refimpl.cli.inputs import input_file
from refimpl.cli.output import print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("trace", help="validate SCP traces against the TLA+ spec")
    trace_sub = parser.add_subparsers(dest="trace_command", required=True)
    validate = trace_sub.add_parser("validate", help="check a trace with TraceSCP under TLC")
    validate.add_argument("trace", type=input_file)
    validate.add_argument("--slot", type=int, help="validate only this slot (default: all)")
    validate.add_argument("--tla", type=Path,
                          help="also write the generated TraceData module (of --slot or the first)")
    validate.add_argument("--timeout", type=float, default=300.0, help="seconds")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(handler=_validate)
    merge = trace_sub.add_parser(
        "merge", help="merge the per-node traces of a network run into one trace",
        description="Merge node traces (scp_debug_dump/trace-*.ndjson of `mcref node run`) "
                    "into one trace: steps in time order, every receive after its send.",
        epilog="example: mcref trace merge net/node*/scp/trace-*.ndjson -o run.ndjson")
    merge.add_argument("traces", type=input_file, nargs="+")
    merge.add_argument("-o", "--out", type=Path, required=True)
    merge.set_defaults(handler=_merge)
    trace_show.register(trace_sub)


def _merge(args: argparse.Namespace) -> int:
    from refimpl.consensus.sim.trace import canonical_line
    from refimpl.node.node_trace import merge_traces

    objects = merge_traces(args.traces)
    args.out.write_text("".join(canonical_line(o) + "\n" for o in objects))
    verdict = objects[-1]
    print(f"{len(objects) - 2} steps from {len(args.traces)} files -> {args.out}; agreement: "
          f"{verdict['agreement']}; restarted mid-slot: {verdict['amnesia'] or 'none'}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from refimpl.formal.trace_tla import read_ndjson, trace_module
    from refimpl.formal.trace_validate import validate_trace

    objects = read_ndjson(args.trace)
    if args.tla:
        args.tla.write_text(trace_module(objects, args.slot).text)
    verdicts = validate_trace(objects, slot=args.slot, timeout_s=args.timeout)
    accepted = all(v.accepted for _, v in verdicts)
    if args.json:
        print_json({"trace": str(args.trace), "accepted": accepted,
                    "slots": [{"slot": slot, **v.to_json()} for slot, v in verdicts]})
        return 0 if accepted else 1
    for slot, verdict in verdicts:
        if verdict.accepted:
            print(f"slot {slot}: accepted, all {verdict.steps} steps explained by TraceSCP "
                  f"({verdict.tlc.seconds:.1f} s)")
        elif verdict.violated:
            print(f"slot {slot}: rejected, the trace violates {verdict.violated} at step seq="
                  f"{verdict.first_unexplained_seq} (position {verdict.first_unexplained} of "
                  f"{verdict.steps})")
        else:
            print(f"slot {slot}: rejected, step seq={verdict.first_unexplained_seq} (position "
                  f"{verdict.first_unexplained} of {verdict.steps}) is not explained by any "
                  "action of TraceSCP")
    print("trace accepted" if accepted else "trace REJECTED")
    return 0 if accepted else 1
