"""The step model (:mod:`refimpl.formal.steps`) of a simulator or network trace.

Reads the ndjson traces of ``mcref scp simulate --trace`` and ``mcref trace merge``
(docs/scp-interface.md "Traces"; written by refimpl/consensus/sim/trace.py): every ``step`` line
becomes a step named by its event and the SCP.tla actions its change of state shows
(``Receive(n2, n0) NOM X{v1} Y{} + VoteNominate(n2, v1)``), a ``receive`` is an arrow from the
message's sender (``sent_at`` is the step of the matching ``send``), and the node's state after
the step gives the per-node diffs and summaries.  Values (hex) are named v1, v2, ... in order of
first appearance, with a legend.  A malformed trace raises ``formal.bad_trace``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from refimpl.errors import FormalError
from refimpl.formal import scp_view
from refimpl.formal.scp_view import NodeView
from refimpl.formal.steps import Arrow, Step, StepModel, node_changes, scp_summaries
from refimpl.formal.tla_value import Json


class ValueNames:
    """v1, v2, ... for the hex values of a trace, in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, value: Json) -> str:
        key = str(value)
        if key not in self.names:
            self.names[key] = f"v{len(self.names) + 1}"
        return self.names[key]

    def legend(self) -> dict[str, str]:
        return {name: value for value, name in self.names.items()}


def _bad(message: str) -> FormalError:
    return FormalError("formal.bad_trace", message)


def _event_action(event: str, node: str, args: Mapping[str, Any], names: ValueNames,
                  msg: scp_view.MsgView | None, byzantine: bool) -> str:
    """``Receive(n1, n0) NOM X{v1} Y{}``, ``send(n0) PREP ...``, ``propose(n0) {v1}``,
    ``timeout(n0, ballot)``, ``externalize(n0) {v1}``."""
    if event == "receive" and msg is not None:
        sender = args["msg"].get("sender", "?")
        return f"Receive({node}, {sender}) {scp_view.message_label(msg, short=True)}"
    if event == "send" and msg is not None:
        return f"{'ByzantineSend' if byzantine else 'send'}({node}) " \
               f"{scp_view.message_label(msg, qset=byzantine)}"
    if event in ("propose", "externalize"):
        values = args.get("values")
        shown = [names(v) for v in values] if isinstance(values, list) else []
        return f"{event}({node}) {scp_view.show_values(shown)}"
    if event == "timeout":
        return f"timeout({node}, {args.get('timer', '?')})"
    return f"{event}({node})"


def steps_from_trace(objects: Iterable[Mapping[str, Any]], slot: int | None = None) -> StepModel:
    """The step model of a trace's steps (of ``slot`` only, when given)."""
    objects = list(objects)
    if not objects or objects[0].get("kind") != "header":
        raise _bad("the first line is not a trace header")
    header = objects[0]
    node_sets = header.get("nodes")
    if not isinstance(node_sets, dict):
        raise _bad("the header has no 'nodes' object")
    byzantine = tuple(sorted(str(n) for n in header.get("byzantine") or ()))
    honest = tuple(sorted(str(n) for n in node_sets if str(n) not in byzantine))
    lines = [o for o in objects if o.get("kind") == "step"]
    slots = sorted({o["slot"] for o in lines if isinstance(o.get("slot"), int)})
    if slot is not None and slot not in slots:
        raise _bad(f"the trace has no step of slot {slot} (slots: {slots or 'none'})")
    names = ValueNames()
    views: dict[tuple[str, int], NodeView] = {}
    sent: dict[tuple[str, str], int] = {}
    steps: list[Step] = []
    for obj in lines:
        if slot is not None and obj.get("slot") != slot:
            continue
        node, event, args = obj.get("node"), obj.get("event"), obj.get("args")
        step_slot = obj.get("slot")
        if not isinstance(node, str) or not isinstance(event, str) or not isinstance(args, dict) \
                or not isinstance(step_slot, int):
            raise _bad(f"step seq={obj.get('seq')}: missing node, event, slot or args")
        if node not in honest and node not in byzantine:
            raise _bad(f"step seq={obj.get('seq')}: node {node!r} is not in the header")
        index = len(steps) + 1
        raw_msg = args.get("msg")
        msg = scp_view.message_from_trace(raw_msg, names) if isinstance(raw_msg, dict) else None
        actions = [_event_action(event, node, args, names, msg, node in byzantine)]
        changes = []
        arrows = []
        if event == "receive":
            sender = raw_msg.get("sender") if isinstance(raw_msg, dict) else None
            if not isinstance(raw_msg, dict) or msg is None or not isinstance(sender, str) \
                    or (sender not in honest and sender not in byzantine):
                raise _bad(f"step seq={obj.get('seq')}: a receive without a message from a "
                           "node of the header")
            arrows.append(Arrow(sender, node, scp_view.message_label(msg, short=True),
                                byzantine=sender in byzantine,
                                sent_at=sent.get((sender, json.dumps(raw_msg, sort_keys=True)))))
        if event == "send" and isinstance(raw_msg, dict):
            sent[(node, json.dumps(raw_msg, sort_keys=True))] = index
        state = obj.get("state")
        if node not in byzantine and isinstance(state, dict) and state:
            before = views.get((node, step_slot), NodeView())
            after = scp_view.view_from(state, names)
            views[(node, step_slot)] = after
            changes = node_changes(node, before, after)
            actions += scp_view.infer_actions(node, before, after)
        current = {n: views.get((n, step_slot), NodeView()) for n in honest}
        steps.append(Step(
            index=index, action=" + ".join(actions), actor=None if arrows else node,
            changes=tuple(changes),
            state={n: {var: scp_view.var_json(v, var) for var in scp_view.NODE_VARS}
                   for n, v in current.items()},
            summary=scp_summaries(current), arrows=tuple(arrows),
            extra={"seq": obj.get("seq"), "slot": step_slot, "time_ms": obj.get("time_ms"),
                   "node": node, "event": event}))
    return StepModel(kind="scp", nodes=honest + byzantine, byzantine=byzantine,
                     steps=tuple(steps), legend=names.legend())
