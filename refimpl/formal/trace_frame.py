"""The frame of an SCP trace, checked alike by both trace checkers (TLC's TraceSCP via
:mod:`refimpl.formal.trace_validate` and Z3's :mod:`refimpl.formal.z3trace`).

docs/scp-interface.md ("Traces") fixes the frame: a header, step lines numbered ``seq`` 0, 1,
2, ... in file order, and a closing verdict line. The steps are the spec's business; the frame
rules are checked here once:

* ``Trace.seq_contiguous``: the k-th step line (from 0) has ``seq`` k; the first gap, duplicate
  or reordering is the failing step;
* ``Verdict.present``: the trace ends with a verdict line; ``Verdict.last_line``: nothing
  follows it;
* ``Verdict.agreement`` / ``Verdict.externalized``: the verdict states what the steps show:
  per node the value-set hash (refimpl/consensus/sim/trace.py ``value_set_hash``) of each slot it
  externalized, in slot order, and agreement exactly when no two nodes externalized different
  values in one slot.

A failure of the verdict line is reported at the position after the last step: its ``seq`` is
the number of steps, its event ``verdict``. Both checkers report the earlier of their first
failing step and the frame's failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from refimpl.consensus.sim.trace import FORMAT, value_set_hash
from refimpl.errors import FormalError

VERDICT_EVENT = "verdict"


@attrs.frozen
class StepFailure:
    """The first step that is not a behaviour of the spec and the guards that fail there."""

    seq: int
    node: str
    event: str
    guards: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "node": self.node, "event": self.event,
                "guards": list(self.guards)}


@attrs.frozen
class Frame:
    """A trace's header, its step lines before the first frame failure, and that failure."""

    header: dict[str, Any]
    steps: tuple[dict[str, Any], ...]
    failure: StepFailure | None


def _bad(message: str) -> FormalError:
    return FormalError("formal.bad_trace", message)


def read_frame(lines: Sequence[Any]) -> Frame:
    """Check the frame of a parsed trace (typed ``formal.bad_trace`` when a line is not a
    header, step or verdict object at all)."""
    if not lines or not isinstance(lines[0], dict) or lines[0].get("kind") != "header" or \
            lines[0].get("format") != FORMAT:
        raise _bad(f"the first line is not an {FORMAT} header")
    steps: list[dict[str, Any]] = []
    for index, line in enumerate(lines[1:], start=1):
        if not isinstance(line, dict) or line.get("kind") not in ("step", "verdict"):
            raise _bad(f"line {index + 1} is neither a step nor the verdict")
        if line["kind"] == "verdict":
            failure: StepFailure | None
            if index != len(lines) - 1:
                failure = _at_verdict(len(steps), ("Verdict.last_line",))
            else:
                wrong = verdict_mismatch(lines[0], steps, line)
                failure = _at_verdict(len(steps), wrong) if wrong else None
            return Frame(lines[0], tuple(steps), failure)
        if line.get("seq") != len(steps) or isinstance(line.get("seq"), bool):
            seq = line.get("seq")
            return Frame(lines[0], tuple(steps), StepFailure(
                seq if isinstance(seq, int) else -1, str(line.get("node")),
                str(line.get("event")), ("Trace.seq_contiguous",)))
        steps.append(line)
    return Frame(lines[0], tuple(steps), _at_verdict(len(steps), ("Verdict.present",)))


def _at_verdict(seq: int, guards: tuple[str, ...]) -> StepFailure:
    return StepFailure(seq, "", VERDICT_EVENT, guards)


def externalized_of(header: dict[str, Any], steps: Sequence[dict[str, Any]]) -> dict[int, dict[
        str, str]]:
    """slot -> node -> value-set hash of the honest nodes' first externalize step per slot
    (``formal.bad_trace`` when such a step is malformed)."""
    byzantine = header.get("byzantine")
    byzantine = set(byzantine) if isinstance(byzantine, list) and \
        all(isinstance(b, str) for b in byzantine) else set()
    found: dict[int, dict[str, str]] = {}
    for step in steps:
        args, slot, node = step.get("args"), step.get("slot"), step.get("node")
        if step.get("event") != "externalize" or step.get("byzantine") or \
                (isinstance(node, str) and node in byzantine):
            continue
        values = args.get("values") if isinstance(args, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or \
                not isinstance(slot, int) or not isinstance(node, str):
            raise _bad(f"step {step.get('seq')}: a malformed externalize step")
        try:
            digest = value_set_hash(bytes.fromhex(v) for v in values)
        except ValueError:
            raise _bad(f"step {step.get('seq')}: externalized values are not hex") from None
        found.setdefault(slot, {}).setdefault(node, digest)
    return found


def expected_verdict(header: dict[str, Any], steps: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The ``agreement`` and ``externalized`` fields a verdict line must hold for ``steps``."""
    by_slot = externalized_of(header, steps)
    per_node: dict[str, list[str]] = {}
    for slot in sorted(by_slot):
        for node, digest in sorted(by_slot[slot].items()):
            per_node.setdefault(node, []).append(digest)
    agreement = all(len(set(nodes.values())) <= 1 for nodes in by_slot.values())
    return {"agreement": agreement, "externalized": per_node}


def verdict_mismatch(header: dict[str, Any], steps: Sequence[dict[str, Any]],
                     verdict: dict[str, Any]) -> tuple[str, ...]:
    """The verdict fields that do not match the steps (nodes listed with no value are
    ignored: the simulator lists every honest node)."""
    expected = expected_verdict(header, steps)
    wrong = []
    if verdict.get("agreement") is not expected["agreement"]:
        wrong.append("Verdict.agreement")
    claimed = verdict.get("externalized")
    if not isinstance(claimed, dict) or \
            {n: v for n, v in claimed.items() if v} != expected["externalized"]:
        wrong.append("Verdict.externalized")
    return tuple(wrong)


def slots_of(frame: Frame) -> list[int]:
    """The slots the frame's steps belong to, in order."""
    return sorted({s["slot"] for s in frame.steps if isinstance(s.get("slot"), int)
                   and not isinstance(s.get("slot"), bool)})


def require_slot(frame: Frame, slot: int | None) -> None:
    """A ``--slot`` the trace has no step of is ``formal.bad_trace``, not an empty success."""
    if slot is not None and slot not in slots_of(frame):
        raise _bad(f"the trace has no step of slot {slot} (its slots: "
                   f"{', '.join(map(str, slots_of(frame))) or 'none'})")

