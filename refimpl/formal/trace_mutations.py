"""Known-bad SCP traces: mutations of a good trace that trace validation must reject.

Each mutation returns the mutated trace objects and the ``seq`` of the step TraceSCP must
name as the first one it cannot explain (the brief's three: a dropped message, a changed
ballot counter, a value that was never nominated). Used by ``mcref check`` and by
tests/spec/test_trace_validation.py on committed traces (conformance/vectors/scp-traces/) and on
Hypothesis-generated simulations; traces follow docs/scp-interface.md ("Traces").
"""

from __future__ import annotations

import copy
import json
from typing import Any

Trace = list[dict[str, Any]]

#: a value no simulated node proposes (values are random lowercase hex of other lengths)
FOREIGN_VALUE = "ff" * 12


def _steps(trace: Trace, slot: int) -> list[dict[str, Any]]:
    return [o for o in trace if o.get("kind") == "step" and o["slot"] == slot
            and not o.get("byzantine")]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def drop_message(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Remove the first honest send whose message is received later; the receive fails."""
    steps = _steps(trace, slot)
    for i, send in enumerate(steps):
        if send["event"] != "send":
            continue
        msg = send["args"]["msg"]
        earlier = [s for s in steps[:i] if s["event"] == "send" and _same(s["args"]["msg"], msg)]
        if earlier:
            continue
        for later in steps[i + 1:]:
            if later["event"] == "receive" and _same(later["args"]["msg"], msg):
                return [o for o in trace if o is not send], later["seq"]
    return None


def change_counter(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Raise the ballot counter of the first sent message that carries a ballot."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        if step["event"] != "send":
            continue
        topic = step["args"]["msg"]["topic"]
        ballot_holder = topic.get("prepare", topic)
        ballot = ballot_holder.get("B") or ballot_holder.get("C")
        if isinstance(ballot, dict):
            ballot["counter"] += 1
            return mutated, step["seq"]
    return None


def foreign_value(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Make a node vote (X) for a value nobody proposed or sent, at its first receive."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        if step["event"] == "receive" and step["state"]["phase"] == "NOMINATE_PREPARE":
            step["state"]["X"] = sorted(set(step["state"]["X"]) | {FOREIGN_VALUE})
            return mutated, step["seq"]
    return None


MUTATIONS = {
    "dropped_message": drop_message,
    "changed_counter": change_counter,
    "foreign_value": foreign_value,
}


def dumps(trace: Trace) -> str:
    """The canonical ndjson form (as refimpl/consensus/sim/trace.py writes it)."""
    return "".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in trace)
