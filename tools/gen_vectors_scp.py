"""Regenerate conformance/vectors/scp/*.json: SCP one-node scripts (docs/conformance.md).

Usage: ``python tools/gen_vectors_scp.py [--check]``. Two sources, each written once per variant
(``correct``, ``mobilecoin``; docs/scp-interface.md):

* ``scripted-<variant>.json``: hand-written scripts for one node ``n0``, one per protocol rule
  group (the nomination and ballot steps of WP §6 Fig. 17, timers, the outgoing message,
  Byzantine and malformed inputs, invalid configurations, the variant differences);
* ``simulated-<variant>.json``: the inputs one node received in a seeded multi-node simulation
  (refimpl/consensus/sim), recorded as a script (messages delivered to the slot, timers that
  fired, its proposal) and replayed; the replay must emit what the node emitted in the run.

The expected answers are those of our core (refimpl/vectors/scp_cases.py ``node_script``); each
test's ``rules`` are named by refimpl/vectors/scp_rules.py from the steps the core took. Nothing
is random beyond the simulator's seeds, so ``--check`` regenerates in memory and exits 1 when a
committed file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from refimpl import __version__
from refimpl.consensus.scp.msg import VARIANTS, Msg, Variant
from refimpl.consensus.scp.types import INFINITY
from refimpl.consensus.sim.actors import Effects, HonestActor
from refimpl.consensus.sim.faults import FaultModel, Partition
from refimpl.consensus.sim.network import Network
from refimpl.consensus.sim.scenario import build_config
from refimpl.errors import RefImplError
from refimpl.vectors.scp_cases import SCHEMA, node_script
from refimpl.vectors.scp_rules import RULES, RuleObserver, qset_json

ROOT = Path(__file__).resolve().parents[1] / "conformance/vectors/scp"
GENERATOR = "tools/gen_vectors_scp.py"

Json = dict[str, Any]
Step = dict[str, Any]

A, B, C, X_BAD = "61", "62", "63", "78"  # the values "a" < "b" < "c"; "x" is invalid where used


def mesh(n: int, k: int) -> dict[str, Json]:
    """Every node of an n-node mesh needs k of the others."""
    ids = [f"n{i}" for i in range(n)]
    return {u: qset_json(k, [v for v in ids if v != u]) for u in ids}


MESH4 = mesh(4, 2)  # quorums: 3 nodes; v-blocking for n0: 2 peers
MESH5 = mesh(5, 3)  # quorums: 4 nodes; v-blocking for n0: 2 peers (not a quorum)


def nested() -> dict[str, Json]:
    """Two organisations, A = {n0, n1, n2, n3} and B = {n4, n5, n6}: every node needs 2 of its
    own organisation's other members and 2 of the other organisation."""
    orgs = (["n0", "n1", "n2", "n3"], ["n4", "n5", "n6"])
    out = {}
    for own, other in (orgs, orgs[::-1]):
        for u in own:
            inner = [qset_json(2, [v for v in own if v != u]), qset_json(2, other)]
            out[u] = {"threshold": 2, "members": inner if u in orgs[0] else inner[::-1]}
    return out


NESTED = nested()

#: Rules each hand-written script must exercise (by the start of its comment); the generator
#: fails when the core no longer takes them, so a script cannot silently lose its purpose.
WANT: dict[str, tuple[str, ...]] = {
    "quorum path": ("nominate.accept.quorum", "nominate.confirm", "prepare.accept.quorum",
                    "prepare.confirm", "commit.vote", "commit.accept.quorum", "commit.confirm",
                    "externalize.raise_h", "intake.after_externalize"),
    "v-blocking path": ("nominate.accept.vblocking", "prepare.accept.vblocking",
                        "commit.accept.vblocking"),
    "externalize from peers": ("commit.accept.vblocking", "commit.confirm"),
    "commit phase range": ("commit.accept.extend", "externalize.raise_h"),
    "timers": ("nominate.timeout", "timeout.not_due", "timer.ballot.arm", "ballot.timeout",
               "ballot.bump.vblocking", "nominate.vote.leader"),
    "leader echo": ("nominate.vote.leader",),
    "candidate combination": ("candidates.combine", "propose.ignored"),
    "propose": ("propose.invalid_dropped", "propose.ignored"),
    "incompatible prepared ballots": ("prepare.accept.incompatible", "prepare.confirm"),
    "commit vote aborted": ("commit.vote.abort", "ballot.bump.vblocking"),
    "step 8 and quorum prepare": ("ballot.raise_to_h",),
    "nested quorum sets": ("nominate.accept.vblocking", "nominate.confirm",
                           "commit.accept.vblocking", "commit.confirm"),
    "intake": ("intake.stale", "intake.wrong_slot", "intake.own_message",
               "intake.invalid_value"),
    "malformed and invalid statements are refused with a typed code and change nothing": (
        "reject.msg_invalid", "reject.msg_bad_json", "reject.bad_value", "reject.bad_timer"),
    "a contradictory peer": ("byzantine.contradictory", "intake.stale", "commit.confirm"),
    "invalid configuration": ("config.invalid",),
}


# --- message and step builders (JSON forms of docs/scp-interface.md) ----------------------------


def ballot(n: int, *values: str) -> Json:
    return {"counter": n, "values": list(values)}


def nominate(x: list[str], y: list[str] | None = None) -> Json:
    return {"type": "Nominate", "X": sorted(x), "Y": sorted(y or [])}


def prepare(b: Json, p: Json | None = None, pp: Json | None = None, cn: int = 0,
            hn: int = 0) -> Json:
    return {"type": "Prepare", "B": b, "P": p, "PP": pp, "CN": cn, "HN": hn}


def nominate_prepare(nom: Json, prep: Json) -> Json:
    return {"type": "NominatePrepare", "nominate": {"X": nom["X"], "Y": nom["Y"]},
            "prepare": {k: prep[k] for k in ("B", "P", "PP", "CN", "HN")}}


def commit(b: Json, pn: int, cn: int, hn: int) -> Json:
    return {"type": "Commit", "B": b, "PN": pn, "CN": cn, "HN": hn}


def externalize(c: Json, hn: int) -> Json:
    return {"type": "Externalize", "C": c, "HN": hn}


class Script:
    """A script under construction for node ``n0``; times advance by 10 ms per input."""

    def __init__(self, comment: str, qsets: dict[str, Json] = MESH4, slot: int = 1,
                 **extra: Any) -> None:
        self.comment = comment
        self.qsets = qsets
        self.slot = slot
        self.extra = extra
        self.steps: list[Step] = []
        self.now = 0

    def _at(self, at: int | None) -> int:
        self.now = self.now + 10 if at is None else at
        return self.now

    def msg(self, sender: str, topic: Json, slot: int | None = None,
            qset: Json | None = None) -> Json:
        return {"sender": sender, "slot_index": self.slot if slot is None else slot,
                "quorum_set": qset or self.qsets.get(sender, self.qsets["n1"]), "topic": topic}

    def recv(self, sender: str, topic: Json, at: int | None = None, **kw: Any) -> Script:
        self.steps.append({"type": "receive", "timeMs": self._at(at),
                           "msg": self.msg(sender, topic, **kw)})
        return self

    def recv_all(self, senders: str, topic: Json) -> Script:
        for sender in senders.split():
            self.recv(sender, topic)
        return self

    def raw(self, msg: Any, at: int | None = None) -> Script:
        self.steps.append({"type": "receive", "timeMs": self._at(at), "msg": msg})
        return self

    def propose(self, *values: str, at: int | None = None) -> Script:
        self.steps.append({"type": "propose", "timeMs": self._at(at), "values": list(values)})
        return self

    def timeout(self, timer: str, at: int) -> Script:
        self.steps.append({"type": "timeout", "timeMs": self._at(at), "timer": timer})
        return self

    def script(self, variant: str) -> Json:
        return {"node": "n0", "slotIndex": self.slot, "quorumSet": self.qsets["n0"],
                **self.extra, "variant": variant, "steps": self.steps}


def to_externalize(s: Script, value: str = A, peers: str = "n1 n2") -> Script:
    """Drive ``n0`` (leader of slot 1 round 1 in MESH4) from a proposal to EXTERNALIZE by the
    quorum path: nominate, prepare, commit, each accepted then confirmed."""
    b1 = ballot(1, value)
    s.propose(value)
    s.recv_all(peers, nominate([value]))
    s.recv_all(peers, nominate([], [value]))
    s.recv_all(peers, prepare(b1))
    s.recv_all(peers, prepare(b1, b1))
    s.recv_all(peers, prepare(b1, b1, None, 1, 1))
    s.recv_all(peers, commit(b1, 1, 1, 1))
    return s


def scripted() -> list[Script]:
    """The hand-written scripts (each comment says what it shows)."""
    out: list[Script] = []
    b1a, b3b = ballot(1, A), ballot(3, B)

    s = to_externalize(Script("quorum path: nominate, accept and confirm a; prepare, confirm "
                              "prepared, vote commit, accept and confirm commit of <1, a>"))
    s.recv("n3", externalize(b1a, 1))
    s.recv_all("n1 n2", externalize(b1a, INFINITY))
    out.append(s)

    s = Script("v-blocking path: n1 and n2 accept b (nominate), prepared <3, b> and commit "
               "before n0 votes for anything")
    s.recv_all("n1 n2", nominate([], [B]))
    s.recv_all("n1 n2", prepare(b3b, b3b))
    s.recv_all("n1 n2", commit(b3b, 3, 2, 3))
    out.append(s)

    s = Script("externalize from peers: a v-blocking set and then a quorum externalized <2, c>",
               MESH5)
    s.recv_all("n1 n2", externalize(ballot(2, C), 2))
    s.recv("n3", externalize(ballot(2, C), 2))
    out.append(s)

    s = Script("commit phase range: a quorum confirms prepare <3, a>; a v-blocking set (not a "
               "quorum) accepts commit [1, 1], then [1, 3]; a quorum then confirms; Externalize "
               "messages raise H", MESH5)
    s.recv_all("n1 n2 n3", prepare(ballot(3, A), ballot(3, A)))
    s.recv_all("n1 n2", commit(b1a, 1, 1, 1))
    s.recv_all("n1 n2", commit(ballot(3, A), 3, 1, 3))
    s.recv("n3", commit(ballot(3, A), 3, 1, 3))
    s.recv_all("n1 n2 n3", externalize(b1a, 5))
    s.recv_all("n1 n2 n3", externalize(b1a, INFINITY))
    out.append(s)

    s = Script("timers: the nomination timer fires (round 2 adds leader n3), the ballot timer "
               "is armed when a quorum reaches B.N, ignored before its deadline, fires, then a "
               "v-blocking set ahead bumps the counter")
    s.propose(A, at=0)
    s.timeout("ballot", at=5)
    s.timeout("nominate", at=999)
    s.timeout("nominate", at=1000)
    s.recv("n3", nominate([B]), at=1010)
    s.recv_all("n1 n2", nominate([], [A]))
    s.recv_all("n1 n2", prepare(b1a))
    s.timeout("ballot", at=3049)
    s.timeout("ballot", at=3050)
    s.recv("n1", prepare(ballot(5, A)))
    s.recv("n2", prepare(ballot(7, A)))
    out.append(s)

    s = Script("leader echo: in slot 2 n3 leads round 1; n0 votes n3's values, not its own "
               "proposal nor a non-leader's", slot=2)
    s.propose(A)
    s.recv("n1", nominate([B]))
    s.recv("n3", nominate([C]))
    s.recv("n3", nominate([C], [B]))
    out.append(s)

    for cap, why in ((100, "both candidates"), (1, "the value cap keeps the smallest")):
        s = Script(f"candidate combination: a and b confirmed; the first ballot combines them "
                   f"({why}; valueCap {cap})", valueCap=cap)
        s.propose(A, B)
        s.recv_all("n1 n2", nominate([A, B]))
        s.recv_all("n1 n2", nominate([], [A, B]))
        s.propose(C)
        out.append(s)

    s = Script("propose: an invalid value is dropped; a proposal after a candidate is "
               "confirmed is ignored", invalidValues=[X_BAD])
    s.propose(A, X_BAD)
    s.recv_all("n1 n2", nominate([], [A]))
    s.propose(B)
    out.append(s)

    s = Script("incompatible prepared ballots: after voting commit <1, a>, n0 accepts <3, b> "
               "prepared: P = <3, b>, P' = <1, a>; <3, b> is confirmed, C moves to b and B to "
               "<3, b>")
    s.propose(A)
    s.recv_all("n1 n2", nominate([A]))
    s.recv_all("n1 n2", nominate([], [A]))
    s.recv_all("n1 n2", prepare(b1a, b1a))
    s.recv_all("n1 n2", prepare(b3b, b3b))
    s.recv_all("n1 n2", prepare(b3b, b3b, b1a, 0, 0))
    out.append(s)

    s = Script("commit vote aborted: n0 votes commit <1, a>; a v-blocking set that is not a "
               "quorum accepts prepared <3, b>: P' = <1, a>, C is cleared and not re-voted; B "
               "bumps to <3, b>, then step 8 moves it to H's value, <4, a> (as MobileCoin)",
               MESH5)
    s.recv_all("n1 n2 n3", prepare(b1a, b1a))
    s.recv_all("n1 n2", prepare(b3b, b3b))
    out.append(s)

    s = Script("step 8 and quorum prepare: peers vote prepare <2, b> while n0 is on <1, a>; once "
               "<2, b> is confirmed prepared, B is raised to it")
    s.propose(A)
    s.recv_all("n1 n2", nominate([A]))
    s.recv_all("n1 n2", nominate([], [A]))
    s.recv_all("n1 n2", prepare(ballot(2, B)))
    s.recv_all("n1 n2", prepare(ballot(2, B), ballot(2, B)))
    out.append(s)

    s = Script("nested quorum sets: n0 needs 2 of {n1, n2, n3} and 2 of {n4, n5, n6}; n1 and "
               "n4 (one per inner set) are not v-blocking, n1 and n2 are; a quorum needs both "
               "inner sets with their own slices", NESTED)
    s.recv_all("n1 n4", nominate([], [A]))
    s.recv("n2", nominate([], [A]))
    s.recv("n5", nominate([], [A]))
    s.recv("n6", nominate([], [A]))
    s.recv_all("n1 n2", externalize(b1a, 1))
    s.recv_all("n4 n5 n6", externalize(b1a, 1))
    out.append(s)

    out += byzantine()
    out += variant_differences()
    return out


def byzantine() -> list[Script]:
    """Inputs from faulty peers: ignored, refused with a typed code, or outvoted."""
    out: list[Script] = []
    b1a = ballot(1, A)
    s = Script("intake: stale, wrong-slot, own-id and invalid-value messages are ignored",
               invalidValues=[X_BAD])
    s.recv("n1", nominate([A]))
    s.recv("n1", nominate([A]))
    s.recv("n1", nominate([]))
    s.recv("n2", nominate([A]), slot=2)
    s.recv("n0", nominate([], [A]))
    s.recv("n2", nominate([X_BAD]))
    s.recv("n2", prepare(ballot(1, A, X_BAD)))
    s.recv("n2", nominate([A, B]))
    out.append(s)

    s = Script("malformed and invalid statements are refused with a typed code and change "
               "nothing")
    s.recv("n1", nominate([A], [A]))                                  # X and Y overlap
    s.recv("n1", prepare(b1a, ballot(2, A)))                          # P > B
    s.recv("n1", prepare(ballot(2, A), b1a, b1a))                     # PP not below P
    s.recv("n1", prepare(ballot(2, A), b1a, None, 2, 1))              # CN > HN
    s.recv("n1", prepare(ballot(2, A), b1a, None, 1, 3))              # HN > B.N
    s.recv("n1", commit(b1a, 1, 2, 1))                                # CN > HN
    s.recv("n1", nominate([A]), qset={"threshold": 3, "members": ["n0", "n2"]})
    s.recv("n1", nominate([A]), slot=-1)
    s.recv("n1", prepare(ballot(2**32, A)))                            # counter beyond u32
    s.recv("n1", prepare(ballot(1, B, A)))                             # unsorted ballot values
    s.raw({"sender": "n1", "slot_index": 1, "topic": nominate([A])})  # no quorum_set
    s.raw({"sender": "n1", "slot_index": 1, "quorum_set": MESH4["n1"],
           "topic": {"type": "Nominate", "X": ["zz"], "Y": []}})      # not hex
    s.raw({"sender": "n1", "slot_index": 1, "quorum_set": MESH4["n1"],
           "topic": {"type": "Vote", "X": [A]}})                      # unknown topic type
    s.raw({"sender": "n1", "slot_index": "1", "quorum_set": MESH4["n1"],
           "topic": nominate([A])})                                   # slot index a string
    s.raw([1, 2, 3])
    s.timeout("prepare", at=200)
    s.recv("n1", nominate([A]))
    out.append(s)

    s = Script("a contradictory peer: n3 commits b, then prepares and externalizes a; alone it "
               "is not v-blocking, and n0 externalizes a with the honest quorum")
    s.recv("n3", commit(ballot(1, B), 1, 1, 1))
    s.recv("n3", prepare(ballot(9, A), ballot(9, A)))
    s.recv("n3", externalize(ballot(1, C), 1))
    to_externalize(s)
    out.append(s)

    s = Script("an equivocating peer: n1 sends Prepare <2, b> after accepting prepared <4, a> "
               "(stale, ignored); n1 and n2 then disagree and nothing is accepted")
    s.recv("n1", prepare(ballot(4, A), ballot(4, A)))
    s.recv("n1", prepare(ballot(2, B), ballot(2, B)))
    s.recv("n2", prepare(ballot(4, B), ballot(4, B)))
    out.append(s)

    for bad in ({"threshold": 5, "members": ["n1", "n2", "n3"]},
                {"threshold": 2, "members": ["n1", "n1", "n2"]},
                {"threshold": 0, "members": ["n1", "n2"]},
                {"threshold": 1, "members": [{"threshold": 1, "members": []}, "n1"]},
                {"threshold": 2}):
        s = Script(f"invalid configuration: quorum set {json.dumps(bad)}",
                   {**MESH4, "n0": bad})
        s.propose(A)
        out.append(s)
    return out


def variant_differences() -> list[Script]:
    """Inputs on which the two variants answer differently (docs/scp-interface.md)."""
    out: list[Script] = []
    s = Script("blocking-set acceptance: n1 accepts prepared <5, a>, n2 <2, a>; the blocking set "
               "justifies <2, a> (correct), MobileCoin records a member's <5, a>")
    s.recv("n1", prepare(ballot(5, A), ballot(5, A)))
    s.recv("n2", prepare(ballot(2, A), ballot(2, A)))
    out.append(s)

    s = Script("per-sender order: a Prepare that differs only by a higher CN supersedes the "
               "stored one (correct) or not (mobilecoin)")
    s.recv("n1", prepare(ballot(2, A), ballot(2, A), None, 0, 2))
    s.recv("n1", prepare(ballot(2, A), ballot(2, A), None, 1, 2))
    out.append(s)

    s = Script("counter overflow: a v-blocking set at counter 2^32-1; correct never bumps to "
               "infinity, mobilecoin does")
    s.propose(A)
    s.recv_all("n1 n2", nominate([], [A]))
    s.recv_all("n1 n2", prepare(ballot(INFINITY, A)))
    out.append(s)
    return out


# --- simulations ---------------------------------------------------------------------------------


class Recorder:
    """Wraps a node's honest actor and records, per slot, the inputs its slot was given and what
    the node emitted for each (to check the replay)."""

    def __init__(self, actor: HonestActor) -> None:
        self.actor = actor
        self.node_id = actor.node_id
        self.byzantine = False
        self.inputs: dict[int, list[tuple[Step, list[Json]]]] = {}

    def current_slot(self) -> int:
        return self.actor.current_slot()

    def _record(self, slot: int, step: Step, effects: Effects) -> Effects:
        sent = [s.msg.to_json() for s in effects.sends if s.msg.slot_index == slot]
        self.inputs.setdefault(slot, []).append((step, sent))
        return effects

    def propose(self, values: tuple[bytes, ...], now_ms: int) -> Effects:
        slot = self.current_slot()
        step = {"type": "propose", "timeMs": now_ms, "values": sorted(v.hex() for v in values)}
        return self._record(slot, step, self.actor.propose(values, now_ms))

    def receive(self, msg: Msg, world: int | None, now_ms: int) -> Effects:
        effects = self.actor.receive(msg, world, now_ms)
        if self.actor.node._slot(msg.slot_index) is None and not effects.steps:
            return effects  # the node keeps no such slot: its slot never saw the message
        step = {"type": "receive", "timeMs": now_ms, "msg": msg.to_json()}
        return self._record(msg.slot_index, step, effects)

    def timeout(self, key: Hashable, now_ms: int) -> Effects:
        assert isinstance(key, tuple)
        step = {"type": "timeout", "timeMs": now_ms, "timer": key[1]}
        return self._record(int(key[0]), step, self.actor.timeout(key, now_ms))

#: n0 cut off from the others for its first 2.5 s: its timers fire, then the heal re-syncs it.
ISOLATE_N0 = (Partition(0, 2500, (frozenset({"n0"}), frozenset({"n1", "n2", "n3"}))),)

#: (label, topology, nodes, slots, byzantine count, behaviour, seed, loss rate, partitions,
#: recorded nodes)
SIMULATIONS = (
    ("mesh4", "mesh", 4, 2, 0, "equivocate", 3, 0.0, (), ("n0",)),
    ("mesh4-lossy", "mesh", 4, 1, 0, "equivocate", 5, 0.4, (), ("n2",)),
    ("mesh4-partition", "mesh", 4, 1, 0, "equivocate", 2, 0.0, ISOLATE_N0, ("n0",)),
    ("mesh4-random-byzantine", "mesh", 4, 1, 1, "random", 24, 0.0, (), ("n0", "n2")),
    ("mesh4-equivocator", "mesh", 4, 1, 1, "equivocate", 7, 0.0, (), ("n1",)),
    ("metamesh9", "metamesh", 9, 1, 0, "equivocate", 4, 0.0, (), ("n4",)),
)


def simulated(variant: Variant) -> list[Json]:
    """One script per recorded (node, slot) of each simulation, checked against the run."""
    out = []
    for label, topo, nodes, slots, byz, behaviour, seed, loss, cuts, recorded in SIMULATIONS:
        faults = FaultModel(delay_min_ms=5, delay_max_ms=50, loss_rate=loss,
                            gst_ms=0 if loss == 0.0 else 3000, partitions=cuts)
        config = build_config(topo, nodes, slots, byz, seed, variant=variant,
                              behaviour=behaviour, values_per_slot=2, faults=faults,
                              max_time_ms=600_000)
        network = Network(config)
        recorders = {}
        for node in recorded:
            actor = network.actors[node]
            assert isinstance(actor, HonestActor)
            recorders[node] = network.actors[node] = Recorder(actor)
        network.run()
        for node, recorder in recorders.items():
            for slot, pairs in sorted(recorder.inputs.items()):
                steps = [step for step, _ in pairs]
                script = {"node": node, "slotIndex": slot,
                          "quorumSet": config.topology[node].to_json(),
                          "variant": variant, "valueCap": config.value_cap, "steps": steps}
                answer = node_script(script)
                emitted = [[a["emitted"]] if a["emitted"] else [] for a in answer["steps"]]
                assert emitted == [sent for _, sent in pairs], (label, node, slot)
                cut = ", n0 isolated for 2.5 s" if cuts else ""
                out.append({"comment": f"simulation {label} ({topo}, {nodes} nodes, "
                                       f"{byz} {behaviour} Byzantine, seed {seed}, loss {loss}"
                                       f"{cut}): node {node}, slot {slot}",
                            "script": script})
    return out


# --- files ---------------------------------------------------------------------------------------


def test_entry(tc_id: int, comment: str, script: Json) -> Json:
    observer = RuleObserver()
    try:
        expected = node_script(script, observer)
        rules = sorted({r for step in observer.per_step for r in step})
    except RefImplError as exc:
        expected, rules = {"error": exc.code}, ["config.invalid"]
    missing = set(WANT.get(comment.split(":")[0], ())) - set(rules)
    if missing:
        raise SystemExit(f"{script['variant']} script {comment!r} no longer exercises "
                         f"{sorted(missing)}")
    entry = {"tcId": tc_id, "comment": comment, "rules": rules}
    entry.update({k: v for k, v in script.items() if k != "variant"})
    entry["expected"] = expected
    return entry


def document(variant: str, source: str, entries: list[tuple[str, Json]]) -> Json:
    tests = [test_entry(i, comment, script) for i, (comment, script) in enumerate(entries, 1)]
    return {
        "schema": SCHEMA,
        "generator": GENERATOR,
        "generatorVersion": __version__,
        "variant": variant,
        "source": source,
        "numberOfTests": len(tests),
        "rules": RULES,
        "tests": tests,
    }


def build() -> dict[str, str]:
    files: dict[str, str] = {}
    for variant in VARIANTS:
        scripts = [(s.comment, s.script(variant)) for s in scripted()]
        unused = set(WANT) - {comment.split(":")[0] for comment, _ in scripts}
        assert not unused, f"WANT names no script: {sorted(unused)}"
        sims = [(e["comment"], e["script"]) for e in simulated(variant)]
        for source, entries in (("scripted", scripts), ("simulated", sims)):
            doc = document(variant, source, entries)
            files[f"{source}-{variant}.json"] = json.dumps(doc, separators=(",", ":")) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a committed file differs from a fresh generation")
    args = parser.parse_args(argv)
    files = build()
    stale = [name for name, text in files.items()
             if not (ROOT / name).is_file() or (ROOT / name).read_text() != text]
    if args.check:
        for name in stale:
            print(f"stale: conformance/vectors/scp/{name}", file=sys.stderr)
        return 1 if stale else 0
    ROOT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (ROOT / name).write_text(text)
        print(f"conformance/vectors/scp/{name}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
