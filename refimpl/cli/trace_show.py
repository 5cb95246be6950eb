"""``mcref trace show TRACE.ndjson``: a simulator or network trace as a person reads it.

Renders a trace of ``mcref scp simulate --trace`` or ``mcref trace merge`` with the
counterexample renderer of ``mcref tlc run`` (:func:`refimpl.formal.render.render_trace`):
``--format text`` (default; one block per step: action, per-node diffs, summary line),
``json`` (steps with structured values) or ``html`` (a message sequence chart). ``--slot N``
shows one slot; ``-o FILE`` writes the output to FILE instead of stdout. A malformed trace or a
slot the trace does not have is ``error[formal.bad_trace]`` (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from refimpl.cli.inputs import input_file


def register(trace_sub: Any) -> None:
    show = trace_sub.add_parser(
        "show", help="show a trace step by step (text, JSON or a message sequence chart)",
        description="Show a trace of `mcref scp simulate --trace` or `mcref trace merge` step "
                    "by step: each step's action, the per-node changes and a summary of every "
                    "node; --format html draws a message sequence chart.")
    show.add_argument("trace", type=input_file)
    show.add_argument("--slot", type=int, help="show only this slot (default: all)")
    show.add_argument("--format", choices=["text", "json", "html"], default="text",
                      help="text (compact), json (structured values) or html (a chart)")
    show.add_argument("-o", "--out", type=Path, help="write to this file (default: stdout)")
    show.set_defaults(handler=_show)


def _show(args: argparse.Namespace) -> int:
    from refimpl.formal.render import render_trace
    from refimpl.formal.trace_tla import read_ndjson

    text = render_trace(read_ndjson(args.trace), args.format, slot=args.slot,
                        name=args.trace.name)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
        print(f"{args.format} -> {args.out}")
    else:
        sys.stdout.write(text)
    return 0
