"""TLC 2.15's ``-tool`` output: the final :class:`TlcResult` and the progress reports.

TLC tags every message with ``@!@!@STARTMSG code:severity @!@!@`` ... ``@!@!@ENDMSG code @!@!@``
(codes from ``tlc2.output.EC``; 2.15 omits some ENDMSG lines in simulation mode).
:func:`parse_tool_output` reads a whole output (pure function); :class:`ProgressReader` reads it
line by line while TLC runs and turns the one-line status messages (starting, initial states,
``Progress(d)`` every minute, checkpoints, recovery, distributed workers registering) into
:class:`TlcProgress` reports. Exit codes: 0 no error, 11 deadlock, 12 safety violation,
13 liveness violation, 150 parse/semantic error (docs/tlc.md).
"""

from __future__ import annotations

import re

import attrs

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
#: a lasso's end (liveness): 2122 "N: Back to state: <Action ...>", 2218 "N: Stuttering"
_MSG_LASSO = (2122, 2218)
_MSG_INVARIANT_VIOLATED = 2110
_MSG_INVARIANT_VIOLATED_INITIAL = 2107
_MSG_DEADLOCK = 2114
_MSG_STATS = 2199  # "N states generated, M distinct states found, Q states left on queue."
_MSG_DEPTH = 2194  # "The depth of the complete state graph search is D."
_MSG_BEHAVIOUR = 2121  # "The behavior up to this point is:" (an error trace follows)
_MSG_SIM_STATS = 2210  # "The number of states generated: N" (simulation)
_MSG_PROGRESS = (2200, 2209)  # "Progress(d) at ...: N states generated, ..." (2209: simulation)

#: One-line status messages reported while TLC runs, by kind.
_STATUS_KINDS: dict[int, str] = {
    2185: "starting",  # "Starting... (date)"
    2190: "initial",  # "Finished computing initial states: N distinct state(s) generated ..."
    2191: "initial",  # "... initial states: N states generated, with M of them distinct ..."
    2200: "progress",
    2209: "progress",
    2195: "checkpoint",  # "Checkpointing of run DIR"
    2196: "checkpointed",  # "Checkpointing completed at (date)"
    2197: "recovering",  # "Starting recovery from checkpoint DIR"
    2198: "recovered",  # "Recovery completed. N states examined. Q states on queue."
    7001: "worker",  # distributed: "Registration for worker at rmi://... completed (date)"
}

# SANY's progress lines, printed before its errors: not part of an error's text.
_NOISE = ("Parsing file", "Semantic processing of module", "Starting SANY", "SANY finished")

_START = re.compile(r"^@!@!@STARTMSG (\d+):(\d+) @!@!@$")
_END = re.compile(r"^@!@!@ENDMSG (\d+) @!@!@$")
_NUMBER = r"(-?[\d,]+)"
_PROGRESS = re.compile(rf"^Progress\({_NUMBER}\).*?: {_NUMBER} states generated"
                       rf"(?: \({_NUMBER} s/min\))?, {_NUMBER} distinct states found"
                       rf"(?: \({_NUMBER} ds/min\))?(?:, {_NUMBER} states left on queue)?")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _known(value: int | None) -> int | None:
    """TLC prints -1 for a figure it does not have (distinct states in simulation)."""
    return None if value is None or value < 0 else value


@attrs.frozen
class TlcProgress:
    """One status report of a running TLC: what kind, and the figures it carries.

    ``rate`` is TLC's states generated per minute since the previous report, ``elapsed`` the
    seconds since the run started (measured by the runner)."""

    kind: str
    elapsed: float = 0.0
    generated: int | None = None
    distinct: int | None = None
    queue: int | None = None
    rate: int | None = None
    depth: int | None = None
    detail: str = ""

    def line(self) -> str:
        """The compact one-line form ``mcref tlc run`` prints to stderr."""
        head = f"tlc {self.elapsed:7.1f}s {self.kind:<12}"
        if self.kind != "progress":
            return f"{head} {self.detail}".rstrip()
        figures = [f"{self.generated:,} generated" if self.generated is not None else "",
                   f"{self.distinct:,} distinct" if self.distinct is not None else "",
                   f"{self.queue:,} queued" if self.queue is not None else "",
                   f"{self.rate:,}/min" if self.rate is not None else "",
                   f"depth {self.depth}" if self.depth is not None else ""]
        return f"{head} " + ", ".join(f for f in figures if f)

    def to_json(self) -> dict[str, object]:
        return attrs.asdict(self)


def parse_progress(code: int, body: str, elapsed: float = 0.0) -> TlcProgress | None:
    """The report carried by the first line of a status message, or None for other messages."""
    kind = _STATUS_KINDS.get(code)
    if kind is None:
        return None
    line = body.strip()
    if kind != "progress":
        initial = re.search(r"initial states: (?:[\d,]+ states generated, with )?([\d,]+)"
                            r"(?: of them)? distinct", line)
        return TlcProgress(kind=kind, elapsed=elapsed, detail=line,
                           distinct=_int(initial.group(1)) if initial else None)
    match = _PROGRESS.match(line)
    if match is None:
        return TlcProgress(kind=kind, elapsed=elapsed, detail=line)
    depth, generated, rate, distinct, _, queue = (
        _int(g) if g is not None else None for g in match.groups())
    return TlcProgress(kind=kind, elapsed=elapsed, generated=generated,
                       distinct=_known(distinct), queue=_known(queue), rate=rate,
                       depth=_known(depth))


@attrs.define
class ProgressReader:
    """Feed TLC's output line by line; :meth:`feed` returns the report a line completes.

    Every status message fits on its first body line, so a report is complete as soon as that
    line arrives (simulation mode omits ENDMSG lines)."""

    code: int | None = None
    first: bool = False

    def feed(self, line: str, elapsed: float) -> TlcProgress | None:
        start = _START.match(line)
        if start:
            self.code, self.first = int(start.group(1)), True
            return None
        if _END.match(line):
            self.code, self.first = None, False
            return None
        if self.code is None or not self.first or not line.strip():
            return None
        self.first = False
        return parse_progress(self.code, line, elapsed)


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
    """What one TLC run established.

    A run stopped before TLC finished (timeout, Ctrl-C) has ``partial`` set and carries the
    figures of TLC's last progress report: states generated, distinct, left on the queue, and
    the breadth-first level reached as ``depth``."""

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
    queue: int | None = None  # states left on the queue
    partial: bool = False  # stopped before TLC finished: figures of the last progress report

    @property
    def states_per_second(self) -> float | None:
        if self.generated is None or self.seconds <= 0:
            return None
        return self.generated / self.seconds

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "partial": self.partial,
            "exit_code": self.exit_code,
            "generated": self.generated,
            "distinct": self.distinct,
            "queue": self.queue,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "violated_invariant": self.violated_invariant,
            "counterexample": [s.to_json() for s in self.counterexample],
            "errors": list(self.errors),
        }


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


#: What TLCServer (TLC 2.15) leaves out when a worker finds a violation.
UNNAMED_VIOLATION = ("distributed TLC 2.15 printed an error trace but exited 0 without naming "
                     "the violated invariant, and its trace may start mid-behaviour: rerun "
                     "without --distributed for the full counterexample")


def _outcome(exit_code: int | None, deadlock: bool) -> str:
    if exit_code is None:
        return "timeout"
    outcome = EXIT_OUTCOMES.get(exit_code, "error")
    return "deadlock" if deadlock and outcome == "error" else outcome


def parse_tool_output(text: str, exit_code: int | None, seconds: float) -> TlcResult:
    """Turn TLC's ``-tool`` output and exit code into a :class:`TlcResult` (pure function).

    ``exit_code`` None means TLC was stopped before it finished: the result is ``partial``,
    with outcome ``timeout`` and the figures of the last progress report."""
    generated = distinct = depth = queue = None
    final_depth: int | None = None
    invariant: str | None = None
    states: list[TlcState] = []
    errors: list[str] = []
    printed: list[str] = []
    deadlock = behaviour = False
    for code, body in _messages(text):
        if code == _MSG_STATE or code in _MSG_LASSO:
            states.append(_parse_state(body))
        elif code in (_MSG_INVARIANT_VIOLATED, _MSG_INVARIANT_VIOLATED_INITIAL):
            match = re.search(r"Invariant (\S+) is violated", body)
            invariant = match.group(1) if match else body.strip()
        elif code == _MSG_DEADLOCK:
            deadlock = True
        elif code == _MSG_BEHAVIOUR:
            behaviour = True
        elif code == _MSG_STATS:
            match = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states"
                              r"(?: found, ([\d,]+) states left)?", body)
            if match:
                generated, distinct = _int(match.group(1)), _int(match.group(2))
                queue = _int(match.group(3)) if match.group(3) else queue
        elif code in _MSG_PROGRESS:
            report = parse_progress(code, body.strip().split("\n")[0])
            if report is not None and report.generated is not None:
                generated, queue, depth = report.generated, report.queue, report.depth
                distinct = report.distinct if report.distinct is not None else distinct
        elif code == _MSG_SIM_STATS:
            match = re.search(r"states generated: ([\d,]+)", body)
            if match:
                generated = _int(match.group(1))
        elif code == _MSG_DEPTH:
            match = re.search(r"is (\d+)", body)
            if match:
                final_depth = int(match.group(1))
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
    partial = exit_code is None
    outcome = _outcome(exit_code, deadlock)
    if outcome == "ok" and behaviour:  # TLCServer: a worker's violation, exit code 0
        outcome = "deadlock" if deadlock else "invariant_violated"
        errors.append(UNNAMED_VIOLATION)
    return TlcResult(outcome=outcome, exit_code=exit_code,
                     generated=generated, distinct=distinct,
                     depth=final_depth if final_depth is not None or not partial else depth,
                     seconds=seconds, violated_invariant=invariant,
                     counterexample=tuple(states), errors=tuple(errors),
                     printed=tuple(printed), queue=queue, partial=partial)
