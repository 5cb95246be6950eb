"""``mcref trace``: validate an SCP trace (``mcref scp simulate --trace``, ``mcref trace merge``)
against the spec, and merge the per-node traces of a network run.

``mcref trace validate TRACE.ndjson [--checker tlc|z3|both] [--slot N] [--json]`` runs
spec/scp/TraceSCP.tla under TLC (refimpl/formal/trace_validate.py) and/or the Z3 step checker
(refimpl/formal/z3trace.py) on every slot (or ``--slot``); both apply the guards listed in
spec/scp/README.md ("Trace validation") and the frame rules of refimpl/formal/trace_frame.py,
and name the first failing step (seq, node, event) with its failing guards. ``--tla FILE`` also
writes the generated module. Exit 0 accepted (by every checker run), 1 rejected; a malformed
trace or a ``--slot`` the trace lacks is ``error[formal.bad_trace]`` and exit 2.
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
    validate = trace_sub.add_parser(
        "validate", help="check a trace against the SCP spec (TraceSCP under TLC, and Z3)",
        description="Check every step of an SCP trace against spec/scp/SCP.tla: TraceSCP.tla "
                    "under TLC and the Z3 step checker apply the same named guards; a rejection "
                    "names the first failing step (seq, node, event) and its failing guards.")
    validate.add_argument("trace", type=input_file)
    validate.add_argument("--checker", choices=("tlc", "z3", "both"), default="both",
                          help="which checker(s) to run (default: both; Z3 alone takes well "
                               "under a second, TLC a few seconds)")
    validate.add_argument("--slot", type=int,
                          help="validate only this slot's steps (default: all); a slot the "
                               "trace lacks is error[formal.bad_trace]")
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

    objects = read_ndjson(args.trace)
    if args.tla:
        args.tla.write_text(trace_module(objects, args.slot).text)
    results: list[dict[str, Any]] = []
    if args.checker in ("tlc", "both"):
        from refimpl.formal.trace_validate import validate_trace

        verdict = validate_trace(objects, slot=args.slot, timeout_s=args.timeout)
        results.append({**verdict.to_json(), "seconds": verdict.to_json()["tlc_seconds"]})
    if args.checker in ("z3", "both"):
        from refimpl.formal.z3trace import check_trace

        report = check_trace(objects, slot=args.slot)
        results.append({"checker": "z3", "accepted": report.ok, "steps": report.steps,
                        "failure": None if report.failure is None else report.failure.to_json(),
                        "seconds": round(report.seconds, 3)})
    accepted = all(r["accepted"] for r in results)
    failures = [r["failure"] for r in results if r["failure"] is not None]
    first = min(failures, key=lambda f: f["seq"]) if failures else None
    if args.json:
        print_json({"trace": str(args.trace), "checker": args.checker, "slot": args.slot,
                    "accepted": accepted, "failure": first, "results": results})
        return 0 if accepted else 1
    for r in results:
        f = r["failure"]
        if f is None:
            print(f"{r['checker']}: accepted, all {r['steps']} steps explained "
                  f"({r['seconds']} s)")
        else:
            print(f"{r['checker']}: rejected at seq={f['seq']} ({f['node'] or '-'} "
                  f"{f['event']}): failing guards {', '.join(f['guards']) or '(none named)'}")
    print("trace accepted" if accepted else "trace REJECTED")
    return 0 if accepted else 1
