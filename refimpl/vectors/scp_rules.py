"""The SCP rules a one-node script exercises, named and recognised from the slot's steps.

:data:`RULES` is the list every variant's vectors must cover (tests/conformance/
test_scp_vectors.py): each protocol step of WP §6.1–6.2 Fig. 17 (steps 1–9) and
draft-mazieres-dinrg-scp-05 §3.4–3.5, MobileCoin's ``consensus/scp/src/slot.rs`` (message
intake, ``do_nominate_phase``, ``do_prepare_phase``, ``do_commit_phase``,
``do_externalize_phase``, ``process_timeouts``, ``out_msg``), and the refusals of
``msg.rs`` ``Msg::validate``. :class:`RuleObserver` names the rules each step took by comparing the
slot before and after it, using the core's own quorum context for the v-blocking / quorum
distinction; tools/gen_vectors_scp.py records them in each test's ``rules``.
"""

from __future__ import annotations

from typing import Any

from refimpl.consensus.scp import ballot as bp
from refimpl.consensus.scp.msg import Commit, Externalize, Msg, topic_order_key
from refimpl.consensus.scp.slot import Slot
from refimpl.consensus.scp.types import Ballot, QuorumSet, Value

#: rule name -> what the step did (docs/conformance.md lists the same table).
RULES: dict[str, str] = {
    # message intake (slot.rs handle_messages; msg.rs Msg::validate)
    "intake.stored": "a valid, newer message from a peer is stored as its latest message",
    "intake.supersede": "a newer message replaces the peer's stored one",
    "intake.stale": "a message not newer than the peer's stored one is ignored",
    "intake.wrong_slot": "a message for another slot index is ignored",
    "intake.own_message": "a message carrying the node's own id as sender is ignored",
    "intake.invalid_value": "a message naming a value the application rejects is ignored",
    "intake.after_externalize": "a message is still stored after the slot externalized",
    "reject.msg_invalid": "a message breaking Msg::validate is refused (scp.msg_invalid)",
    "reject.msg_bad_json": "a message whose JSON form is malformed is refused (scp.msg_bad_json)",
    "reject.bad_value": "a ballot counter beyond 2^32-1 or unsorted ballot values are refused "
                        "(scp.bad_value)",
    "reject.bad_timer": "a timer kind other than nominate/ballot is refused (scp.bad_timer)",
    "byzantine.contradictory": "a peer that accepted commit of one value then sends another",
    # proposals and nomination (WP §6.1; slot.rs do_nominate_phase)
    "propose.taken": "a proposal is taken (NOMINATE_PREPARE phase, no confirmed nominee)",
    "propose.ignored": "a proposal after a nominee was confirmed (or later phases) is ignored",
    "propose.invalid_dropped": "a proposed value the application rejects is not voted",
    "nominate.vote.propose": "the node, a round leader, votes to nominate its proposed values",
    "nominate.vote.leader": "the node votes to nominate values a round leader nominated",
    "nominate.accept.quorum": "a value is accepted nominated: a quorum votes or accepts it",
    "nominate.accept.vblocking": "a value is accepted nominated: a v-blocking set accepts it",
    "nominate.confirm": "a value is confirmed nominated: a quorum accepts it (a candidate)",
    "nominate.timeout": "the nomination timer fires: a new round adds a leader",
    "ballot.start": "the first ballot <1, combine(candidates)> once a candidate exists",
    "candidates.combine": "the first ballot combines two or more candidates",
    # the ballot protocol (WP Fig. 17)
    "prepare.accept.quorum": "step 1: a ballot is accepted prepared by a quorum's votes",
    "prepare.accept.vblocking": "step 1: a ballot is accepted prepared via a v-blocking set",
    "prepare.accept.incompatible": "step 1: P' (PP) holds an accepted ballot incompatible with P",
    "prepare.confirm": "step 2: a ballot is confirmed prepared: H is set or raised",
    "commit.vote": "step 3: the node votes to commit (C is set)",
    "commit.vote.abort": "step 1/3: an accepted-prepared ballot aborts C, which is cleared",
    "commit.accept.quorum": "step 4: commit accepted by a quorum's votes (phase COMMIT)",
    "commit.accept.vblocking": "step 4: commit accepted via a v-blocking set (phase COMMIT)",
    "commit.accept.extend": "step 6: in COMMIT, the accepted-commit range [C.N, H.N] moves",
    "commit.confirm": "step 7: commit confirmed by a quorum: the slot externalizes",
    "externalize.raise_h": "in EXTERNALIZE, H.N rises with newly confirmed commits",
    "ballot.raise_to_h": "step 8: B is raised to the confirmed-prepared H",
    "ballot.bump.vblocking": "step 9: a v-blocking set is ahead: B.N jumps to its counter",
    "ballot.timeout": "the ballot timer fires: B.N + 1",
    # timers
    "timer.nominate.arm": "the nomination timer is armed",
    "timer.nominate.cancel": "the nomination timer is cancelled (the ballot protocol started)",
    "timer.ballot.arm": "the ballot timer is armed (a quorum reached B.N)",
    "timer.ballot.cancel": "the ballot timer is cancelled (a bump or externalize)",
    "timeout.not_due": "a timeout of a timer not armed or not yet due does nothing",
    # the outgoing message (slot.rs out_msg)
    "emit.nominate": "the node emits a Nominate message",
    "emit.nominate_prepare": "the node emits a NominatePrepare message",
    "emit.prepare": "the node emits a Prepare message",
    "emit.commit": "the node emits a Commit message",
    "emit.externalize": "the node emits an Externalize message",
    # whole-script refusals
    "config.invalid": "the script's configuration (quorum set) is refused with a typed code",
}

_EMIT = {"Nominate": "emit.nominate", "NominatePrepare": "emit.nominate_prepare",
         "Prepare": "emit.prepare", "Commit": "emit.commit", "Externalize": "emit.externalize"}


def _committed_value(msg: Msg) -> tuple[Value, ...] | None:
    if isinstance(msg.topic, Commit):
        return msg.topic.B.values
    if isinstance(msg.topic, Externalize):
        return msg.topic.C.values
    return None


def _ballot_value(msg: Msg) -> tuple[Value, ...] | None:
    committed = _committed_value(msg)
    if committed is not None:
        return committed
    t: Any = msg.topic
    prepare = getattr(t, "prepare", t)
    b = getattr(prepare, "B", None)
    return None if b is None else tuple(b.values)


class RuleObserver:
    """Collects the rule names of a script's steps (an ``Observer`` of scp_cases.node_script)."""

    def __init__(self) -> None:
        self.per_step: list[list[str]] = []
        self._prev: dict[str, Any] | None = None
        self._committed: dict[str, tuple[Value, ...]] = {}

    @staticmethod
    def _snapshot(slot: Slot) -> dict[str, Any]:
        return {"ballot": slot.ballot, "X": slot.X, "Y": slot.Y, "Z": slot.Z,
                "timers": slot.timers, "M": dict(slot.M), "round": slot.nominate_round}

    def __call__(self, step: dict[str, Any], slot: Slot, answer: dict[str, Any]) -> None:
        prev = self._prev or {"ballot": bp.BallotState(), "X": frozenset(), "Y": frozenset(),
                              "Z": frozenset(), "timers": {"nominate": None, "ballot": None},
                              "M": {}, "round": 1}
        rules = self._intake(step, slot, answer, prev)
        rules += self._nomination(step, slot, prev)
        rules += self._ballot(step, slot, answer, prev)
        rules += self._timers(step, slot, answer, prev)
        if answer["emitted"] is not None:
            rules.append(_EMIT[answer["emitted"]["topic"]["type"]])
        self.per_step.append(sorted(set(rules)))
        self._prev = self._snapshot(slot)

    def _intake(self, step: dict[str, Any], slot: Slot, answer: dict[str, Any],
                prev: dict[str, Any]) -> list[str]:
        kind = step.get("type")
        error = answer.get("error")
        if error is not None:
            return ["reject." + error.removeprefix("scp.")]
        if kind == "propose":
            out = ["propose.taken" if answer["accepted"] else "propose.ignored"]
            if answer["accepted"] and any(not slot._is_valid(bytes.fromhex(v))
                                          for v in step["values"]):
                out.append("propose.invalid_dropped")
            return out
        if kind != "receive":
            return []
        msg = Msg.from_json(step["msg"])
        out = []
        committed = self._committed.get(msg.sender)
        value = _ballot_value(msg)
        if committed is not None and value is not None and value != committed:
            out.append("byzantine.contradictory")
        if _committed_value(msg) is not None and msg.slot_index == slot.slot_index:
            self._committed.setdefault(msg.sender, _committed_value(msg) or ())
        if answer["accepted"]:
            out.append("intake.stored")
            if msg.sender in prev["M"]:
                out.append("intake.supersede")
            if prev["ballot"].phase == bp.EXTERNALIZE:
                out.append("intake.after_externalize")
        elif msg.sender == slot.node_id:
            out.append("intake.own_message")
        elif msg.slot_index != slot.slot_index:
            out.append("intake.wrong_slot")
        elif msg.sender in prev["M"] and not (
                topic_order_key(msg.topic, slot.variant)
                > topic_order_key(prev["M"][msg.sender].topic, slot.variant)):
            out.append("intake.stale")
        else:
            out.append("intake.invalid_value")
        return out

    def _nomination(self, step: dict[str, Any], slot: Slot, prev: dict[str, Any]) -> list[str]:
        out = []
        voted = slot.X - prev["X"] - prev["Y"]
        if voted & slot.W:
            out.append("nominate.vote.propose")
        if voted - slot.W:
            out.append("nominate.vote.leader")
        ctx = slot._context()
        for v in slot.Y - prev["Y"]:
            holders = slot._index.nominate_accepts.get(v, set())
            out.append("nominate.accept.vblocking" if ctx.is_blocking(holders)
                       else "nominate.accept.quorum")
        if slot.Z - prev["Z"]:
            out.append("nominate.confirm")
        if slot.nominate_round > prev["round"]:
            out.append("nominate.timeout")
        return out

    def _accepted_prepare(self, slot: Slot, b: Ballot) -> str:
        ctx = slot._context()
        holders = slot._index.prepare_accepts.get(b.values, {})
        strong = {u for u, c in holders.items() if c >= b.counter}
        if ctx.is_blocking(strong) or (slot.variant == "mobilecoin"
                                       and ctx.is_blocking(holders.keys())):
            return "prepare.accept.vblocking"
        return "prepare.accept.quorum"

    def _ballot(self, step: dict[str, Any], slot: Slot, answer: dict[str, Any],
                prev: dict[str, Any]) -> list[str]:
        before: bp.BallotState = prev["ballot"]
        after = slot.ballot
        out = []
        early = (bp.NOMINATE_PREPARE, bp.PREPARE)
        if before.phase in early:
            if after.P is not None and after.P != before.P and (
                    before.P is None or after.P > before.P) and after.phase in early:
                out.append(self._accepted_prepare(slot, after.P))
            if after.PP is not None and after.PP != before.PP and after.phase in early:
                if after.PP != before.P:  # not merely the former P moved down to P'
                    out.append(self._accepted_prepare(slot, after.PP))
                out.append("prepare.accept.incompatible")
            if after.phase == bp.PREPARE and after.H is not None and after.H != before.H:
                out.append("prepare.confirm")
            if after.phase in early and after.C is not None and (
                    before.C is None or before.C.values != after.C.values):
                out.append("commit.vote")
            if before.C is not None and (after.C is None or after.C.values != before.C.values):
                out.append("commit.vote.abort")
            if after.phase in (bp.COMMIT, bp.EXTERNALIZE) and after.C is not None:
                ctx = slot._context()
                ranges = slot._index.commit_accepts.get(after.C.values, {})
                holders = {u for u, (a, b) in ranges.items() if a <= after.C.counter <= b}
                out.append("commit.accept.vblocking" if ctx.is_blocking(holders)
                           else "commit.accept.quorum")
        if before.phase == bp.COMMIT and (after.C, after.H) != (before.C, before.H) and \
                after.phase == bp.COMMIT:
            out.append("commit.accept.extend")
        if before.phase != bp.EXTERNALIZE and after.phase == bp.EXTERNALIZE:
            out.append("commit.confirm")
        if before.phase == after.phase == bp.EXTERNALIZE and after.H != before.H:
            out.append("externalize.raise_h")
        out += self._ballot_moves(step, slot, answer, before, after)
        return out

    def _ballot_moves(self, step: dict[str, Any], slot: Slot, answer: dict[str, Any],
                      before: bp.BallotState, after: bp.BallotState) -> list[str]:
        B0, B1 = before.B, after.B
        if B1 is None or B1 == B0:
            return []
        if step.get("type") == "timeout" and answer["accepted"]:
            return ["ballot.timeout"]
        if B0 is None and B1.counter == 1 and slot.Z:
            out = ["ballot.start"]
            if len(slot.Z) >= 2:
                out.append("candidates.combine")
            return out
        n0 = 0 if B0 is None else B0.counter
        H = after.H
        if before.phase in (bp.NOMINATE_PREPARE, bp.PREPARE) and after.phase in (
                bp.COMMIT, bp.EXTERNALIZE):
            return []  # step 4 sets B with the accepted commit: commit.accept.*
        if after.phase in (bp.PREPARE, bp.COMMIT) and H is not None \
                and B1.values == H.values and H.counter <= B1.counter <= max(n0 + 1, H.counter):
            return ["ballot.raise_to_h"]
        if B1.counter > n0:
            return ["ballot.bump.vblocking"]
        return []

    def _timers(self, step: dict[str, Any], slot: Slot, answer: dict[str, Any],
                prev: dict[str, Any]) -> list[str]:
        out = []
        before, after = prev["timers"], slot.timers
        for kind in ("nominate", "ballot"):
            if after[kind] is not None and after[kind] != before[kind]:
                out.append(f"timer.{kind}.arm")
            fired = step.get("type") == "timeout" and step.get("timer") == kind
            if before[kind] is not None and after[kind] is None and not fired:
                out.append(f"timer.{kind}.cancel")
        if step.get("type") == "timeout" and not answer["accepted"] and "error" not in answer:
            out.append("timeout.not_due")
        return out


def qset_json(threshold: int, members: list[str]) -> dict[str, Any]:
    """A flat quorum set's JSON form (for scripts)."""
    return QuorumSet.flat(threshold, members).to_json()
