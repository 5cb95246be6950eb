"""``mcref tlc``: run one TLC model, the models of spec/manifest.json, or a distributed worker.

``mcref tlc run MODEL.cfg`` runs the model in MODEL.cfg (the spec is the .tla of the same name,
or ``--spec``), printing TLC's progress to stderr while it runs (``--quiet``: not) and the
result to stdout (``--format text|json|html``; ``--json`` = ``--format json``); ``--distributed``
runs it on TLCServer with workers that join over RMI (``mcref tlc worker --server HOST:PORT``).
``mcref tlc check`` runs the manifest's models (default the CI-sized ones) against their
expectations; ``mcref tlc list`` shows every model with what it costs. Exit codes of ``run``:
0 no violation, 1 a violation, 3 stopped at the timeout (the partial result is printed),
130 Ctrl-C (TLC is stopped, its last progress line printed);
``check``: 0 every model as expected, 1 otherwise. A missing Java or jar, a parse error or a bad
manifest is one ``error[formal.*]`` line and exit 2 (docs/tlc.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.inputs import input_file
from refimpl.cli.output import print_json, print_table
from refimpl.errors import CliError, FormalError

if TYPE_CHECKING:
    from refimpl.formal.manifest import Model
    from refimpl.formal.tlc import TlcOptions
    from refimpl.formal.tlc_output import TlcProgress, TlcResult

#: ``mcref tlc run``'s exit status when the run was stopped at its timeout.
EXIT_TIMEOUT = 3


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: must be at least 1")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text}: not a TCP port")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < 10**8:
        raise argparse.ArgumentTypeError(f"{text}: must be a number of seconds >= 0")
    return value


def _tlc_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=_positive, default=2, help="TLC worker threads")
    parser.add_argument("--heap", type=_positive, default=2048, metavar="MB",
                        help="Java heap (-Xmx) in MB")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines on stderr")


def register(sub: Any) -> None:
    parser = sub.add_parser("tlc", help="run the TLC model checker on the TLA+ specs")
    tlc_sub = parser.add_subparsers(dest="tlc_command", required=True)

    run = tlc_sub.add_parser("run", help="model-check one MODEL.cfg")
    run.add_argument("cfg", type=input_file)
    run.add_argument("--spec", type=Path, help="the .tla module (default: MODEL.tla)")
    _tlc_options(run)
    run.add_argument("--timeout", type=_seconds, default=600.0,
                     help="seconds (0: no limit); at the timeout the partial result is printed")
    run.add_argument("--metadir", type=Path,
                     help="keep TLC's state directory (checkpoints) here")
    run.add_argument("--checkpoint", type=_seconds, metavar="MIN",
                     help="checkpoint interval in minutes (fractions allowed; 0: never)")
    run.add_argument("--recover", type=Path, metavar="DIR",
                     help="resume from the checkpoint in DIR (a kept --metadir)")
    run.add_argument("--simulate", type=_positive, metavar="NUM",
                     help="random simulation of NUM behaviours instead of exhaustive search")
    run.add_argument("--depth", type=_positive, default=100, help="simulation depth")
    run.add_argument("--seed", type=int, default=1, help="simulation seed")
    run.add_argument("--format", choices=["text", "json", "html"], default=None,
                     help="result format (default: text; html draws the counterexample)")
    run.add_argument("--json", action="store_true", help="same as --format json")
    run.add_argument("--distributed", action="store_true",
                     help="run TLCServer; workers join with mcref tlc worker")
    run.add_argument("--port", type=_port, default=10997, help="RMI registry port")
    run.add_argument("--hostname", default="127.0.0.1",
                     help="the address workers reach this machine at (--distributed)")
    run.add_argument("--local-workers", type=int, default=0, metavar="N",
                     help="worker processes to start on this machine (--distributed)")
    run.set_defaults(handler=_run)

    worker = tlc_sub.add_parser("worker", help="a distributed TLC worker for a TLCServer")
    worker.add_argument("--server", required=True, metavar="HOST[:PORT]")
    worker.add_argument("--threads", type=_positive, default=None,
                        help="worker threads (default: the number of cores)")
    worker.add_argument("--heap", type=_positive, default=2048, metavar="MB")
    worker.add_argument("--hostname", default=None,
                        help="the address the server reaches this machine at")
    worker.set_defaults(handler=_worker)

    check = tlc_sub.add_parser("check", help="run the models of spec/manifest.json")
    check.add_argument("--size", choices=["small", "large", "all"], default="small")
    check.add_argument("--model", action="append", help="only this model (repeatable)")
    check.add_argument("--manifest", type=input_file, default=None,
                       help="the model manifest (default: spec/manifest.json)")
    check.add_argument("--record", action="store_true",
                       help="write the measured distinct states, depth and runtime of the "
                            "exhaustive models that finished as expected into the manifest")
    check.add_argument("--list", action="store_true", help="list the models, run nothing")
    _tlc_options(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)

    listing = tlc_sub.add_parser("list", help="every model of the manifest and its cost")
    listing.add_argument("--manifest", type=input_file, default=None)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)


#: ``mcref tlc run``'s exit status after Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130


class _Progress:
    """The progress callback: prints each report as one line on stderr (unless quiet) and
    keeps the last one, reported if the run is interrupted."""

    def __init__(self, quiet: bool, prefix: str = "") -> None:
        self.quiet, self.prefix = quiet, prefix
        self.last: TlcProgress | None = None

    def __call__(self, report: TlcProgress) -> None:
        if report.kind == "progress":
            self.last = report
        if not self.quiet:
            print(self.prefix + report.line(), file=sys.stderr, flush=True)


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


def _options(args: argparse.Namespace) -> TlcOptions:
    from refimpl.formal.tlc import TlcOptions

    if args.recover is not None and not args.recover.is_dir():
        raise CliError("cli.file_not_found", f"{args.recover}: no such directory")
    return TlcOptions(workers=args.workers, heap_mb=args.heap, timeout_s=args.timeout or None,
                      metadir=args.metadir, recover=args.recover,
                      checkpoint_minutes=args.checkpoint)


def _run(args: argparse.Namespace) -> int:
    from refimpl.formal.render import render_tlc_result
    from refimpl.formal.tlc import raise_for_tool_failure

    cfg: Path = args.cfg
    spec: Path = args.spec or _spec_for(cfg)
    for path in (cfg, spec):
        if not path.is_file():
            raise CliError("cli.file_not_found", f"{path}: no such file")
    options = _options(args)
    on_progress = _Progress(args.quiet)
    try:
        result = _run_tlc(args, spec, cfg, options, on_progress)
    except KeyboardInterrupt:  # TLC's process group is already stopped (tlc_process.stream)
        last = on_progress.last
        print("interrupted: TLC stopped" + (f"; last progress: {last.line()}" if last else ""),
              file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    if result.outcome != "timeout":
        raise_for_tool_failure(result, str(cfg))
    sys.stdout.write(render_tlc_result(result, "json" if args.json else args.format or "text"))
    if result.outcome == "timeout":
        return EXIT_TIMEOUT
    return 0 if result.outcome == "ok" else 1


def _run_tlc(args: argparse.Namespace, spec: Path, cfg: Path, options: TlcOptions,
             on_progress: _Progress) -> TlcResult:
    from refimpl.formal.tlc import Simulation, run_tlc

    if args.distributed:
        from refimpl.formal.tlc_distributed import run_server

        if args.simulate:
            raise CliError("cli.usage", "--distributed runs exhaustive search only")
        if not args.quiet and args.local_workers < 1:
            print(f"waiting for workers: mcref tlc worker --server {args.hostname}:{args.port}",
                  file=sys.stderr, flush=True)
        return run_server(spec, cfg, options, port=args.port, hostname=args.hostname,
                          local_workers=args.local_workers, on_progress=on_progress)
    simulation = Simulation(args.simulate, args.depth, args.seed) if args.simulate else None
    return run_tlc(spec, cfg, simulation=simulation, options=options, on_progress=on_progress)


def _worker(args: argparse.Namespace) -> int:
    from refimpl.formal.tlc import TlcOptions
    from refimpl.formal.tlc_distributed import Endpoint, default_threads, run_worker

    try:
        server = Endpoint.parse(args.server)
    except ValueError as exc:
        raise CliError("cli.usage", str(exc)) from None
    hostname = args.hostname
    if hostname is None and server.host in ("127.0.0.1", "localhost"):
        hostname = "127.0.0.1"
    return run_worker(server, TlcOptions(heap_mb=args.heap),
                      threads=args.threads or default_threads(), hostname=hostname)


def _selected(args: argparse.Namespace) -> list[Model]:
    from refimpl.formal import manifest

    models = manifest.load_manifest(args.manifest or manifest.MANIFEST)
    if getattr(args, "model", None):
        return [manifest.find_model(name, models) for name in args.model]
    size = getattr(args, "size", "all")
    return models if size == "all" else [m for m in models if m.size == size]


def _cost_rows(models: list[Model]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for m in models:
        expected = m.expected_outcome + (f" {m.expected_invariant}"
                                         if m.expected_invariant else "")
        mode = m.mode if m.simulation is None else (
            f"simulate {m.simulation.num}x{m.simulation.depth}")
        rows.append((m.name, m.size, mode, expected,
                     f"{m.expected_distinct:,}" if m.expected_distinct is not None else "-",
                     m.expected_depth if m.expected_depth is not None else "-",
                     f"{m.runtime_seconds:g}" if m.runtime_seconds is not None else "-",
                     f"{m.budget_seconds:g}"))
    return rows


def _model_json(m: Model) -> dict[str, Any]:
    return {"name": m.name, "size": m.size, "mode": m.mode, "cfg": str(m.cfg),
            "expected": {"outcome": m.expected_outcome, "invariant": m.expected_invariant,
                         "distinct": m.expected_distinct, "depth": m.expected_depth},
            "runtime_seconds": m.runtime_seconds, "budget_seconds": m.budget_seconds,
            "note": m.note}


def _list(args: argparse.Namespace) -> int:
    models = _selected(args)
    if args.json:
        print_json({"models": [_model_json(m) for m in models]})
        return 0
    print_table(["model", "size", "mode", "expected", "distinct", "depth", "runtime s",
                 "budget s"], _cost_rows(models))
    print("runtime: measured on 2 cores; a run is stopped at twice its budget. "
          "Large models: mcref tlc check --size large (or --model NAME).")
    return 0


def _check(args: argparse.Namespace) -> int:
    from refimpl.formal import manifest

    if args.list:
        return _list(args)
    models = _selected(args)
    checks = []
    for model in models:
        checks.append(manifest.check_model(
            model, workers=args.workers, heap_mb=args.heap,
            on_progress=_Progress(args.quiet, f"{model.name}: ")))
    ok = all(c.as_expected for c in checks)
    if args.record:
        updated = manifest.record(checks, args.manifest or manifest.MANIFEST)
        print(f"recorded: {', '.join(updated) or 'nothing'}", file=sys.stderr)
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
                     c.result.depth if c.result.depth is not None else "-",
                     c.result.generated or "-", f"{c.result.seconds:.1f}",
                     "yes" if c.as_expected else "NO"))
    print_table(["model", "expected", "got", "distinct", "depth", "generated", "seconds",
                 "as expected"], rows)
    for c in checks:
        if not c.as_expected:
            print(f"{c.model.name}: {'; '.join(c.mismatches + list(c.result.errors))[:400]}")
    print("all models gave their expected outcome" if ok else "some models did NOT")
    return 0 if ok else 1
