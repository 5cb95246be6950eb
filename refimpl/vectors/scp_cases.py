"""SCP one-node conformance scripts: the operation ``scp.node_script`` and its case sources.

A script drives ONE slot of ONE node (docs/conformance.md, "SCP one-node vectors"): the node id,
its quorum set, the variant, the application's validity and combine functions, then a list of
inputs (``propose``, ``receive`` a message from a named peer, ``timeout`` of a timer). After each
input the answer reports what the node did: whether the input was taken, the message it emitted
(its new latest message, or null), its timers, the value it externalized and its slot state.
This is the sans-I/O interface of docs/scp-interface.md ("The slot and the node"), driven
through :class:`refimpl.consensus.scp.slot.Slot`; MobileCoin's unit is ``consensus/scp/src/
slot.rs`` (``propose_values``, ``handle_messages``, ``process_timeouts``).

Two kinds of vector file feed it:

* ``conformance/vectors/scp/*.json`` (tools/gen_vectors_scp.py): each test is one script with
  the expected answer of every step;
* ``conformance/vectors/scp-traces/*.ndjson``: simulator traces (docs/scp-interface.md,
  "Traces"); each honest node's slot becomes one script, its ``receive``/``propose``/``timeout``
  steps the inputs and the following ``send``/``externalize`` steps and states the expected
  answer (the trace records no timers, so those scripts ask only for ``accepted``, ``emitted``,
  ``externalized`` and ``state``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from refimpl.consensus.scp.msg import VARIANTS, Msg, Variant
from refimpl.consensus.scp.slot import TIMER_KINDS, Slot, SlotOutput
from refimpl.consensus.scp.types import QuorumSet, Value, value_from_hex, values_json
from refimpl.errors import ConformanceError, ScpError
from refimpl.vectors.cases import Case, CaseList, build_case, case_id

KIND = "scp.node_script"
SCHEMA = "mcref-scp-node-script/1"
STEP_TYPES = ("propose", "receive", "timeout")
#: Every field a step answer can carry, in the order of docs/conformance.md.
STEP_FIELDS = ("accepted", "error", "emitted", "externalized", "timers", "state", "leaders")
#: The keys of a test that form the script (the file header gives the variant).
SCRIPT_KEYS = ("node", "slotIndex", "quorumSet", "invalidValues", "valueCap", "steps")
#: What a trace-derived script can check: a trace records no timers and no leaders.
TRACE_FIELDS = ("accepted", "emitted", "externalized", "state")

#: Called after each step with (step input, slot, answer); the generator classifies rules here.
Observer = Callable[[dict[str, Any], Slot, dict[str, Any]], None]


def _bad(message: str) -> ConformanceError:
    return ConformanceError("conformance.bad_case_input", message)


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in obj:
        raise _bad(f"missing field {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _bad(f"field {name!r} has the wrong type")
    return value


def _hex_values(items: Any, name: str) -> list[Value]:
    if not isinstance(items, list):
        raise _bad(f"field {name!r} must be a list of hex strings")
    try:
        return [value_from_hex(v) for v in items]
    except ScpError as exc:
        raise _bad(f"field {name!r}: {exc.message}") from None


def combine_capped(cap: int) -> Callable[[Sequence[Value]], tuple[Value, ...]]:
    """The script's combine function: the sorted union of the candidates, the ``cap``
    smallest kept (MobileCoin's test combine functions; refimpl/consensus/sim/actors.py)."""

    def combine(values: Sequence[Value]) -> tuple[Value, ...]:
        return tuple(sorted(set(values))[:cap])

    return combine


def new_slot(script: dict[str, Any]) -> Slot:
    """The slot a script drives (``scp.config_*`` / ``scp.msg_bad_json`` for a bad quorum
    set, ``scp.config_bad_variant`` for an unknown variant)."""
    node = _field(script, "node", str)
    slot_index = _field(script, "slotIndex", int)
    variant = _field(script, "variant", str)
    if variant not in VARIANTS:
        raise ScpError("scp.config_bad_variant", f"unknown variant {variant!r}")
    invalid = frozenset(_hex_values(script.get("invalidValues", []), "invalidValues"))
    cap = script.get("valueCap", 100)
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        raise _bad("valueCap must be a positive integer")
    qset = QuorumSet.from_json(_field(script, "quorumSet", dict))
    checked: Variant = "correct" if variant == "correct" else "mobilecoin"
    return Slot(slot_index, node, qset, lambda v: v not in invalid, combine_capped(cap), checked)


def _timers(timers: dict[str, int | None]) -> dict[str, int | None]:
    return {kind: timers.get(kind) for kind in TIMER_KINDS}


def _answer(slot: Slot, out: SlotOutput | None, accepted: bool) -> dict[str, Any]:
    message = None if out is None or out.message is None else out.message.to_json()
    externalized = None if out is None or out.externalized is None else values_json(
        out.externalized)
    return {
        "accepted": accepted,
        "emitted": message,
        "externalized": externalized,
        "timers": _timers(slot.timers),
        "state": dict(slot.state()),
        "leaders": sorted(slot.leaders),
    }


def run_step(slot: Slot, step: Any) -> dict[str, Any]:
    """Apply one script input to ``slot`` and return the full step answer.

    An input the node must refuse (a message whose JSON is malformed, ``scp.msg_bad_json``, or
    that violates MobileCoin's ``Msg::validate``, ``scp.msg_invalid``; an unknown timer,
    ``scp.bad_timer``) leaves the slot unchanged and answers with ``error`` set."""
    if not isinstance(step, dict):
        raise _bad("a step must be an object")
    kind = _field(step, "type", str)
    now = _field(step, "timeMs", int)
    try:
        if kind == "propose":
            values = _hex_values(step.get("values"), "values")
            out = slot.propose_values(values, now)
        elif kind == "receive":
            if "msg" not in step:
                raise _bad("a receive step needs msg")
            out = slot.handle_messages([Msg.from_json(step["msg"])], now)
        elif kind == "timeout":
            out = slot.handle_timeout(_field(step, "timer", str), now)
        else:
            raise _bad(f"unknown step type {kind!r}; expected one of {', '.join(STEP_TYPES)}")
    except ScpError as exc:
        answer = _answer(slot, None, False)
        answer["error"] = exc.code
        return answer
    return _answer(slot, out, any(s["event"] == kind for s in out.steps))


def node_script(script: dict[str, Any], observer: Observer | None = None) -> dict[str, Any]:
    """The operation ``scp.node_script``: ``{"steps": [answer, ...]}``, one answer per input.

    ``report`` (optional) names the step fields to answer (default: all of
    :data:`STEP_FIELDS`); ``error`` appears only on a refused input."""
    if not isinstance(script, dict):
        raise _bad("a script must be an object")
    report = script.get("report", list(STEP_FIELDS))
    if not isinstance(report, list) or not set(report) <= set(STEP_FIELDS):
        raise _bad(f"report must list fields among {', '.join(STEP_FIELDS)}")
    steps = _field(script, "steps", list)
    slot = new_slot(script)
    answers = []
    for step in steps:
        full = run_step(slot, step)
        if observer is not None:
            observer(step, slot, full)
        answers.append({k: v for k, v in full.items() if k in report})
    return {"steps": answers}


# --- case sources ------------------------------------------------------------------------------


def script_cases(path: Path, rel: str) -> CaseList:
    """The cases of a ``conformance/vectors/scp/*.json`` file: one per test. Structural checks:
    the schema name, ``numberOfTests``, unique tcIds, and that the tests' ``rules`` lists use
    only names of the file's ``rules`` table."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ConformanceError("conformance.bad_vector_file", f"{rel}: not a {SCHEMA} file")
    tests = doc["tests"]
    cases = CaseList()
    cases.check("numberOfTests", doc["numberOfTests"] == len(tests),
                f"numberOfTests {doc['numberOfTests']}, {len(tests)} tests")
    ids = [t.get("tcId") for t in tests]
    cases.check("tcId", len(set(ids)) == len(ids), "tcIds repeat")
    named = {r for t in tests for r in t.get("rules", [])}
    cases.check("rules", named <= set(doc["rules"]),
                f"rules not in the table: {sorted(named - set(doc['rules']))}")
    for test in tests:
        def build(test: dict[str, Any] = test) -> tuple[dict[str, Any], dict[str, Any]]:
            script = {k: test[k] for k in SCRIPT_KEYS if k in test}
            script["variant"] = doc["variant"]
            return script, test["expected"]

        cases.append(build_case(rel, test.get("tcId"), KIND, build))
    return cases


def trace_scripts(lines: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any],
                                                                  dict[str, Any]]]:
    """(label, script, expected) for every honest (node, slot) of a simulator trace.

    Each ``propose``/``receive``/``timeout`` step of the node's slot starts a script step; the
    ``send`` and ``externalize`` steps that follow it (same node and slot) are its emitted
    message and externalized values; the state is the last state recorded for that input. A
    message the node dropped, a proposal it ignored or a timer that did not fire leaves no step
    in a trace, so every trace-derived step is ``accepted``."""
    header = lines[0]
    if header.get("kind") != "header":
        raise ConformanceError("conformance.bad_vector_file", "a trace starts with its header")
    byzantine = set(header.get("byzantine", []))
    groups: dict[tuple[str, int], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for line in lines[1:]:
        if line.get("kind") != "step" or line.get("byzantine") or line["node"] in byzantine:
            continue
        key = (line["node"], line["slot"])
        event = line["event"]
        if event in STEP_TYPES:
            step: dict[str, Any] = {"type": event, "timeMs": line["time_ms"]}
            if event == "propose":
                step["values"] = line["args"]["values"]
            elif event == "receive":
                step["msg"] = line["args"]["msg"]
            else:
                step["timer"] = line["args"]["timer"]
            expected = {"accepted": True, "emitted": None, "externalized": None,
                        "state": line["state"]}
            groups.setdefault(key, []).append((step, expected))
        else:
            _, expected = groups[key][-1]
            expected["state"] = line["state"]
            if event == "send":
                expected["emitted"] = line["args"]["msg"]
            elif event == "externalize":
                expected["externalized"] = line["args"]["values"]
    out = []
    for (node, slot_index), pairs in sorted(groups.items()):
        script = {"node": node, "slotIndex": slot_index, "variant": header["variant"],
                  "quorumSet": header["nodes"][node], "report": list(TRACE_FIELDS),
                  "valueCap": header.get("config", {}).get("value_cap", 100),
                  "steps": [s for s, _ in pairs]}
        out.append((f"{node}/slot{slot_index}", script, {"steps": [e for _, e in pairs]}))
    return out


def trace_cases(path: Path, rel: str) -> CaseList:
    """The cases of a ``conformance/vectors/scp-traces/*.ndjson`` trace: one per honest node
    and slot (ids ``<rel>#<node>/slot<index>``); structural check: the verdict line is last."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    cases = CaseList()
    cases.check("verdict", bool(lines) and lines[-1].get("kind") == "verdict",
                "the last line is not the verdict")
    for label, script, expected in trace_scripts(lines):
        cases.append(Case(case_id(rel, label), KIND, script, expected))
    return cases
