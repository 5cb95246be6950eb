"""``mcref conformance run [--suite SUITE] [--json]``: run every vector file we know."""

from __future__ import annotations

import argparse
from typing import Any

from refimpl.cli.output import print_json, print_table
from refimpl.vectors import runner


def register(sub: Any) -> None:
    parser = sub.add_parser("conformance", help="run conformance vectors")
    inner = parser.add_subparsers(dest="conformance_command", required=True)
    run = inner.add_parser("run", help="run the vector files and print a table")
    run.add_argument("--suite", help="run one suite only (a directory name, e.g. account_keys)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--verbose", "-v", action="store_true", help="list each failing case")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    report = runner.run(args.suite)
    if args.json:
        print_json(report.to_json())
    else:
        print_report(report, verbose=args.verbose)
    return 0 if report.ok else 1


def print_report(report: runner.RunReport, verbose: bool = False) -> None:
    rows = [(f.path, f.passed, f.failed, f.pending) for f in report.files]
    print_table(["file", "passed", "failed", "pending"], rows)
    total = [sum(f.passed for f in report.files), sum(f.failed for f in report.files),
             sum(f.pending for f in report.files)]
    print(f"total: {total[0]} passed, {total[1]} failed, {total[2]} pending "
          f"in {len(report.files)} files")
    for f in report.files:
        if f.note:
            print(f"{'pending' if f.pending else 'note'} {f.path}: {f.note}")
        if f.failures and (verbose or f.failed):
            for reason in f.failures[: None if verbose else 5]:
                print(f"FAILED {f.path}: {reason}")
    for path in report.unused:
        print(f"UNUSED {path}: no runner consumes this vector file")
    for path in report.missing:
        print(f"MISSING {path}: registered but not on disk")
    print("conformance: OK" if report.ok else "conformance: FAILED")
