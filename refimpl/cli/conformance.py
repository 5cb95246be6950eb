"""``mcref conformance run|drive``: run every vector file, in-process or against another
implementation over the JSON-lines protocol of docs/conformance.md."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from refimpl.cli.output import print_json, print_table

if TYPE_CHECKING:
    from refimpl.vectors import runner

_EXIT_CODES = ("exit status: 0 every case passed (pending allowed), 1 a case or structural "
               "check failed or a file is unused/missing, 2 a typed error (error[CODE] line)")


def register(sub: Any) -> None:
    parser = sub.add_parser("conformance", help="run conformance vectors")
    inner = parser.add_subparsers(dest="conformance_command", required=True)
    run = inner.add_parser(
        "run", help="run the vector files with our implementation and print a table",
        description="Run every conformance case in-process; example: mcref conformance run "
        "--suite memos -v. " + _EXIT_CODES,
    )
    _common(run)
    run.set_defaults(handler=_run)
    drive = inner.add_parser(
        "drive", help="run the vector files against another implementation",
        description="Start COMMAND (no shell) and send it every case over the JSON-lines "
        "protocol of docs/conformance.md; example: mcref conformance drive --impl "
        "'python -m refimpl.vectors.adapter'. " + _EXIT_CODES,
    )
    drive.add_argument("--impl", required=True, metavar="COMMAND",
                       help="the adapter command line (split like a shell, run without one)")
    drive.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                       help="how long to wait for each answer (default: 60)")
    _common(drive)
    drive.set_defaults(handler=_drive)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", help="one suite only (a directory name, e.g. account_keys)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list every failing (and pending) case")


def _run(args: argparse.Namespace) -> int:
    from refimpl.vectors import runner

    report = runner.run(args.suite)
    if args.json:
        print_json(report.to_json())
    else:
        print_report(report, verbose=args.verbose)
    return 0 if report.ok else 1


def _drive(args: argparse.Namespace) -> int:
    from refimpl.vectors.drive import drive

    result = drive(args.impl, args.suite, args.timeout)
    if args.json:
        print_json(result.to_json())
    else:
        print(f"implementation: {result.implementation}")
        if result.unsupported:
            print(f"unsupported suites (pending): {', '.join(result.unsupported)}")
        print_report(result.report, verbose=args.verbose)
    return 0 if result.ok else 1


def print_report(report: runner.RunReport, verbose: bool = False) -> None:
    rows = [(f.path, f.passed, f.failed, f.pending,
             f"{f.structural_passed}/{f.structural_passed + f.structural_failed}")
            for f in report.files]
    print_table(["file", "passed", "failed", "pending", "structural"], rows)
    totals = report.totals()
    print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['pending']} "
          f"pending in {len(report.files)} files; structural checks: "
          f"{totals['structuralPassed']} passed, {totals['structuralFailed']} failed")
    for f in report.files:
        if f.note:
            print(f"{'pending' if f.pending else 'note'} {f.path}: {f.note}")
        failures = f.failures + f.structural_failures
        for failure in failures[: None if verbose else 5]:
            print(f"FAILED {failure}")
        if len(failures) > 5 and not verbose:
            print(f"... {len(failures) - 5} more failures in {f.path} (-v lists them all)")
        if verbose:
            for case_id in f.pending_ids:
                print(f"PENDING {case_id}")
    for path in report.unused:
        print(f"UNUSED {path}: no case source reads this vector file")
    for path in report.missing:
        print(f"MISSING {path}: registered but not on disk")
    print("conformance: OK" if report.ok else "conformance: FAILED")
