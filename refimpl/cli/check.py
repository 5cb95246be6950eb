"""``mcref check``: the project's main job (``make run``).

Runs each registered check in order and prints each one's summary as soon as it finishes
(flushed, so a pipe or CI log shows progress); exit 0 only when all pass. ``--skip-tlc``
leaves out the TLC section (the checks of refimpl/formal/check.py, which need Java) and says
so in the output: each skipped check prints a ``SKIPPED`` line (``"skipped": true`` in the
JSON document), and the final line counts them.
Checks are small functions returning a :class:`refimpl.checks.CheckResult` ``(ok, lines,
detail)``: the conformance run here, then those each layer exposes as ``CHECKS`` (consensus,
quorum intersection, TLC, attestation, the validator network, fog).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from refimpl.checks import Check, CheckResult
from refimpl.cli.output import print_json


def conformance_check() -> CheckResult:
    from refimpl.textfmt import format_table
    from refimpl.vectors import runner

    report = runner.run()
    rows = [(f.path.removeprefix("upstream/"), f.passed, f.failed, f.pending)
            for f in report.files]
    lines = format_table(["vector file", "passed", "failed", "pending"], rows).splitlines()
    passed = sum(f.passed for f in report.files)
    failed = sum(f.failed for f in report.files)
    pending = sum(f.pending for f in report.files)
    lines.append(f"{passed} passed, {failed} failed, {pending} pending; "
                 f"{len(report.unused)} unused files")
    lines += [f"{'pending' if f.pending else 'note'}: {f.path} ({f.note})"
              for f in report.files if f.note]
    lines += [f"unused: {p}" for p in report.unused]
    return CheckResult(report.ok, lines, report.to_json())


#: (name, function) in the order they run.
CHECKS: list[Check] = [
    ("conformance vectors", conformance_check),
]


def _layer_checks(skip_tlc: bool = False) -> tuple[list[Check], list[str]]:
    """The checks each layer contributes, in the order they run, and the names of those
    ``skip_tlc`` leaves out (refimpl/formal/check.py: TLC models, trace validation)."""
    from refimpl.client import check as network_check
    from refimpl.consensus import check as consensus_check
    from refimpl.enclave import check as enclave_check
    from refimpl.fog import check as fog_check
    from refimpl.formal import check as formal_check
    from refimpl.formal import quorum_check

    tlc = [] if skip_tlc else formal_check.CHECKS
    skipped = [name for name, _ in formal_check.CHECKS] if skip_tlc else []
    return [*consensus_check.CHECKS, *quorum_check.CHECKS, *tlc, *enclave_check.CHECKS,
            *network_check.CHECKS, *fog_check.CHECKS], skipped


def register(sub: Any) -> None:
    parser = sub.add_parser("check", help="run the project's checks (make run)")
    parser.add_argument("--skip-tlc", action="store_true",
                        help="leave out the TLC section (TLC models, trace validation)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    all_ok = True
    documents: dict[str, Any] = {}
    layer_checks, skipped = _layer_checks(args.skip_tlc)
    for name, check in CHECKS + layer_checks:
        started = time.perf_counter()
        ok, lines, document = check()
        elapsed = time.perf_counter() - started
        all_ok &= ok
        documents[name] = {"ok": ok, "seconds": round(elapsed, 3), "detail": document}
        if not args.json:
            print(f"== {name}: {'OK' if ok else 'FAILED'} ({elapsed:.1f} s)")
            for line in lines:
                print(f"   {line}")
            print(flush=True)
    for name in skipped:
        documents[name] = {"ok": None, "skipped": True, "reason": "--skip-tlc"}
        if not args.json:
            print(f"== {name}: SKIPPED (--skip-tlc)\n", flush=True)
    if args.json:
        print_json({"ok": all_ok, "skipped": skipped, "checks": documents})
    else:
        verdict = "all checks passed" if all_ok else "some checks FAILED"
        print(verdict + (f" ({len(skipped)} TLC checks skipped)" if skipped else ""))
    return 0 if all_ok else 1
