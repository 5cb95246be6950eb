"""``mcref tlc``: run one TLC model, or every model of spec/manifest.json against its expectation.

``mcref tlc run MODEL.cfg`` runs the model in MODEL.cfg (the spec is the .tla of the same name,
or ``--spec``); ``mcref tlc check`` runs the manifest (``--size small`` for CI, ``--model`` for
one entry). Both take ``--json``. Exit 0 when the run found no violation (``run``) or every model
gave its expected outcome (``check``), 1 otherwise; a missing Java or jar, a parse error or a
timeout is one ``error[formal.*]`` line and exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.inputs import input_file
from refimpl.cli.output import print_json, print_table
from refimpl.errors import CliError, FormalError

if TYPE_CHECKING:
    from refimpl.formal.tlc import TlcResult


def register(sub: Any) -> None:
    parser = sub.add_parser("tlc", help="run the TLC model checker on the TLA+ specs")
    tlc_sub = parser.add_subparsers(dest="tlc_command", required=True)

    run = tlc_sub.add_parser("run", help="model-check one MODEL.cfg")
    run.add_argument("cfg", type=input_file)
    run.add_argument("--spec", type=Path, help="the .tla module (default: MODEL.tla)")
    run.add_argument("--workers", type=int, default=2)
    run.add_argument("--timeout", type=float, default=600.0, help="seconds")
    run.add_argument("--simulate", type=int, metavar="NUM",
                     help="random simulation of NUM behaviours instead of exhaustive search")
    run.add_argument("--depth", type=int, default=100, help="simulation depth")
    run.add_argument("--seed", type=int, default=1, help="simulation seed")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_run)

    check = tlc_sub.add_parser("check", help="run the models of spec/manifest.json")
    check.add_argument("--size", choices=["small", "large", "all"], default="all")
    check.add_argument("--model", action="append", help="only this model (repeatable)")
    check.add_argument("--manifest", type=input_file, default=None,
                       help="the model manifest (default: spec/manifest.json)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)


def _print_result(result: TlcResult) -> None:
    rate = result.states_per_second
    print(f"outcome: {result.outcome} (exit code {result.exit_code})")
    print(f"states: {result.generated} generated, {result.distinct} distinct, depth "
          f"{result.depth}, {result.seconds:.1f} s"
          + (f", {rate:,.0f} states/s" if rate else ""))
    if result.violated_invariant:
        print(f"violated invariant: {result.violated_invariant}")
    for state in result.counterexample:
        print(f"state {state.index}: {state.action}")
        for name, value in state.variables:
            print(f"  {name} = {value}")


def _spec_for(cfg: Path) -> Path:
    """MODEL.tla beside MODEL.cfg, else the spec the manifest names for this cfg."""
    from refimpl.formal import manifest

    beside = cfg.with_suffix(".tla")
    if beside.is_file():
        return beside
    try:
        models = manifest.load_manifest()
    except FormalError:
        return beside
    for model in models:
        if model.cfg.resolve() == cfg.resolve():
            return model.spec
    return beside


def _run(args: argparse.Namespace) -> int:
    from refimpl.formal.tlc import Simulation, raise_for_tool_failure, run_tlc

    cfg: Path = args.cfg
    spec: Path = args.spec or _spec_for(cfg)
    for path in (cfg, spec):
        if not path.is_file():
            raise CliError("cli.file_not_found", f"{path}: no such file")
    simulation = Simulation(args.simulate, args.depth, args.seed) if args.simulate else None
    result = run_tlc(spec, cfg, workers=args.workers, timeout_s=args.timeout,
                     simulation=simulation)
    raise_for_tool_failure(result, str(cfg))
    if args.json:
        print_json(result.to_json())
    else:
        _print_result(result)
    return 0 if result.outcome == "ok" else 1


def _check(args: argparse.Namespace) -> int:
    from refimpl.formal import manifest

    models = manifest.load_manifest(args.manifest or manifest.MANIFEST)
    if args.model:
        models = [manifest.find_model(name, models) for name in args.model]
    elif args.size != "all":
        models = [m for m in models if m.size == args.size]
    checks = [manifest.check_model(model) for model in models]
    ok = all(c.as_expected for c in checks)
    if args.json:
        print_json({"ok": ok, "models": [c.to_json() for c in checks]})
        return 0 if ok else 1
    rows = []
    for c in checks:
        expected = c.model.expected_outcome + (
            f" {c.model.expected_invariant}" if c.model.expected_invariant else "")
        got = c.result.outcome + (
            f" {c.result.violated_invariant}" if c.result.violated_invariant else "")
        rows.append((c.model.name, expected, got, c.result.distinct or "-",
                     c.result.generated or "-", f"{c.result.seconds:.1f}",
                     "yes" if c.as_expected else "NO"))
    print_table(["model", "expected", "got", "distinct", "generated", "seconds", "as expected"],
                rows)
    for c in checks:
        if not c.as_expected and c.result.errors:
            print(f"{c.model.name}: {'; '.join(c.result.errors)[:300]}")
    print("all models gave their expected outcome" if ok else "some models did NOT")
    return 0 if ok else 1
