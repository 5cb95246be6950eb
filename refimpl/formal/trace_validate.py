"""Validate SCP traces against spec/scp/TraceSCP.tla under TLC.

The generated ``TraceData`` module (:mod:`refimpl.formal.trace_tla`) holds every slot of a trace,
or of several traces with the same nodes and variant (:func:`validate_many`, one TLC run for a
whole corpus); it is written with copies of SCP.tla, TraceSCP.tla and TraceSCP.cfg into a private
directory and TLC runs there with one worker. TraceSCP prints one verdict per trace-slot
(TLC module ``PrintT``, read from :attr:`TlcResult.printed`): ``TRACE_ACCEPT`` when every step's
guards held, or ``TRACE_REJECT`` with the first failing step's ``seq`` and the names of its
failing guards. A trace is accepted when every slot is and its frame (contiguous ``seq``, a
verdict line that matches the steps: :mod:`refimpl.formal.trace_frame`) holds; otherwise the
failure is the one with the smallest ``seq``. A trace-slot with no verdict printed is a
``formal.tlc_failed`` error, never an acceptance.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from refimpl.errors import FormalError
from refimpl.formal.manifest import SPEC_DIR
from refimpl.formal.tlc import TlcResult, raise_for_tool_failure, run_tlc
from refimpl.formal.trace_frame import StepFailure, read_frame, require_slot
from refimpl.formal.trace_tla import TraceModule, batch_module, read_ndjson

SCP_DIR = SPEC_DIR / "scp"
_SPEC_FILES = ("SCP.tla", "TraceSCP.tla", "TraceSCP.cfg")
_VERDICT = re.compile(r'^<<"TRACE_(ACCEPT|REJECT)", (\d+)(?:, (-?\d+), \{(.*)\})?>>$')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_VALUE = re.compile(r"#(\d+)")


@attrs.frozen
class TraceVerdict:
    """TLC's verdict on a trace (or one slot of it): accepted, or the first failing step."""

    accepted: bool
    steps: int  # steps checked (of the slot, or of the whole trace)
    failure: StepFailure | None
    tlc: TlcResult | None

    @property
    def first_unexplained_seq(self) -> int | None:
        return None if self.failure is None else self.failure.seq

    def to_json(self) -> dict[str, object]:
        return {
            "checker": "tlc", "accepted": self.accepted, "steps": self.steps,
            "failure": None if self.failure is None else self.failure.to_json(),
            "tlc_seconds": None if self.tlc is None else round(self.tlc.seconds, 3),
            "distinct": None if self.tlc is None else self.tlc.distinct,
        }


def run_module(module: TraceModule, *, timeout_s: float = 300.0
               ) -> tuple[list[StepFailure | None], TlcResult]:
    """Run TLC on a generated module: per trace-slot, its failure (None = accepted)."""
    base = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trace-", dir=base) as scratch:
        work = Path(scratch)
        for name in _SPEC_FILES:
            shutil.copyfile(SCP_DIR / name, work / name)
        (work / "TraceData.tla").write_text(module.text)
        result = run_tlc(work / "TraceSCP.tla", work / "TraceSCP.cfg", workers=1,
                         timeout_s=timeout_s)
    raise_for_tool_failure(result, "trace validation")
    verdicts: dict[int, StepFailure | None] = {}
    for line in result.printed:
        match = _VERDICT.match(line.strip())
        if not match:
            continue
        index = int(match.group(2))
        if match.group(1) == "ACCEPT" or not 1 <= index <= len(module.traces):
            verdicts.setdefault(index, None)
            continue
        seq = int(match.group(3))
        guards = tuple(sorted(_value_names(module, g) for g in _STRING.findall(match.group(4))))
        verdicts[index] = StepFailure(seq, "", "", guards)
    missing = [i for i in range(1, len(module.traces) + 1) if i not in verdicts]
    if missing or result.outcome != "ok":
        raise FormalError("formal.tlc_failed",
                          f"trace validation: TLC ({result.outcome}) gave no verdict for "
                          f"trace-slot(s) {missing}: {'; '.join(result.errors)[:300]}")
    return [verdicts[i] for i in range(1, len(module.traces) + 1)], result


def _value_names(module: TraceModule, guard: str) -> str:
    """``AcceptNominate[#3]`` -> ``AcceptNominate[<hex prefix of value 3>]`` (as z3trace)."""
    return _VALUE.sub(lambda m: module.values[int(m.group(1)) - 1][:16], guard)


def _with_step(failure: StepFailure, objects: Sequence[dict[str, Any]]) -> StepFailure:
    step = next(o for o in objects[1:] if o.get("kind") == "step" and o.get("seq") == failure.seq)
    return attrs.evolve(failure, node=str(step.get("node")), event=str(step.get("event")))


def validate_many(traces: Sequence[list[dict[str, Any]]], *, slot: int | None = None,
                  timeout_s: float = 300.0) -> list[TraceVerdict]:
    """Validate several parsed traces, one TLC run per group of traces sharing nodes, Byzantine
    nodes and variant; one combined verdict per trace (every slot, or ``slot``)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, objects in enumerate(traces):
        frame = read_frame(objects)
        require_slot(frame, slot)
        header = frame.header
        groups[repr((sorted((header.get("nodes") or {}).items()), header.get("byzantine"),
                     header.get("variant")))].append(index)
    verdicts: list[TraceVerdict | None] = [None] * len(traces)
    for members in groups.values():
        module = batch_module([traces[i] for i in members], slot)
        failures, result = run_module(module, timeout_s=timeout_s)
        for position, member in enumerate(members):
            objects = traces[member]
            mine = [(ts, f) for ts, f in zip(module.traces, failures, strict=True)
                    if ts.trace == position]
            found = [f for _, f in mine if f is not None]
            frame = read_frame(objects)
            first = min(found, key=lambda f: f.seq) if found else frame.failure
            if first is not None and first.event == "":
                first = _with_step(first, objects)
            steps = sum(1 for s in frame.steps if slot is None or s.get("slot") == slot)
            verdicts[member] = TraceVerdict(first is None, steps, first, result)
    return [v for v in verdicts if v is not None]


def validate_trace(objects: list[dict[str, Any]], *, slot: int | None = None,
                   timeout_s: float = 300.0) -> TraceVerdict:
    """Validate one parsed trace: every slot (or ``slot``) and its frame, in one TLC run."""
    return validate_many([objects], slot=slot, timeout_s=timeout_s)[0]


def validate_module(module: TraceModule, *, timeout_s: float = 300.0) -> TraceVerdict:
    """TLC's verdict on a generated module alone (its first failing trace-slot; no frame)."""
    failures, result = run_module(module, timeout_s=timeout_s)
    found = [f for f in failures if f is not None]
    first = min(found, key=lambda f: f.seq) if found else None
    return TraceVerdict(first is None, sum(len(t.seqs) for t in module.traces), first, result)


def validate_trace_file(path: Path, *, slot: int | None = None,
                        timeout_s: float = 300.0) -> TraceVerdict:
    """Read an ndjson trace and validate it."""
    return validate_trace(read_ndjson(path), slot=slot, timeout_s=timeout_s)
