"""Validate an SCP trace against spec/scp/TraceSCP.tla under TLC.

Each slot of a trace is validated separately (one TLC run per slot; a node starts every slot
afresh). The generated ``TraceData`` module (:mod:`refimpl.formal.trace_tla`) is written with copies
of SCP.tla, TraceSCP.tla and TraceSCP.cfg into a private directory and TLC runs there. Reading the
verdict (docs/tlc.md, "What TLC 2.15 can and cannot do"): the trace is accepted exactly when TLC
reports the invariant ``TraceNotConsumed`` violated (the cursor passed the last step); when TLC
finishes without that violation, the depth it reached is the 1-based position of the first step that
no action of the spec explains. A violated ``TraceAgreement`` means the trace itself breaks
agreement among intact nodes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import attrs

from refimpl.formal.manifest import SPEC_DIR
from refimpl.formal.tlc import TlcResult, raise_for_tool_failure, run_tlc
from refimpl.formal.trace_tla import TraceModule, read_ndjson, trace_module

SCP_DIR = SPEC_DIR / "scp"
_SPEC_FILES = ("SCP.tla", "TraceSCP.tla", "TraceSCP.cfg")


@attrs.frozen
class TraceVerdict:
    """Whether TLC accepted the trace, and if not, the first step it could not explain."""

    accepted: bool
    steps: int  # steps of the validated slot
    first_unexplained: int | None  # 1-based position among those steps
    first_unexplained_seq: int | None  # the trace's own ``seq`` of that step
    violated: str | None  # TraceAgreement when the trace breaks agreement
    tlc: TlcResult

    def to_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted, "steps": self.steps,
            "first_unexplained": self.first_unexplained,
            "first_unexplained_seq": self.first_unexplained_seq,
            "violated": self.violated, "tlc_seconds": round(self.tlc.seconds, 3),
            "distinct": self.tlc.distinct,
        }


def validate_module(module: TraceModule, *, timeout_s: float = 300.0) -> TraceVerdict:
    """Run TLC on a generated trace module."""
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
    steps = len(module.seqs)
    if result.outcome == "invariant_violated" and result.violated_invariant == "TraceNotConsumed":
        return TraceVerdict(True, steps, None, None, None, result)
    if result.outcome == "invariant_violated":
        depth = len(result.counterexample)
        return TraceVerdict(False, steps, depth, _seq(module, depth), result.violated_invariant,
                            result)
    position = result.depth if result.depth is not None else 0
    if steps == 0:
        return TraceVerdict(True, 0, None, None, None, result)
    return TraceVerdict(False, steps, position, _seq(module, position), None, result)


def _seq(module: TraceModule, position: int) -> int | None:
    if 1 <= position <= len(module.seqs):
        return module.seqs[position - 1]
    return None


def trace_slots(objects: list[dict[str, Any]]) -> list[int]:
    """The slots a parsed trace has steps for, in order."""
    return sorted({o["slot"] for o in objects[1:] if isinstance(o, dict)
                   and o.get("kind") == "step" and isinstance(o.get("slot"), int)})


def validate_trace(objects: list[dict[str, Any]], *, slot: int | None = None,
                   timeout_s: float = 300.0) -> list[tuple[int, TraceVerdict]]:
    """Validate one slot, or every slot of the trace in order, stopping at the first rejected
    one: the whole trace is accepted only when every returned verdict is."""
    verdicts = []
    for each in [slot] if slot is not None else (trace_slots(objects) or [1]):
        module = trace_module(objects, each)
        verdict = validate_module(module, timeout_s=timeout_s)
        verdicts.append((module.slot, verdict))
        if not verdict.accepted:
            break
    return verdicts


def validate_trace_file(path: Path, *, slot: int | None = None,
                        timeout_s: float = 300.0) -> TraceVerdict:
    """Read an ndjson trace and validate every slot (or ``slot``); the first rejection, else
    the last slot's verdict."""
    return validate_trace(read_ndjson(path), slot=slot, timeout_s=timeout_s)[-1][1]
