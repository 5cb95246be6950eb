"""``mcref trace``: validate an SCP trace from ``mcref scp simulate --trace`` under TLC.

``mcref trace validate TRACE.ndjson`` generates the TraceData module for one slot (the first, or
``--slot``), runs spec/scp/TraceSCP.tla on it and prints whether the whole trace was explained;
otherwise the first step (by its ``seq``) that no spec action explains. ``--tla FILE`` also
writes the generated module. Exit 0 accepted, 1 rejected; a malformed trace is
``error[formal.bad_trace]`` and exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from refimpl.cli.output import print_json
from refimpl.formal.trace_tla import read_ndjson, trace_module
from refimpl.formal.trace_validate import validate_module


def register(sub: Any) -> None:
    parser = sub.add_parser("trace", help="validate SCP traces against the TLA+ spec")
    trace_sub = parser.add_subparsers(dest="trace_command", required=True)
    validate = trace_sub.add_parser("validate", help="check a trace with TraceSCP under TLC")
    validate.add_argument("trace", type=Path)
    validate.add_argument("--slot", type=int, help="slot to validate (default: the first)")
    validate.add_argument("--tla", type=Path, help="also write the generated TraceData module")
    validate.add_argument("--timeout", type=float, default=300.0, help="seconds")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    objects = read_ndjson(args.trace)
    module = trace_module(objects, args.slot)
    if args.tla:
        args.tla.write_text(module.text)
    verdict = validate_module(module, timeout_s=args.timeout)
    if args.json:
        print_json({"trace": str(args.trace), "slot": module.slot, **verdict.to_json()})
    elif verdict.accepted:
        print(f"accepted: all {verdict.steps} steps of slot {module.slot} are explained by "
              f"TraceSCP ({verdict.tlc.seconds:.1f} s)")
    elif verdict.violated:
        print(f"rejected: the trace violates {verdict.violated} at step seq="
              f"{verdict.first_unexplained_seq} (position {verdict.first_unexplained} of "
              f"{verdict.steps})")
    else:
        print(f"rejected: step seq={verdict.first_unexplained_seq} (position "
              f"{verdict.first_unexplained} of {verdict.steps} in slot {module.slot}) is not "
              "explained by any action of TraceSCP")
    return 0 if verdict.accepted else 1
