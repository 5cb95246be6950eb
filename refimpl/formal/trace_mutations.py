"""Known-bad SCP traces: forgeries of a good trace that both trace checkers must reject at the
forged step (TraceSCP under TLC, :mod:`refimpl.formal.trace_validate`; Z3,
:mod:`refimpl.formal.z3trace`; guards listed in spec/scp/README.md "Trace validation").

Each mutation takes a parsed good trace (docs/scp-interface.md "Traces") and a slot and returns
the forged trace and the ``seq`` at which it must be rejected, or None when the trace has no step
to forge. Forged steps stay coherent with the rest of the trace where the kind allows (the
forged state passes every guard but the one the kind is about). :func:`truncate` cuts a forged
trace just after its forged step and rewrites the verdict line to match the steps kept, so the
corpus (tests/spec/traces/bad/) stays short. The corpus is
made by ``tools/gen_trace_corpus.py`` from the kit's good traces.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from refimpl.consensus.scp.types import QuorumSet
from refimpl.formal.fbas_model import Fbas, blocks, largest_quorum_within
from refimpl.formal.trace_frame import expected_verdict

Trace = list[dict[str, Any]]
Step = dict[str, Any]
Mutation = Callable[[Trace, int], "tuple[Trace, int] | None"]

#: a value no simulated node proposes (values are random lowercase hex of other lengths)
FOREIGN_VALUE = "ff" * 12
_INFINITE = 2**31


def _steps(trace: Trace, slot: int | None = None) -> list[Step]:
    """The honest step lines (of ``slot`` if given), in file order."""
    byzantine = set(trace[0].get("byzantine") or [])
    return [o for o in trace if o.get("kind") == "step" and (slot is None or o["slot"] == slot)
            and not o.get("byzantine") and o["node"] not in byzantine]


def _forge_first(trace: Trace, slot: int, match: Callable[[Step], bool],
                 change: Callable[[Step], None]) -> tuple[Trace, int] | None:
    """A copy of the trace with ``change`` made to the first honest step of ``slot`` that
    ``match``es, and that step's seq."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        if match(step):
            change(step)
            return mutated, step["seq"]
    return None


def _is(event: str) -> Callable[[Step], bool]:
    return lambda step: bool(step["event"] == event)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _renumber(trace: Trace) -> Trace:
    seq = 0
    for line in trace:
        if line.get("kind") == "step":
            line["seq"] = seq
            seq += 1
    return trace


def _with_verdict(trace: Trace) -> Trace:
    """The trace with its verdict line rewritten to match its steps."""
    steps = [o for o in trace if o.get("kind") == "step"]
    verdict = next((o for o in trace if o.get("kind") == "verdict"), {"kind": "verdict"})
    return [trace[0], *steps, {**verdict, **expected_verdict(trace[0], steps)}]


def truncate(trace: Trace, seq: int) -> Trace:
    """The trace up to the first step line numbered ``seq`` before the verdict line, with a
    verdict matching those steps; unchanged when no such step line exists (frame forgeries)."""
    for position, line in enumerate(trace):
        if line.get("kind") == "verdict":
            return trace
        if line.get("kind") == "step" and line.get("seq") == seq:
            verdicts = [o for o in trace if o.get("kind") == "verdict"]
            return _with_verdict(trace[:position + 1] + verdicts[:1])
    return trace


# --- the review's forgeries (issue 15) ---------------------------------------------------------


def drop_message(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Remove the first honest send whose message is received later (later steps renumbered);
    the receive fails."""
    trace = copy.deepcopy(trace)
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
                return _renumber([o for o in trace if o is not send]), later["seq"]
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
    return _forge_first(
        trace, slot,
        lambda step: step["event"] == "receive" and step["state"]["phase"] == "NOMINATE_PREPARE",
        lambda step: step["state"].update(X=sorted(set(step["state"]["X"]) | {FOREIGN_VALUE})))


def commit_without_quorum(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The first node to confirm a ballot prepared enters COMMIT for it at once: only its own
    commit vote exists, no quorum votes, no blocking set accepts (AcceptCommit)."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        st = step["state"]
        if step["event"] == "receive" and st["phase"] == "PREPARE":
            ballot = dict(st["B"])
            st.update(phase="COMMIT", P=ballot, PP=None, H=ballot, C=ballot)
            return mutated, step["seq"]
    return None


def accept_without_support(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A node accepts (Y) the value it just proposed, with nobody else voting for it."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        st = step["state"]
        if step["event"] == "propose" and st["X"] and not st["Y"]:
            value = st["X"][0]
            st["X"] = [v for v in st["X"] if v != value]
            st["Y"] = [value]
            return mutated, step["seq"]
    return None


def unconfirmed_h(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Where a node first confirms a ballot prepared, it claims H five counters higher: no
    quorum accepted that ballot (ConfirmPrepare)."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        st = step["state"]
        if st["H"] is not None and st["phase"] == "PREPARE":
            st["H"] = {**st["H"], "counter": st["H"]["counter"] + 5}
            if st["C"] is not None:
                st["C"] = None
            return mutated, step["seq"]
    return None


def send_other_slot(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """An honest send whose message carries another slot's index."""
    return _forge_first(trace, slot, _is("send"),
                        lambda step: step["args"]["msg"].update(slot_index=slot + 1))


def _other_qset(step: Step) -> None:
    """The step's message advertises the same members with another threshold."""
    msg = step["args"]["msg"]
    threshold = msg["quorum_set"].get("threshold", 0)
    msg["quorum_set"] = {**msg["quorum_set"],
                         "threshold": threshold - 1 if threshold > 1 else threshold + 1}


def receive_never_sent(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A receive of a message from an honest node that no step sent: the real message with
    another quorum set advertised (unused for honest senders, so the receiver's state stays
    coherent)."""
    return _forge_first(trace, slot, _is("receive"), _other_qset)


def honest_qset_lie(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """An honest node's message advertises a quorum set other than its configured one."""
    return _forge_first(trace, slot, _is("send"), _other_qset)


def seq_gap(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Step numbers skip one in the middle of the trace (every later seq raised by one)."""
    mutated = copy.deepcopy(trace)
    steps = [o for o in mutated if o.get("kind") == "step"]
    if len(steps) < 4:
        return None
    for step in steps[len(steps) // 2:]:
        step["seq"] += 1
    return mutated, steps[len(steps) // 2]["seq"]


def seq_reorder(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """Two adjacent step lines of different nodes swapped, their seq kept (out of order)."""
    mutated = copy.deepcopy(trace)
    for i in range(len(mutated) // 3, len(mutated) - 2):
        a, b = mutated[i], mutated[i + 1]
        if a.get("kind") == b.get("kind") == "step" and a["node"] != b["node"]:
            mutated[i], mutated[i + 1] = b, a
            return mutated, b["seq"]
    return None


def verdict_wrong(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The verdict line claims that one node externalized another value than it did."""
    mutated = copy.deepcopy(trace)
    verdict = mutated[-1]
    claimed = verdict.get("externalized") or {}
    for node in sorted(claimed):
        if claimed[node]:
            claimed[node] = ["00" * 32] + claimed[node][1:]
            return mutated, sum(1 for o in mutated if o.get("kind") == "step")
    return None


def verdict_disagreement(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The verdict line reports agreement the other way round."""
    mutated = copy.deepcopy(trace)
    mutated[-1]["agreement"] = not mutated[-1].get("agreement")
    return mutated, sum(1 for o in mutated if o.get("kind") == "step")


def verdict_missing(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The trace ends without its verdict line."""
    return ([o for o in trace if o.get("kind") != "verdict"],
            sum(1 for o in trace if o.get("kind") == "step"))


def after_verdict(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A step line follows the verdict line."""
    steps = [o for o in trace if o.get("kind") == "step"]
    extra = {**copy.deepcopy(steps[-1]), "seq": len(steps)}
    return [*copy.deepcopy(trace), extra], len(steps)


# --- further kinds -----------------------------------------------------------------------------


def externalize_without_quorum(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The first node to accept commit externalizes at once: no quorum accepted commit yet
    (ConfirmCommit)."""
    return _forge_first(trace, slot, lambda step: bool(step["state"]["phase"] == "COMMIT"),
                        lambda step: step["state"].update(phase="EXTERNALIZE"))


def externalized_h_raise(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """The first node to externalize raises H at its next receive with no quorum confirming
    the wider range (ExtendConfirmedCommit)."""
    mutated = copy.deepcopy(trace)
    done: set[str] = set()
    for step in _steps(mutated, slot):
        st = step["state"]
        if step["node"] in done and step["event"] == "receive" and st["H"]["counter"] < _INFINITE:
            st["H"] = {**st["H"], "counter": st["H"]["counter"] + 5}
            return mutated, step["seq"]
        if st["phase"] == "EXTERNALIZE" and not done:
            done.add(step["node"])
    return None


def y_shrinks(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A node drops a value it had accepted (Y) before confirming any."""
    mutated = copy.deepcopy(trace)
    steps = _steps(mutated, slot)
    before: dict[str, list[str]] = {}
    for step in steps:
        st = step["state"]
        held = before.get(step["node"], [])
        if held and step["event"] == "receive" and not st["Z"] and set(held) <= set(st["Y"]):
            st["Y"] = [v for v in st["Y"] if v != held[0]]
            return mutated, step["seq"]
        before[step["node"]] = st["Y"]
    return None


def phase_back(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A node in PREPARE goes back to NOMINATE_PREPARE."""
    mutated = copy.deepcopy(trace)
    seen: set[str] = set()
    for step in _steps(mutated, slot):
        if step["node"] in seen and step["event"] == "receive" and \
                step["state"]["phase"] == "PREPARE":
            step["state"]["phase"] = "NOMINATE_PREPARE"
            return mutated, step["seq"]
        if step["state"]["phase"] == "PREPARE":
            seen.add(step["node"])
    return None


def counter_decreases(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A node's ballot goes back to the zero ballot while it is still nominating."""
    mutated = copy.deepcopy(trace)
    seen: set[str] = set()
    for step in _steps(mutated, slot):
        st = step["state"]
        if step["node"] in seen and step["event"] == "receive" and \
                st["phase"] == "NOMINATE_PREPARE" and st["B"] is not None and st["P"] is None:
            st["B"] = None
            return mutated, step["seq"]
        if st["B"] is not None:
            seen.add(step["node"])
    return None


def pp_not_below_p(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """PP set equal to P (PP must be below P with another value: BallotStateOK)."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        if step["event"] == "receive" and step["state"]["P"] is not None and \
                step["state"]["phase"] != "COMMIT":
            step["state"]["PP"] = dict(step["state"]["P"])
            return mutated, step["seq"]
    return None


def msg_not_msgof(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A sent nomination message votes for a value its sender's state does not hold."""
    mutated = copy.deepcopy(trace)
    for step in _steps(mutated, slot):
        topic = step["args"].get("msg", {}).get("topic", {})
        if step["event"] == "send" and topic.get("type") == "Nominate":
            topic["X"] = sorted(set(topic["X"]) | {FOREIGN_VALUE})
            return mutated, step["seq"]
    return None


def byzantine_flag_on_honest(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """An honest node's send is marked Byzantine (so that nothing about it would be checked)."""
    return _forge_first(trace, slot, _is("send"), lambda step: step.update(byzantine=True))


def byzantine_as_honest(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A Byzantine node's send loses its flag: a Byzantine node has no honest steps."""
    mutated = copy.deepcopy(trace)
    for step in mutated:
        if step.get("kind") == "step" and step.get("byzantine") and step["slot"] == slot:
            del step["byzantine"]
            return mutated, step["seq"]
    return None


def receive_before_send(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A receive moved before the send of its message (the receiver has no step in between, so
    its states stay coherent); seqs renumbered."""
    mutated = copy.deepcopy(trace)
    for i, send in enumerate(mutated):
        if send.get("kind") != "step" or send["event"] != "send" or send["slot"] != slot:
            continue
        for j in range(i + 1, len(mutated)):
            later = mutated[j]
            if later.get("kind") != "step":
                break
            if later["event"] == "receive" and _same(later["args"]["msg"], send["args"]["msg"]):
                if all(o["node"] != later["node"] for o in mutated[i:j]):
                    seq = send["seq"]
                    moved = [*mutated[:i], later, *mutated[i:j], *mutated[j + 1:]]
                    return _renumber(moved), seq
                break
    return None


def mobilecoin_as_correct(trace: Trace, slot: int = 1) -> tuple[Trace, int] | None:
    """A mobilecoin-variant trace relabelled ``correct``: the first step where an honest node
    takes an infinite prepared ballot from a blocking set that shares only its value
    (docs/deviations.md#dev-scp-blocking-set-acceptance) is not federated voting."""
    if trace[0].get("variant") != "mobilecoin":
        return None
    mutated = copy.deepcopy(trace)
    mutated[0]["variant"] = "correct"
    qsets = {n: QuorumSet.from_json(q) for n, q in mutated[0]["nodes"].items()}
    stored: dict[str, dict[str, dict[str, Any]]] = {}
    for step in _steps(mutated):
        if step["event"] == "receive" and step["slot"] == slot:
            msg = step["args"]["msg"]
            stored.setdefault(step["node"], {})[msg["sender"]] = msg["topic"]
        p = step["state"]["P"]
        if p is not None and p["counter"] >= _INFINITE and step["event"] == "receive" and \
                step["state"]["phase"] in ("NOMINATE_PREPARE", "PREPARE") and \
                not _federated_infinite(step["node"], p["values"], stored.get(step["node"], {}),
                                        qsets):
            return mutated, step["seq"]
    return None


def _federated_infinite(node: str, values: list[str], stored: dict[str, dict[str, Any]],
                        qsets: dict[str, QuorumSet]) -> bool:
    """Whether federated voting justifies prepare ⟨∞, values⟩ at ``node`` from the messages it
    received (any received, an over-estimate): ``node`` and the senders voting or accepting it
    (SCP.tla ``PrepVoteOrAccept``, the local vote presumed as TraceSCP does) form a quorum, or
    the senders accepting it (``PrepAccepted``) block ``node``. Then relabelling the trace
    ``correct`` forges nothing at that step."""
    def infinite(prepare: dict[str, Any], keys: tuple[str, ...]) -> bool:
        return any(prepare.get(k) is not None and prepare[k]["counter"] >= _INFINITE
                   and prepare[k]["values"] == values for k in keys)

    def votes(topic: dict[str, Any]) -> bool:
        if topic.get("type") in ("Externalize", "Commit"):
            return bool(topic["C" if topic["type"] == "Externalize" else "B"]["values"] == values)
        return infinite(topic.get("prepare", topic), ("B", "P", "PP"))

    def accepts(topic: dict[str, Any]) -> bool:
        if topic.get("type") == "Externalize":
            return bool(topic["C"]["values"] == values)
        return topic.get("type") != "Commit" and infinite(topic.get("prepare", topic), ("P", "PP"))

    if blocks({sender for sender, topic in stored.items() if accepts(topic)}, qsets[node]):
        return True
    voters = {node} | {sender for sender, topic in stored.items() if votes(topic)}
    return node in largest_quorum_within(Fbas.from_mapping(qsets), voters)


MUTATIONS: dict[str, Mutation] = {
    "dropped_message": drop_message,
    "changed_counter": change_counter,
    "foreign_value": foreign_value,
    "commit_without_quorum": commit_without_quorum,
    "accept_without_support": accept_without_support,
    "unconfirmed_h": unconfirmed_h,
    "send_other_slot": send_other_slot,
    "receive_never_sent": receive_never_sent,
    "honest_qset_lie": honest_qset_lie,
    "seq_gap": seq_gap,
    "seq_reorder": seq_reorder,
    "verdict_wrong": verdict_wrong,
    "verdict_disagreement": verdict_disagreement,
    "verdict_missing": verdict_missing,
    "after_verdict": after_verdict,
    "externalize_without_quorum": externalize_without_quorum,
    "externalized_h_raise": externalized_h_raise,
    "y_shrinks": y_shrinks,
    "phase_back": phase_back,
    "counter_decreases": counter_decreases,
    "pp_not_below_p": pp_not_below_p,
    "msg_not_msgof": msg_not_msgof,
    "byzantine_flag_on_honest": byzantine_flag_on_honest,
    "byzantine_as_honest": byzantine_as_honest,
    "receive_before_send": receive_before_send,
    "mobilecoin_as_correct": mobilecoin_as_correct,
}


def dumps(trace: Trace) -> str:
    """The canonical ndjson form (as refimpl/consensus/sim/trace.py writes it)."""
    return "".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in trace)
