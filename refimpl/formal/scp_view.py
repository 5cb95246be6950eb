"""An SCP node's state and messages as a person reads them, from TLC states or from traces.

Both sources are normalised to :class:`NodeView` (the spec variables of spec/scp/SCP.tla, which
are the Python core's names, docs/scp-interface.md) and to message dicts of SCP.tla's shape
(``type`` NOM / NOMPREP / PREP / COMMIT / EXT, ``X``, ``Y``, ``B``, ``P``, ``PP``, ``CN``, ``HN``,
``PN``; MobileCoin's consensus/scp/src/msg.rs topics).  Ballots print as ``⟨n,{values}⟩``, the
null ballot (SCP.tla's ``NullB``, MobileCoin's zero ballot) as ``⊥`` and MobileCoin's INFINITY
counter as ``∞``.  :func:`infer_actions` names the SCP.tla actions that explain one node's
change of state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from refimpl.formal.tla_value import Json

Ballot = tuple[int, tuple[str, ...]]

#: The node variables of SCP.tla, in the order they are shown.
NODE_VARS = ("phase", "W", "X", "Y", "Z", "B", "P", "PP", "H", "C")
SET_VARS = ("W", "X", "Y", "Z")
BALLOT_VARS = ("B", "P", "PP", "H", "C")
PHASE_SHORT = {"NOMINATE_PREPARE": "NOM", "PREPARE": "PREP", "COMMIT": "COMMIT",
               "EXTERNALIZE": "EXT"}
#: The action operators of SCP.tla (a TLC state label naming one of them is used as is).
SCP_ACTIONS = frozenset({
    "Receive", "ByzantineSend", "Propose", "VoteNominate", "AcceptNominate", "ConfirmNominate",
    "AcceptPrepare", "ConfirmPrepare", "VoteCommit", "AcceptCommit", "ConfirmCommit", "Bump",
})
INFINITY_MIN = 2**31 - 1  # TLC's largest integer stands for MobileCoin's u32::MAX


@attrs.frozen
class NodeView:
    """One honest node's slot state: phase, value sets W X Y Z and ballots B P PP H C."""

    phase: str = "NOMINATE_PREPARE"
    W: tuple[str, ...] = ()
    X: tuple[str, ...] = ()
    Y: tuple[str, ...] = ()
    Z: tuple[str, ...] = ()
    B: Ballot | None = None
    P: Ballot | None = None
    PP: Ballot | None = None
    H: Ballot | None = None
    C: Ballot | None = None

    def get(self, var: str) -> object:
        return getattr(self, var)

    def values(self, var: str) -> tuple[str, ...]:
        found: tuple[str, ...] = getattr(self, var)
        return found

    def ballot(self, var: str) -> Ballot | None:
        found: Ballot | None = getattr(self, var)
        return found


def show_values(values: Sequence[str]) -> str:
    return "{" + ",".join(values) + "}"


def show_ballot(ballot: Ballot | None) -> str:
    if ballot is None:
        return "⊥"
    counter = "∞" if ballot[0] >= INFINITY_MIN else str(ballot[0])
    return f"⟨{counter},{show_values(ballot[1])}⟩"


def show_var(view: NodeView, var: str) -> str:
    if var == "phase":
        return view.phase
    if var in SET_VARS:
        return show_values(view.values(var))
    return show_ballot(view.ballot(var))


def var_json(view: NodeView, var: str) -> Json:
    if var == "phase":
        return view.phase
    if var in SET_VARS:
        return list(view.values(var))
    ballot = view.ballot(var)
    return None if ballot is None else {"n": ballot[0], "x": list(ballot[1])}


def summary(view: NodeView) -> dict[str, Json]:
    """The per-node summary of a step: phase, B, P, H, C and the externalized value."""
    out: dict[str, Json] = {"phase": view.phase}
    for var in ("B", "P", "H", "C"):
        out[var] = show_var(view, var)
    out["externalized"] = (show_values(view.C[1]) if view.phase == "EXTERNALIZE" and view.C
                           else None)
    return out


def summary_text(node: str, summary_: Mapping[str, Json]) -> str:
    """``n1 PREP B⟨1,{1}⟩ P⟨1,{1}⟩ H⊥ C⊥`` (``⇒ {1}`` once externalized), from :func:`summary`."""
    phase = str(summary_.get("phase"))
    text = (f"{node} {PHASE_SHORT.get(phase, phase)} B{summary_.get('B')} P{summary_.get('P')} "
            f"H{summary_.get('H')} C{summary_.get('C')}")
    if summary_.get("externalized"):
        text += f" ⇒ {summary_['externalized']}"
    return text


Namer = Callable[[Json], str]


def _ballot_from(value: Json, name: Namer) -> Ballot | None:
    """A TLC ballot record ``{n, x}`` or a trace ballot ``{counter, values}`` (null = ⊥)."""
    if not isinstance(value, dict):
        return None
    counter = value.get("n", value.get("counter", 0))
    raw = value.get("x", value.get("values", []))
    values = tuple(name(v) for v in raw) if isinstance(raw, list) else ()
    if not isinstance(counter, int) or (counter == 0 and not values):
        return None
    return (counter, values)


def _values_from(value: Json, name: Namer) -> tuple[str, ...]:
    return tuple(name(v) for v in value) if isinstance(value, list) else ()


def view_from(fields: Mapping[str, Json], name: Namer) -> NodeView:
    """A NodeView from one node's variables (TLC: ``{var: value of var[n]}``; traces: the
    step's ``state`` object)."""
    phase = fields.get("phase")
    def values(var: str) -> tuple[str, ...]:
        return _values_from(fields.get(var), name)

    def ballot(var: str) -> Ballot | None:
        return _ballot_from(fields.get(var), name)

    return NodeView(phase=phase if isinstance(phase, str) else "NOMINATE_PREPARE",
                    W=values("W"), X=values("X"), Y=values("Y"), Z=values("Z"), B=ballot("B"),
                    P=ballot("P"), PP=ballot("PP"), H=ballot("H"), C=ballot("C"))


@attrs.frozen
class MsgView:
    """A message in SCP.tla's shape (for EXT, ``B`` is the externalized ballot C)."""

    type: str
    X: tuple[str, ...] = ()
    Y: tuple[str, ...] = ()
    B: Ballot | None = None
    P: Ballot | None = None
    PP: Ballot | None = None
    CN: int = 0
    HN: int = 0
    PN: int = 0
    q: str | None = None  # the quorum set the message advertises (``t/{members}``), if any


def show_qset(qset: Json) -> str | None:
    """SCP.tla's ``[t, v, i]`` or a trace's ``{threshold, members}`` (inner sets as members) as
    ``2/{n1,n2,1/{a,b}}``; None for SCP.tla's NoQSet (t = 0) or a malformed one."""
    if not isinstance(qset, dict):
        return None
    threshold = qset.get("t", qset.get("threshold"))
    members = qset.get("v", qset.get("members"))
    inner = qset.get("i") or []
    if not isinstance(threshold, int) or threshold == 0 or not isinstance(members, list) \
            or not isinstance(inner, list):
        return None
    parts = [show_qset(m) or "?" if isinstance(m, dict) else str(m) for m in members]
    parts += [show_qset(q) or "?" for q in inner]
    return f"{threshold}/{{{','.join(parts)}}}"


_TOPIC_TYPES = {"Nominate": "NOM", "NominatePrepare": "NOMPREP", "Prepare": "PREP",
                "Commit": "COMMIT", "Externalize": "EXT"}


def _int(value: Json) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _msg_view(kind: str, nominate: Mapping[str, Json], prepare: Mapping[str, Json],
              ballot: Json, name: Namer, qset: Json) -> MsgView:
    return MsgView(type=kind, q=show_qset(qset), X=_values_from(nominate.get("X"), name),
                   Y=_values_from(nominate.get("Y"), name), B=_ballot_from(ballot, name),
                   P=_ballot_from(prepare.get("P"), name), PP=_ballot_from(prepare.get("PP"), name),
                   CN=_int(prepare.get("CN")), HN=_int(prepare.get("HN")),
                   PN=_int(prepare.get("PN")))


def message_from_trace(msg: Mapping[str, Json], name: Namer) -> MsgView:
    """A trace's Msg JSON (docs/scp-interface.md; msg.rs topics) as a :class:`MsgView`."""
    topic = msg.get("topic")
    topic = topic if isinstance(topic, dict) else {}
    kind = _TOPIC_TYPES.get(str(topic.get("type")), str(topic.get("type")))
    nominate = topic.get("nominate") if kind == "NOMPREP" else topic
    prepare = topic.get("prepare") if kind == "NOMPREP" else topic
    nominate = nominate if isinstance(nominate, dict) else {}
    prepare = prepare if isinstance(prepare, dict) else {}
    ballot = prepare.get("C") if kind == "EXT" else prepare.get("B")
    return _msg_view(kind, nominate, prepare, ballot, name, msg.get("quorum_set"))


def message_from_tlc(msg: Json, name: Namer) -> MsgView:
    """An SCP.tla message record (a value of ``M[n][m]``) as a :class:`MsgView`."""
    fields = msg if isinstance(msg, dict) else {}
    return _msg_view(str(fields.get("type", "?")), fields, fields, fields.get("B"), name,
                     fields.get("q"))


def message_label(msg: MsgView, *, short: bool = False, qset: bool = False) -> str:
    """``PREP ⟨1,{1}⟩ P⟨1,{1}⟩ HN1`` (``short``: type and ballot only; ``qset``: with the
    advertised quorum set, as ``q=2/{n1,n2}``); ``—`` for no message."""
    if msg.type == "NONE":
        return "—"
    parts = [msg.type]
    if msg.type == "NOM" or (msg.type == "NOMPREP" and not short):
        parts.append(f"X{show_values(msg.X)} Y{show_values(msg.Y)}")
    if msg.type != "NOM":
        parts.append(show_ballot(msg.B))
        if not short:
            parts += [f"{field}{show_ballot(b)}" for field, b in (("P", msg.P), ("PP", msg.PP))
                      if b is not None]
            parts += [f"{field}{n}" for field, n in (("PN", msg.PN), ("CN", msg.CN),
                                                     ("HN", msg.HN)) if n]
    if qset and msg.q:
        parts.append(f"q={msg.q}")
    return " ".join(parts)


def _grew(before: NodeView, after: NodeView, var: str) -> list[str]:
    return [v for v in after.values(var) if v not in before.values(var)]


def infer_actions(node: str, before: NodeView, after: NodeView) -> list[str]:
    """The SCP.tla actions (with their arguments) that take ``node`` from ``before`` to ``after``.

    W grew: Propose; X grew: VoteNominate; Y grew: AcceptNominate; Z grew: ConfirmNominate;
    P/PP changed: AcceptPrepare; H changed in PREPARE: ConfirmPrepare; C set in PREPARE:
    VoteCommit; phase COMMIT (or C/H moved in COMMIT): AcceptCommit; EXTERNALIZE:
    ConfirmCommit; B alone: Bump.  Several at once (a trace step runs a whole
    handle_messages) are all listed, in protocol order.
    """
    changed = {v for v in NODE_VARS if before.get(v) != after.get(v)}
    explained: set[str] = set()
    names: list[str] = []

    def name(action: str, *vars_: str) -> None:
        names.append(action)
        explained.update(vars_)

    for value in _grew(before, after, "W"):
        name(f"Propose({node}, {value})", "W")
    for value in _grew(before, after, "X"):
        name(f"VoteNominate({node}, {value})", "X")
    for value in _grew(before, after, "Y"):
        name(f"AcceptNominate({node}, {value})", "Y", "X")
    for value in _grew(before, after, "Z"):
        name(f"ConfirmNominate({node}, {value})", "Z", "B")
    commit_move = ((after.phase == "COMMIT" and (before.phase != "COMMIT" or {"C", "H"} & changed))
                   or (after.phase == "EXTERNALIZE"
                       and before.phase not in ("COMMIT", "EXTERNALIZE")))
    if "P" in changed or "PP" in changed:
        if not commit_move:
            name(f"AcceptPrepare({node})", "P", "PP", "C")
    if ("H" in changed or before.phase == "NOMINATE_PREPARE") and after.phase == "PREPARE":
        name(f"ConfirmPrepare({node})", "H", "B", "phase")
    if "C" in changed and after.C is not None and after.phase == "PREPARE":
        name(f"VoteCommit({node})", "C")
    if commit_move:
        value = show_values(after.C[1]) if after.C else "?"
        name(f"AcceptCommit({node}, {value})", "phase", "B", "C", "H", "P", "PP")
    if after.phase == "EXTERNALIZE" and before.phase != "EXTERNALIZE":
        name(f"ConfirmCommit({node})", "phase", "C", "H")
    if "B" in changed and "B" not in explained and after.B is not None:
        name(f"Bump({node}, {after.B[0]})", "B")
    if changed - explained:
        names.append(f"{node}: " + ",".join(sorted(changed - explained)) + " changed")
    return names
