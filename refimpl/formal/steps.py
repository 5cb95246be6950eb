"""The step model of a behaviour: what each step did, what changed, and every node's summary.

A TLC counterexample (:func:`steps_from_tlc`) and a simulator or network trace
(:mod:`refimpl.formal.trace_steps`) both become a :class:`StepModel` that the text, JSON and HTML
renderers (:mod:`refimpl.formal.render`) print.  For SCP specs (spec/scp/SCP.tla: variables
phase, B, P, H, C, M, ...) a step is named by the SCP.tla action that explains it, its changes
are diffs per node (``n1: P ⊥ → ⟨1,{1}⟩``), a changed stored message ``M[n][m]`` is a delivered
message (an arrow from m to n), and each step carries a summary per node.  Other specs
(spec/attest) get the generic model: TLC's action name and the changed variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from refimpl.formal import scp_view
from refimpl.formal.scp_view import NODE_VARS, NodeView
from refimpl.formal.tla_value import (
    Json,
    TlaFunction,
    TlaRecord,
    TlaSet,
    TlaValue,
    format_tla,
    parse_tla,
    to_json,
)

if TYPE_CHECKING:
    from refimpl.formal.tlc import TlcState

#: Variables not shown as changes: SCP.tla's ``busy`` is a scheduling device, not node state.
HIDDEN_VARS = frozenset({"busy"})
_DIFF_DEPTH = 3  # levels of records / functions a change is followed into
_SCP_VARS = frozenset({"phase", "B", "P", "H", "C", "M"})
_LABEL = re.compile(r"^<(\S+)(?: line \d+, col \d+ to line \d+, col \d+ of module (\S+))?>$")


@attrs.frozen
class Change:
    """One changed location: ``path`` (variable, then node / key), values before and after
    (structured JSON; ``before`` is null in the initial state) and the line a person reads."""

    path: tuple[str, ...]
    before: Json
    after: Json
    text: str

    def to_json(self) -> dict[str, Json]:
        return {"path": list(self.path), "before": self.before, "after": self.after,
                "text": self.text}


@attrs.frozen
class Arrow:
    """A delivered message: from ``sender`` to ``receiver``, labelled by type and ballot.
    ``sent_at`` is the index of the step that sent it, when the source records sends."""

    sender: str
    receiver: str
    label: str
    byzantine: bool = False
    sent_at: int | None = None

    def to_json(self) -> dict[str, Json]:
        return {"from": self.sender, "to": self.receiver, "label": self.label,
                "byzantine": self.byzantine, "sent_at": self.sent_at}


@attrs.frozen
class Step:
    index: int
    action: str
    actor: str | None  # the node whose local action this is (a box on its lifeline)
    changes: tuple[Change, ...]
    state: Json
    summary: dict[str, dict[str, Json]]
    arrows: tuple[Arrow, ...] = ()
    extra: dict[str, Json] = attrs.field(factory=dict)  # e.g. seq, slot, time_ms of traces

    def to_json(self) -> dict[str, Json]:
        out: dict[str, Json] = {
            "index": self.index, "action": self.action, "actor": self.actor,
            "changes": [c.to_json() for c in self.changes], "state": self.state,
            "summary": dict(self.summary), "messages": [a.to_json() for a in self.arrows]}
        out.update(self.extra)
        return out


@attrs.frozen
class StepModel:
    kind: str  # "scp" | "generic"
    nodes: tuple[str, ...]  # the lifelines: honest nodes, then Byzantine ones
    byzantine: tuple[str, ...]
    steps: tuple[Step, ...]
    legend: dict[str, str] = attrs.field(factory=dict)  # short value name -> full value


def action_label(label: str) -> tuple[str, str | None]:
    """TLC 2.15's state label ``<Name line L, col C to ... of module M>`` -> (Name, M);
    ``<Initial predicate>`` -> ("Init", None)."""
    if label.strip() == "<Initial predicate>":
        return "Init", None
    match = _LABEL.match(label.strip())
    if match:
        return match.group(1), match.group(2)
    return label.strip() or "?", None


def _parse_vars(state: TlcState) -> dict[str, TlaValue]:
    return {name: parse_tla(text) for name, text in state.variables}


def resolve_lasso(states: Sequence[TlcState]) -> tuple[list[TlcState], dict[int, str]]:
    """A liveness counterexample's end as ordinary states, and a note per such state.

    TLC ends a lasso with ``N: Back to state: <Action ...>`` (message 2122: the action leads
    from the last state back to state N) or ``N: Stuttering`` (2218: state N repeats forever);
    the runner keeps them as states without variables.  Each becomes a step to a copy of state
    N, noted ``↺ back to state N`` or ``(state N repeats forever)``.
    """
    out: list[TlcState] = []
    notes: dict[int, str] = {}
    seen: dict[int, TlcState] = {}
    for state in states:
        if state.variables:
            out.append(state)
            seen.setdefault(state.index, state)
            continue
        target = seen.get(state.index)
        if target is None:
            continue
        text = state.action.strip()
        if text.startswith("Back to state"):
            label = text.partition(":")[2].strip() or "<Back to state>"
            notes[len(out)] = f"↺ back to state {state.index}"
        else:
            label = "Stuttering"
            notes[len(out)] = f"(state {state.index} repeats forever)"
        out.append(attrs.evolve(target, index=len(out) + 1, action=label))
    return out, notes


def steps_from_tlc(states: Sequence[TlcState]) -> StepModel:
    """The step model of a TLC counterexample (an SCP one when the spec has SCP.tla's
    variables); a liveness counterexample's loop is shown by :func:`resolve_lasso`."""
    resolved, notes = resolve_lasso(states)
    parsed = [_parse_vars(s) for s in resolved]
    if parsed and _SCP_VARS <= set(parsed[0]):
        model = _scp_steps(resolved, parsed)
    else:
        model = _generic_steps(resolved, parsed)
    if not notes:
        return model
    steps = tuple(attrs.evolve(step, action=f"{step.action} {notes[position]}")
                  if position in notes else step for position, step in enumerate(model.steps))
    return attrs.evolve(model, steps=steps)


# --- generic specs ---------------------------------------------------------------------------

def _keyed(value: TlaValue) -> dict[str, TlaValue] | None:
    if isinstance(value, TlaRecord):
        return dict(value.fields)
    if isinstance(value, TlaFunction):
        return {format_tla(k): v for k, v in value.pairs}
    return None


def _diff(path: tuple[str, ...], shown: str, before: TlaValue, after: TlaValue,
          depth: int) -> list[Change]:
    if before == after:
        return []
    old, new = _keyed(before), _keyed(after)
    if depth < _DIFF_DEPTH and old is not None and new is not None and old.keys() == new.keys():
        record = isinstance(after, TlaRecord)
        return [c for key in new
                for c in _diff((*path, key), f"{shown}.{key}" if record else f"{shown}[{key}]",
                               old[key], new[key], depth + 1)]
    if isinstance(before, TlaSet) and isinstance(after, TlaSet):
        moves = [f"+ {format_tla(v)}" for v in after.items if v not in before.items]
        moves += [f"− {format_tla(v)}" for v in before.items if v not in after.items]
        return [Change(path, to_json(before), to_json(after), f"{shown}: {', '.join(moves)}")]
    return [Change(path, to_json(before), to_json(after),
                   f"{shown}: {format_tla(before)} → {format_tla(after)}")]


def generic_changes(name: str, before: TlaValue | None, after: TlaValue) -> list[Change]:
    """The changes of one variable, down to the changed fields of records and functions with
    unchanged domains (``sess[<<"A", 1>>].st: "idle" → "ready"``); a set's change lists the
    elements added (+) and removed (−)."""
    if before is None:
        return [Change((name,), None, to_json(after), f"{name} = {format_tla(after)}")]
    return _diff((name,), name, before, after, 0)


def _generic_steps(states: Sequence[TlcState], parsed: list[dict[str, TlaValue]]) -> StepModel:
    steps: list[Step] = []
    previous: dict[str, TlaValue] = {}
    for state, values in zip(states, parsed, strict=True):
        changes = [c for name, value in values.items() if name not in HIDDEN_VARS
                   for c in generic_changes(name, previous.get(name), value)]
        steps.append(Step(index=state.index, action=action_label(state.action)[0], actor=None,
                          changes=tuple(changes),
                          state={k: to_json(v) for k, v in values.items()}, summary={}))
        previous = values
    return StepModel(kind="generic", nodes=(), byzantine=(), steps=tuple(steps))


# --- SCP specs -------------------------------------------------------------------------------

def _tlc_name(value: Json) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _node_fields(state: Mapping[str, Json], node: str) -> dict[str, Json]:
    """``{var: state[var][node]}`` for SCP.tla's node variables."""
    fields: dict[str, Json] = {}
    for var in NODE_VARS:
        per_node = state.get(var)
        if isinstance(per_node, dict) and node in per_node:
            fields[var] = per_node[node]
    return fields


def node_changes(node: str, before: NodeView, after: NodeView, *, initial: bool = False,
                 raw: tuple[Mapping[str, Json], Mapping[str, Json]] | None = None
                 ) -> list[Change]:
    """``n1: P ⊥ → ⟨1,{1}⟩`` for each node variable that changed (``initial``: ``n1: Y {1}``).

    The change's values are ``raw`` (the node's variables before and after, as the source
    holds them) when given, else the views' JSON (values by their short names)."""
    found = []
    for var in NODE_VARS:
        if before.get(var) == after.get(var):
            continue
        new = scp_view.show_var(after, var)
        text = (f"{node}: {var} {new}" if initial
                else f"{node}: {var} {scp_view.show_var(before, var)} → {new}")
        old_json, new_json = ((raw[0].get(var), raw[1].get(var)) if raw is not None
                              else (scp_view.var_json(before, var), scp_view.var_json(after, var)))
        found.append(Change((var, node), None if initial else old_json, new_json, text))
    return found


def _store(state: Mapping[str, Json]) -> dict[str, dict[str, Json]]:
    """SCP.tla's ``M``: receiver -> sender -> the latest message stored."""
    store = state.get("M")
    if not isinstance(store, dict):
        return {}
    return {node: row for node, row in store.items() if isinstance(row, dict)}


def scp_summaries(views: Mapping[str, NodeView]) -> dict[str, dict[str, Json]]:
    return {node: scp_view.summary(view) for node, view in views.items()}


def _scp_steps(states: Sequence[TlcState], parsed: list[dict[str, TlaValue]]) -> StepModel:
    json_states = [{k: to_json(v) for k, v in values.items()} for values in parsed]
    first = json_states[0]
    phase = first["phase"]
    honest = tuple(sorted(phase)) if isinstance(phase, dict) else ()
    store = _store(first)
    senders = {sender for row in store.values() for sender in row}
    byzantine = tuple(sorted(senders - set(honest)))
    blank = {node: NodeView() for node in honest}
    steps: list[Step] = []
    previous_state: dict[str, Json] = {}
    previous_views = blank
    previous_values: dict[str, TlaValue] = {}
    previous_fields: dict[str, dict[str, Json]] = {}
    last_change: dict[str, int] = {}  # node -> the step that last changed its state
    for position, (state, values, js) in enumerate(zip(states, parsed, json_states, strict=True)):
        initial = not previous_state
        fields = {node: _node_fields(js, node) for node in honest}
        views = {node: scp_view.view_from(fields[node], _tlc_name) for node in honest}
        changes: list[Change] = []
        arrows: list[Arrow] = []
        names: list[str] = []
        actors: list[str] = []
        for node in honest:
            node_diff = node_changes(node, previous_views[node], views[node], initial=initial,
                                     raw=(previous_fields.get(node, {}), fields[node]))
            changes += node_diff
            if node_diff and not initial:
                names += scp_view.infer_actions(node, previous_views[node], views[node])
                actors.append(node)
        old_store, new_store = _store(previous_state), _store(js)
        for node in honest:
            row, old_row = new_store.get(node, {}), old_store.get(node, {})
            for sender in sorted(row):
                if old_row.get(sender) == row[sender] and not initial:
                    continue
                msg = scp_view.message_from_tlc(row[sender], _tlc_name)
                if initial and msg.type == "NONE":
                    continue
                byz = sender in byzantine  # the quorum set only a Byzantine sender may forge
                label = scp_view.message_label(msg, qset=byz)
                changes.append(Change(("M", node, sender), old_row.get(sender), row[sender],
                                      f"{node} ← {sender}: {label}"))
                if not initial:  # an honest message is MsgOf(sender): sent when it last changed
                    arrows.append(Arrow(sender, node, scp_view.message_label(msg, short=True),
                                        byzantine=byz, sent_at=last_change.get(sender)))
                    names.append(f"{'ByzantineSend' if byz else 'Receive'}({node}, {sender})")
        for name, value in values.items():
            if name not in HIDDEN_VARS and name not in NODE_VARS and name != "M":
                changes += generic_changes(name, previous_values.get(name), value)
        for node in actors if not initial else honest:
            last_change[node] = position + 1
        label_name, _ = action_label(state.action)
        if initial:
            action = "Init"
        elif label_name in scp_view.SCP_ACTIONS:
            action = next((n for n in names if n.startswith(label_name + "(")), label_name)
        else:
            action = " + ".join(names) or label_name
        steps.append(Step(index=state.index, action=action,
                          actor=actors[0] if len(actors) == 1 and not arrows else None,
                          changes=tuple(changes), state=js, summary=scp_summaries(views),
                          arrows=tuple(arrows)))
        previous_state, previous_views, previous_values = js, views, values
        previous_fields = fields
    return StepModel(kind="scp", nodes=honest + byzantine, byzantine=byzantine,
                     steps=tuple(steps))
