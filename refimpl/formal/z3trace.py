"""Step-by-step validation of SCP traces with Z3: each step's before/after slot state must satisfy
the spec's action predicate, and the invariants must hold after it; a failure names the guards
that fail (each checked alone, else the unsat core of ``assert_and_track``).

The spec is spec/scp/SCP.tla; guard names carry its action and invariant names. The trace format
is docs/scp-interface.md ("Traces"). Method: trace validation (Cirstea et al., arXiv 2404.16075)
with each spec action as a Z3 predicate over current/next state, conjunct by conjunct, named;
observed values fixed, the rest left free.

One trace step of the Python core is a *macro step*: a message intake (``Receive``), a proposal
(``Propose``) or a timer (``Bump``), followed by any number of the node's local actions
(``VoteNominate``, ``AcceptNominate``, ``ConfirmNominate``, ``AcceptPrepare``,
``ConfirmPrepare``, ``VoteCommit``, ``AcceptCommit``, ``ConfirmCommit``). Intermediate states are
not observed, so each guard states what any such sequence must satisfy between the observed
states: every statement newly accepted or confirmed is justified by the node's stored messages
``M'`` (a quorum, which Z3 must exhibit, or a blocking set), sets and ballots only grow, and so
on. A ``send`` step must broadcast exactly ``MsgOf`` of the current state (MobileCoin's
``out_msg``) for its own slot with its configured quorum set, and that message must pass
``MsgValid``; a ``receive`` must name a message sent before; Byzantine sends are unconstrained
(``ByzantineSend``) but only Byzantine nodes make them. Invariants checked after every step:
``NominationOK``, ``BallotStateOK``, and ``Agreement`` at each ``externalize``.

The rules are those of spec/scp/TraceSCP.tla, guard for guard and name for name (the list is
spec/scp/README.md, "Trace validation"); both checkers also apply the frame rules of
:mod:`refimpl.formal.trace_frame` (contiguous ``seq``, a verdict line that matches the steps).
A rejection lists every guard that fails on its own at the first failing step, as TraceSCP
does. Three earlier disagreements with SCP.tla are resolved in the spec:

* ``MsgLess``: SCP.tla's ``ExtLess`` orders Externalize messages of the correct variant by C
  after HN (the core's ``topic_order_key``);
* ``BallotStateOK``: ``H.n <= B.n`` is required in COMMIT only (``BallotStateOf``); the raise of
  H while externalized (MobileCoin's slot.rs ``do_externalize_phase``) is SCP.tla's action
  ``ExtendConfirmedCommit``, justified by ``CommitConfirmedIn`` over the wider range
  (``ConfirmCommit[extend H]``, everything else ``Externalized.state_frozen``);
* ``QuorumWith``: a Byzantine sender is held to the quorum set its stored message advertises,
  an honest one to its configured set (SCP.tla ``QSetIn``); an honest node advertising another
  set fails ``Send.qset_is_configured``.

Encoding: the values of a trace are numbered in byte order, a value set is a bit-vector with one
bit per value (so the spec's order of value sets, a comparison of sorted vectors, is a bit
trick), a ballot a pair (counter, value set) with ``(0, {})`` for "none", a phase 0..3.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import z3

from refimpl.consensus.scp.types import INFINITY, QuorumSet
from refimpl.errors import FormalError, RefImplError
from refimpl.formal.trace_frame import StepFailure, read_frame, require_slot
from refimpl.formal.trace_tla import parse_ndjson

__all__ = ["StepFailure", "TraceReport", "check_trace", "check_trace_file", "read_trace_lines"]

PHASES = ("NOMINATE_PREPARE", "PREPARE", "COMMIT", "EXTERNALIZE")
TYPE_RANK = {"NONE": 0, "NOM": 1, "NOMPREP": 2, "PREP": 3, "COMMIT": 4, "EXT": 5}
_COUNTER_BITS = 34  # counters up to 2^32 - 1 (INFINITY) with room for +1


@attrs.frozen
class TraceReport:
    ok: bool
    steps: int
    failure: StepFailure | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "steps": self.steps, "seconds": round(self.seconds, 4),
                "failure": None if self.failure is None else self.failure.to_json()}


# --- concrete data decoded from the trace -----------------------------------------------------


@attrs.frozen
class _Ballot:
    n: int
    x: int  # bit set of value indices


NULL_BALLOT = _Ballot(0, 0)


@attrs.frozen
class _State:
    phase: int
    X: int
    Y: int
    Z: int
    B: _Ballot
    P: _Ballot
    PP: _Ballot
    H: _Ballot
    C: _Ballot


INIT_STATE = _State(0, 0, 0, 0, NULL_BALLOT, NULL_BALLOT, NULL_BALLOT, NULL_BALLOT, NULL_BALLOT)


@attrs.frozen
class _Msg:
    """A message as the spec's record: type, X, Y, B, P, PP, CN, HN, PN (EXT: B holds C)."""

    type: str = "NONE"
    X: int = 0
    Y: int = 0
    B: _Ballot = NULL_BALLOT
    P: _Ballot = NULL_BALLOT
    PP: _Ballot = NULL_BALLOT
    CN: int = 0
    HN: int = 0
    PN: int = 0


NO_MSG = _Msg()


def _bad(message: str) -> FormalError:
    return FormalError("formal.bad_trace", message)


class _Values:
    """Numbering of the trace's values in byte order (bit i of a set = the i-th value)."""

    def __init__(self, hex_values: Iterable[str]) -> None:
        try:
            ordered = sorted({bytes.fromhex(v) for v in hex_values})
        except (TypeError, ValueError):
            raise _bad("a value is not lowercase hex") from None
        self.index = {v.hex(): i for i, v in enumerate(ordered)}
        self.hex = [v.hex() for v in ordered]
        self.width = max(1, len(ordered))

    def name(self, i: int) -> str:
        """A value in guard names: its first 16 hex digits (as TraceSCP's verdicts)."""
        return self.hex[i][:16]

    def set_of(self, raw: Any) -> int:
        if not isinstance(raw, list):
            raise _bad("a value set is not a list")
        bits = 0
        for v in raw:
            if not isinstance(v, str) or v not in self.index:
                raise _bad("a value set holds a non-hex entry")
            bits |= 1 << self.index[v]
        return bits

    def ballot(self, raw: Any) -> _Ballot:
        if raw is None:
            return NULL_BALLOT
        if not isinstance(raw, dict) or not isinstance(raw.get("counter"), int):
            raise _bad("a ballot is not {counter, values}")
        return _Ballot(_counter(raw["counter"]), self.set_of(raw.get("values")))

    def state(self, raw: Any) -> _State:
        if not isinstance(raw, dict) or raw.get("phase") not in PHASES:
            raise _bad("a step's state lacks a valid phase")
        return _State(PHASES.index(raw["phase"]), self.set_of(raw.get("X")),
                       self.set_of(raw.get("Y")), self.set_of(raw.get("Z")),
                       *(self.ballot(raw.get(k)) for k in ("B", "P", "PP", "H", "C")))

    def msg(self, raw: Any) -> tuple[str, int, _Msg]:
        """(sender, slot, message record) of a trace message."""
        if not isinstance(raw, dict) or not isinstance(raw.get("sender"), str) or \
                not isinstance(raw.get("slot_index"), int) or \
                not isinstance(raw.get("topic"), dict):
            raise _bad("a message lacks sender, slot_index or topic")
        topic = raw["topic"]
        kind = topic.get("type")
        if kind == "Nominate":
            record = _Msg("NOM", self.set_of(topic.get("X")), self.set_of(topic.get("Y")))
        elif kind == "NominatePrepare":
            nom, prep = topic.get("nominate"), topic.get("prepare")
            if not isinstance(nom, dict) or not isinstance(prep, dict):
                raise _bad("a NominatePrepare lacks its parts")
            record = _Msg("NOMPREP", self.set_of(nom.get("X")), self.set_of(nom.get("Y")),
                          *self._prepare(prep))
        elif kind == "Prepare":
            record = _Msg("PREP", 0, 0, *self._prepare(topic))
        elif kind == "Commit":
            record = _Msg("COMMIT", B=self.ballot(topic.get("B")), CN=_counter(topic.get("CN")),
                          HN=_counter(topic.get("HN")), PN=_counter(topic.get("PN")))
        elif kind == "Externalize":
            record = _Msg("EXT", B=self.ballot(topic.get("C")), HN=_counter(topic.get("HN")))
        else:
            raise _bad(f"unknown topic type {kind!r}")
        return raw["sender"], raw["slot_index"], record

    def _prepare(self, raw: dict[str, Any]) -> tuple[_Ballot, _Ballot, _Ballot, int, int]:
        return (self.ballot(raw.get("B")), self.ballot(raw.get("P")),
                self.ballot(raw.get("PP")), _counter(raw.get("CN")), _counter(raw.get("HN")))


def _counter(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= INFINITY:
        raise _bad("a counter is not an integer in 0..2^32-1")
    return raw


def _all_hex_values(obj: Any) -> Iterator[str]:
    """Every value named in a trace line (under the keys that hold values)."""
    if isinstance(obj, dict):
        for key, item in obj.items():
            if key in ("X", "Y", "Z", "values") and isinstance(item, list):
                yield from (v for v in item if isinstance(v, str))
            else:
                yield from _all_hex_values(item)
    elif isinstance(obj, list):
        for item in obj:
            yield from _all_hex_values(item)


# --- the spec's operators as Z3 terms ------------------------------------------------------


class _Terms:
    """Z3 terms for ballots, sets and messages over a fixed value width (SCP.tla operators)."""

    def __init__(self, width: int, variant: str) -> None:
        self.width = width
        self.variant = variant

    def set_val(self, bits: int) -> z3.BitVecRef:
        return z3.BitVecVal(bits, self.width)

    def ballot_val(self, b: _Ballot) -> tuple[z3.BitVecRef, z3.BitVecRef]:
        return z3.BitVecVal(b.n, _COUNTER_BITS), self.set_val(b.x)

    def counter(self, n: int) -> z3.BitVecRef:
        return z3.BitVecVal(n, _COUNTER_BITS)

    @staticmethod
    def subset(a: z3.BitVecRef, b: z3.BitVecRef) -> z3.BoolRef:
        return (a & ~b) == 0

    def set_less(self, a: z3.BitVecRef, b: z3.BitVecRef) -> z3.BoolRef:
        """SCP.tla ``SetLess``: sorted vectors compared lexicographically (Rust ``Vec`` order).
        At the lowest differing value i: if i is in b, a is smaller iff a has nothing above i
        (a is a prefix of b); if i is in a, a is smaller iff b has something above i."""
        d = a ^ b
        low = d & -d
        upto = low | (low - 1)
        above_a = (a & ~upto) != 0
        above_b = (b & ~upto) != 0
        return z3.And(d != 0, z3.If((b & low) != 0, z3.Not(above_a), above_b))

    def b_less(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> z3.BoolRef:
        return z3.Or(z3.ULT(a[0], b[0]), z3.And(a[0] == b[0], self.set_less(a[1], b[1])))

    def b_leq(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> z3.BoolRef:
        return z3.Or(z3.And(a[0] == b[0], a[1] == b[1]), self.b_less(a, b))

    @staticmethod
    def below(a: tuple[Any, Any], b: tuple[Any, Any]) -> z3.BoolRef:
        return z3.And(z3.ULE(a[0], b[0]), a[1] == b[1])

    @staticmethod
    def is_null(b: tuple[Any, Any]) -> z3.BoolRef:
        return z3.And(b[0] == 0, b[1] == 0)

    # message predicates (SCP.tla, "The statements a message votes for or accepts")

    def nom_vote_or_accept(self, m: _Msg, v: int) -> bool:
        return m.type in ("NOM", "NOMPREP") and bool((m.X | m.Y) & (1 << v))

    def nom_accepted(self, m: _Msg, v: int) -> bool:
        return m.type in ("NOM", "NOMPREP") and bool(m.Y & (1 << v))

    def prep_vote_or_accept(self, m: _Msg, b: tuple[Any, Any]) -> z3.BoolRef:
        if m.type in ("NOMPREP", "PREP"):
            return z3.Or([self.below(b, self.ballot_val(c)) for c in (m.B, m.P, m.PP)])
        if m.type in ("COMMIT", "EXT"):
            return b[1] == self.set_val(m.B.x)
        return z3.BoolVal(False)

    def prep_accepted(self, m: _Msg, b: tuple[Any, Any]) -> z3.BoolRef:
        if m.type in ("NOMPREP", "PREP"):
            return z3.Or([self.below(b, self.ballot_val(c)) for c in (m.P, m.PP)])
        if m.type == "COMMIT":
            return self.below(b, self.ballot_val(_Ballot(m.PN, m.B.x)))
        if m.type == "EXT":
            return b[1] == self.set_val(m.B.x)
        return z3.BoolVal(False)

    def commit_vote_or_accept(self, m: _Msg, k: int, x: int) -> bool:
        if m.type in ("NOMPREP", "PREP"):
            return m.CN != 0 and x == m.B.x and m.CN <= k <= m.HN
        if m.type == "COMMIT":
            return x == m.B.x and m.CN <= k
        if m.type == "EXT":
            return x == m.B.x and m.B.n <= k
        return False

    def commit_accepted(self, m: _Msg, k: int, x: int) -> bool:
        if m.type == "COMMIT":
            return x == m.B.x and m.CN <= k <= m.HN
        if m.type == "EXT":
            return x == m.B.x and m.B.n <= k
        return False


# --- quorum sets -----------------------------------------------------------------------------


def _sat_formula(qset: QuorumSet, member: dict[str, z3.BoolRef]) -> z3.BoolRef:
    """SCP.tla ``Sat``: at least ``t`` members in the chosen set (inner sets recursively)."""
    terms = [_sat_formula(m, member) if isinstance(m, QuorumSet)
             else member.get(m, z3.BoolVal(False)) for m in qset.members]
    if qset.threshold <= 0:
        return z3.BoolVal(True)
    if qset.threshold > len(terms):
        return z3.BoolVal(False)
    return z3.AtLeast(*terms, qset.threshold)


def _sat_concrete(qset: QuorumSet, chosen: set[str]) -> bool:
    count = sum(_sat_concrete(m, chosen) if isinstance(m, QuorumSet) else m in chosen
                for m in qset.members)
    return count >= qset.threshold


# --- the checker -----------------------------------------------------------------------------


class _Checker:
    def __init__(self, header: dict[str, Any], values: _Values) -> None:
        raw_nodes = header.get("nodes")
        if not isinstance(raw_nodes, dict) or not raw_nodes:
            raise _bad("the header lacks its nodes and quorum sets")
        try:
            self.qsets = {n: QuorumSet.from_json(q) for n, q in raw_nodes.items()}
        except Exception as exc:  # noqa: BLE001 - any malformed quorum set is a bad trace
            raise _bad(f"a quorum set in the header is malformed: {exc}") from None
        byzantine = header.get("byzantine", [])
        if not isinstance(byzantine, list):
            raise _bad("the header's byzantine list is malformed")
        self.byzantine = set(byzantine)
        self.variant = header.get("variant", "correct")
        if self.variant not in ("correct", "mobilecoin"):
            raise _bad("unknown variant")
        self.values = values
        self.t = _Terms(values.width, self.variant)
        self.states: dict[tuple[str, int], _State] = {}
        self.W: dict[tuple[str, int], int] = {}
        self.M: dict[tuple[str, int], dict[str, _Msg]] = {}
        self.advertised: dict[tuple[str, int], dict[str, QuorumSet]] = {}
        self._advertised: dict[str, QuorumSet] = {}
        self.externalized: dict[int, dict[str, int]] = {}
        self.sent: set[tuple[Any, ...]] = set()
        self.solver = z3.SolverFor("QF_FD")
        self._fresh = 0
        self._invariant_cache: dict[_State, dict[str, z3.BoolRef]] = {}
        self._msg_of_cache: dict[_State, _Msg] = {}

    # -- helpers --

    def _quorum_with(self, node: str, pred: dict[str, z3.BoolRef]) -> z3.BoolRef:
        """SCP.tla ``QuorumWith(n, T)``: a quorum made of ``node`` and nodes satisfying their
        ``pred`` exists. Z3 chooses its members (fresh Booleans). As MobileCoin's find_quorum,
        a Byzantine sender is held to the quorum set its stored message advertises, an honest
        one to its configured set (SCP.tla ``QSetIn``; ``Send.qset_is_configured`` makes an
        honest node's advertised set its configured one)."""
        self._fresh += 1
        member = {m: z3.Bool(f"q{self._fresh}_{m}") for m in self.qsets}
        parts = [member[node]]
        for m, var in member.items():
            allowed = z3.BoolVal(True) if m == node else pred.get(m, z3.BoolVal(False))
            qset = self._advertised.get(m, self.qsets[m]) if m in self.byzantine \
                else self.qsets[m]
            parts.append(z3.Implies(var, z3.And(allowed, _sat_formula(qset, member))))
        return z3.And(parts)

    def _blocking(self, node: str, senders: set[str]) -> bool:
        """SCP.tla ``Blocking(n, T)``: T meets every slice of n."""
        rest = set(self.qsets) - senders
        return node not in senders and not _sat_concrete(self.qsets[node], rest)

    @staticmethod
    def _msg_less(variant: str, a: _Msg, b: _Msg) -> bool:
        """SCP.tla ``MsgLess`` (MobileCoin's per-sender order)."""
        ra, rb = TYPE_RANK[a.type], TYPE_RANK[b.type]
        if ra != rb:
            return ra < rb

        def set_key(s: int) -> tuple[int, list[int]]:
            return (bin(s).count("1"), [i for i in range(s.bit_length()) if s >> i & 1])

        def ballot_key(x: _Ballot) -> tuple[int, list[int]]:
            return (x.n, [i for i in range(x.x.bit_length()) if x.x >> i & 1])

        def nom_key(m: _Msg) -> tuple[Any, ...]:
            return (set_key(m.Y), set_key(m.X))

        cn = (lambda m: m.CN) if variant == "correct" else (lambda m: 0)
        if a.type == "NOM":
            return nom_key(a) < nom_key(b)
        if a.type in ("NOMPREP", "PREP"):
            def prep_key(m: _Msg) -> tuple[Any, ...]:
                return (ballot_key(m.B), ballot_key(m.P), ballot_key(m.PP), m.HN, cn(m))
            if prep_key(a) != prep_key(b) or a.type == "PREP":
                return prep_key(a) < prep_key(b)
            return a.CN == b.CN and nom_key(a) < nom_key(b)
        if a.type == "COMMIT":
            return (ballot_key(a.B), a.PN, a.HN, cn(a)) < (ballot_key(b.B), b.PN, b.HN, cn(b))
        if a.type == "EXT":
            # docs/scp-interface.md: the correct variant also orders Externalize by C (after
            # HN), as the core's topic_order_key does; SCP.tla's MsgLess compares HN only.
            if variant == "correct":
                return (a.HN, ballot_key(a.B)) < (b.HN, ballot_key(b.B))
            return a.HN < b.HN
        return False

    def _msg_of(self, s: _State) -> _Msg:
        """SCP.tla ``MsgOf`` (MobileCoin's out_msg), P and PP clamped below B."""
        found = self._msg_of_cache.get(s)
        if found is None:
            found = self._msg_of_cache[s] = self._msg_of_uncached(s)
        return found

    def _msg_of_uncached(self, s: _State) -> _Msg:
        t = self.t

        def leq(a: _Ballot, b: _Ballot) -> bool:
            return a == b or z3.is_true(z3.simplify(t.b_less(t.ballot_val(a), t.ballot_val(b))))

        def clamp(p: _Ballot, b: _Ballot) -> _Ballot:
            if p == NULL_BALLOT or leq(p, b):
                return p
            less = z3.is_true(z3.simplify(t.set_less(t.set_val(b.x), t.set_val(p.x))))
            return _Ballot(b.n - 1 if less else b.n, p.x)

        def clamp_pp(pp: _Ballot, p: _Ballot) -> _Ballot:
            c = clamp(pp, p)
            return NULL_BALLOT if c.n == 0 else c

        if s.phase == 0 and s.B == NULL_BALLOT:
            return NO_MSG if not (s.X | s.Y) else _Msg("NOM", s.X, s.Y)
        if s.phase in (0, 1):
            cp = clamp(s.P, s.B)
            hn = s.H.n if s.H != NULL_BALLOT and s.H.x == s.B.x else 0
            cn = s.C.n if hn != 0 and s.C != NULL_BALLOT else 0
            pp = clamp_pp(s.PP, cp)
            if pp == cp:
                pp = NULL_BALLOT
            if s.phase == 0:
                return _Msg("NOMPREP", s.X, s.Y, s.B, cp, pp, cn, hn)
            return _Msg("PREP", 0, 0, s.B, cp, pp, cn, hn)
        if s.phase == 2:
            return _Msg("COMMIT", B=s.B, PN=min(s.P.n, s.B.n), CN=s.C.n, HN=s.H.n)
        return _Msg("EXT", B=s.C, HN=s.H.n)

    def msg_key(self, raw: Any) -> tuple[Any, ...]:
        """A sent message as TraceSCP's network holds it: sender, slot, record, quorum set."""
        return (*self.values.msg(raw), _qset_key(_quorum_set_of(raw)))

    # -- steps --

    def check_step(self, line: dict[str, Any]) -> tuple[str, ...]:
        """The failing guards of one step (empty when the step is a behaviour of the spec)."""
        node, slot, event = line.get("node"), line.get("slot"), line.get("event")
        if not isinstance(node, str) or not isinstance(slot, int) or node not in self.qsets:
            raise _bad("a step lacks a known node or its slot")
        args = line.get("args")
        if not isinstance(args, dict):
            raise _bad("a step lacks its args")
        if line.get("byzantine"):
            # ByzantineSend: anything, from a Byzantine node; it enters the network
            self.sent.add(self.msg_key(args.get("msg")))
            return () if node in self.byzantine else ("ByzantineSend.sender_is_byzantine",)
        if node in self.byzantine:
            return ("Step.node_is_honest",)
        key = (node, slot)
        before = self.states.get(key, INIT_STATE)
        after = self.values.state(line.get("state"))
        guards: dict[str, z3.BoolRef] = {}
        if event == "send":
            sender, msg_slot, msg = self.values.msg(args.get("msg"))
            self.sent.add(self.msg_key(args["msg"]))
            guards["Send.sender_is_node"] = z3.BoolVal(sender == node)
            guards["Send.same_slot"] = z3.BoolVal(msg_slot == slot)
            guards["Send.qset_is_configured"] = z3.BoolVal(
                _qset_key(_quorum_set_of(args["msg"])) == _qset_key(self.qsets[node]))
            guards["Send.state_unchanged"] = z3.BoolVal(after == before)
            guards["Send.msg_is_MsgOf"] = z3.BoolVal(msg == self._msg_of(after))
            guards["MessagesValid"] = self._msg_valid(msg)
        elif event == "externalize":
            value = self.values.set_of(args.get("values"))
            guards["Externalize.state_unchanged"] = z3.BoolVal(after == before)
            guards["Externalize.phase"] = z3.BoolVal(after.phase == 3)
            guards["Externalize.value_is_C"] = z3.BoolVal(value == after.C.x)
            others = self.externalized.setdefault(slot, {})
            guards["Agreement"] = z3.BoolVal(all(v == value for v in others.values()))
            others[node] = value
        elif event in ("propose", "receive", "timeout"):
            stored = self.M.setdefault(key, {})
            unchanged_receive = False
            if event == "propose":
                self.W[key] = self.W.get(key, 0) | self.values.set_of(args.get("values"))
            elif event == "receive":
                sender, msg_slot, msg = self.values.msg(args.get("msg"))
                guards["Receive.was_sent"] = z3.BoolVal(self.msg_key(args["msg"]) in self.sent)
                guards["Receive.from_other_node"] = z3.BoolVal(sender != node
                                                               and sender in self.qsets)
                guards["Receive.same_slot"] = z3.BoolVal(msg_slot == slot)
                if sender != node and sender in self.qsets and \
                        self._msg_less(self.variant, stored.get(sender, NO_MSG), msg):
                    stored[sender] = msg
                    self.advertised.setdefault(key, {})[sender] = _quorum_set_of(args["msg"])
                else:
                    unchanged_receive = True
            elif args.get("timer") not in ("nominate", "ballot"):
                raise _bad("a timeout names no known timer")
            self._advertised = self.advertised.get(key, {})
            if unchanged_receive:
                guards["Receive.stale_msg_unchanged"] = z3.BoolVal(after == before)
            guards.update(self._local_guards(node, key, before, after))
        else:
            raise _bad(f"unknown event {event!r}")
        guards.update(self._invariants(after))
        self.states[key] = after
        return self._unsat_core(guards)

    def _unsat_core(self, guards: dict[str, z3.BoolRef]) -> tuple[str, ...]:
        """The failing guards (empty when all can hold together): each guard that fails on
        its own, else Z3's unsat core of the tracked guards. Guards that Z3's simplifier
        already reduces to true are left out of the solver call."""
        pending = {}
        for name, formula in guards.items():
            reduced = z3.simplify(formula)
            if not z3.is_true(reduced):
                pending[name] = reduced
        if not pending:
            return ()
        solver = self.solver
        solver.push()
        try:
            for name, formula in pending.items():
                solver.assert_and_track(formula, z3.Bool(name))
            verdict = solver.check()
            core = tuple(sorted(str(c) for c in solver.unsat_core())) \
                if verdict == z3.unsat else ()
        finally:
            solver.pop()
        if verdict == z3.sat:
            return ()
        if verdict == z3.unsat:
            return self._failing(pending) or core
        raise FormalError("formal.solver_unknown", "z3 gave up on a trace step")

    def _failing(self, pending: dict[str, z3.BoolRef]) -> tuple[str, ...]:
        """Every guard that fails on its own (the guards share no unknowns but the quorum
        members each one chooses, so these are all the failing guards, as TraceSCP lists)."""
        failing = []
        for name, formula in pending.items():
            self.solver.push()
            self.solver.add(formula)
            if self.solver.check() == z3.unsat:
                failing.append(name)
            self.solver.pop()
        return tuple(sorted(failing))

    def _msg_valid(self, m: _Msg) -> z3.BoolRef:
        """SCP.tla ``MsgValid``."""
        t = self.t
        ok: list[z3.BoolRef] = []
        if m.type in ("NOM", "NOMPREP"):
            ok.append(z3.BoolVal(m.X & m.Y == 0))
        if m.type in ("NOMPREP", "PREP"):
            B, P, PP = (t.ballot_val(b) for b in (m.B, m.P, m.PP))
            if m.P != NULL_BALLOT:
                ok.append(t.b_leq(P, B))
            if m.PP != NULL_BALLOT:
                ok.append(t.b_less(PP, P))
            ok.append(z3.BoolVal(m.CN <= m.HN <= m.B.n))
        if m.type == "COMMIT":
            ok.append(z3.BoolVal(m.CN <= m.HN))
        return z3.And(ok) if ok else z3.BoolVal(True)

    def _invariants(self, s: _State) -> dict[str, z3.BoolRef]:
        """SCP.tla ``NominationOK`` and ``BallotStateOK`` for the node's state after the step
        (simplified once per distinct state)."""
        found = self._invariant_cache.get(s)
        if found is None:
            found = {name: z3.simplify(f) for name, f in self._invariant_formulas(s).items()}
            self._invariant_cache[s] = found
        return found

    def _invariant_formulas(self, s: _State) -> dict[str, z3.BoolRef]:
        t = self.t
        B, P, PP, H, C = (t.ballot_val(b) for b in (s.B, s.P, s.PP, s.H, s.C))
        X, Y, Z = t.set_val(s.X), t.set_val(s.Y), t.set_val(s.Z)
        nomination = z3.And((X & Y) == 0, t.subset(Z, Y))
        ballot = [
            z3.Implies(z3.Not(t.is_null(PP)), z3.And(t.b_less(PP, P), PP[1] != P[1])),
            z3.Implies(z3.Not(t.is_null(C)), z3.And(z3.Not(t.is_null(H)), z3.ULE(C[0], H[0]),
                                                    C[1] == H[1])),
        ]
        if s.phase >= 2:
            ballot += [z3.Not(t.is_null(C)), t.is_null(PP), B[1] == C[1], H[1] == C[1],
                       P[1] == C[1], z3.ULE(C[0], H[0])]
        if s.phase == 2:
            # SCP.tla asks H.n <= B.n in EXTERNALIZE too; MobileCoin raises H there and not B
            # (slot.rs ``do_externalize_phase``), so only COMMIT is held to it.
            ballot.append(z3.ULE(H[0], B[0]))
        if s.phase >= 1:
            ballot.append(z3.Not(t.is_null(B)))
        return {"NominationOK": nomination, "BallotStateOK": z3.And(ballot)}

    def _local_guards(self, node: str, key: tuple[str, int], before: _State,
                      after: _State) -> dict[str, z3.BoolRef]:
        """What any sequence of the node's local actions guarantees between two states."""
        t = self.t
        stored = self.M.get(key, {})
        g: dict[str, z3.BoolRef] = {}
        if before.phase == 3:
            # MobileCoin keeps raising H while externalized (slot.rs, externalize phase): the
            # confirmed-committed range may only grow, with the same value and quorum support.
            g["Externalized.state_frozen"] = z3.BoolVal(
                attrs.evolve(after, H=before.H) == before and after.H.x == before.H.x
                and after.H.n >= before.H.n)
            if after.H != before.H:
                g["ConfirmCommit[extend H]"] = self._confirmed_commit(node, stored, after)
            return g
        g["Phase.monotone"] = z3.BoolVal(after.phase >= before.phase)
        # nomination
        echoable = 0
        for m in stored.values():
            if m.type in ("NOM", "NOMPREP"):
                echoable |= m.X | m.Y
        votable = self.W.get(key, 0) | echoable
        new_votes = after.X & ~before.X
        g["VoteNominate.source"] = z3.BoolVal(new_votes & ~votable == 0)
        g["VoteNominate.not_after_confirm"] = z3.BoolVal(before.Z == 0 or new_votes == 0)
        g["AcceptNominate.Y_grows"] = t.subset(t.set_val(before.Y), t.set_val(after.Y))
        g["ConfirmNominate.Z_grows"] = t.subset(t.set_val(before.Z), t.set_val(after.Z))
        for v in _bits(after.Y & ~before.Y):
            voted = bool((before.X | votable) & (1 << v))
            quorum = self._quorum_with(node, {m: z3.BoolVal(t.nom_vote_or_accept(msg, v))
                                              for m, msg in stored.items()})
            blocking = self._blocking(node, {m for m, msg in stored.items()
                                             if t.nom_accepted(msg, v)})
            g[f"AcceptNominate[{self.values.name(v)}]"] = z3.And(
                z3.BoolVal(before.phase == 0),
                z3.Or(z3.And(z3.BoolVal(voted), quorum), z3.BoolVal(blocking)))
        for v in _bits(after.Z & ~before.Z):
            g[f"ConfirmNominate[{self.values.name(v)}]"] = z3.And(
                z3.BoolVal(before.phase == 0),
                self._quorum_with(node, {m: z3.BoolVal(t.nom_accepted(msg, v))
                                         for m, msg in stored.items()}))
        B0, B1 = t.ballot_val(before.B), t.ballot_val(after.B)
        # B starts from combine(Z) (ConfirmNominate), H's value (ConfirmPrepare, AcceptCommit)
        # or, once a timer fires, P's value (Bump's NextValue).
        g["BallotStart.value"] = z3.BoolVal(
            before.B != NULL_BALLOT or after.B == NULL_BALLOT or after.Z != 0
            or after.B.x in (after.H.x, after.P.x))
        if after.B != before.B:
            # B only rises, but the correct variant accepting commit <lo..hi, x> from a
            # prepare phase sets B to <hi, x> (CommitBallot), which a ConfirmCommit in the same
            # step keeps
            to_h = (self.variant == "correct" and before.phase <= 1 and after.phase >= 2
                    and after.B.x == after.C.x and after.H.n <= after.B.n)
            g["Bump.B_monotone"] = z3.Or(t.is_null(B0), t.b_less(B0, B1), z3.BoolVal(to_h))
        # prepare side
        if after.P != before.P and after.P != NULL_BALLOT:
            from_commit = after.phase >= 2 and after.P.x == after.H.x
            g["AcceptPrepare[P]"] = z3.Or(z3.BoolVal(from_commit),
                                          self._prepare_acceptable(node, stored, before, after,
                                                                   after.P))
        if after.PP not in (before.PP, NULL_BALLOT, before.P):
            g["AcceptPrepare[PP]"] = self._prepare_acceptable(node, stored, before, after,
                                                              after.PP)
        if after.H != before.H and after.phase <= 1:
            Hb = t.ballot_val(after.H)
            g["ConfirmPrepare[H]"] = z3.And(
                t.b_less(t.ballot_val(before.H), Hb),
                self._quorum_with(node, {m: t.prep_accepted(msg, Hb)
                                         for m, msg in stored.items()}))
        # commit side
        if after.phase == 2 and (before.phase < 2 or (after.C, after.H) != (before.C, before.H)):
            g["AcceptCommit[C..H]"] = self._commit_acceptable(node, stored, before, after)
        if after.phase == 3:
            g["ConfirmCommit[C..H]"] = self._confirmed_commit(node, stored, after)
        return g

    def _confirmed_commit(self, node: str, stored: dict[str, _Msg], after: _State) -> z3.BoolRef:
        """SCP.tla ``ConfirmCommit`` / ``CommitConfirmedIn``: a quorum accepts commit of every
        ballot in C..H (C's value)."""
        t = self.t
        return z3.And([
            self._quorum_with(node, {m: z3.BoolVal(t.commit_accepted(msg, k, after.C.x))
                                     for m, msg in stored.items()})
            for k in self._breakpoints(stored, after.C.n, after.H.n, ())])

    def _prepare_acceptable(self, node: str, stored: dict[str, _Msg], before: _State,
                            after: _State, ballot: _Ballot) -> z3.BoolRef:
        """SCP.tla ``PrepareAcceptable`` (or ``MCPrepareAcceptable`` for the mobilecoin
        variant) of ``ballot``; the local vote may come from B before or after the step."""
        t = self.t
        b = t.ballot_val(ballot)
        self_vote = z3.Or([t.below(b, t.ballot_val(c))
                           for c in (before.B, after.B, before.P, before.PP)])
        quorum = z3.And(self_vote, self._quorum_with(
            node, {m: t.prep_vote_or_accept(msg, b) for m, msg in stored.items()}))
        accepting = {m for m, msg in stored.items()
                     if z3.is_true(z3.simplify(t.prep_accepted(msg, b)))}
        if self.variant == "correct":
            return z3.Or(quorum, z3.BoolVal(self._blocking(node, accepting)))
        some_value = t.ballot_val(_Ballot(1, ballot.x))
        accepting_value = {m for m, msg in stored.items()
                           if z3.is_true(z3.simplify(t.prep_accepted(msg, some_value)))}
        named = any(ballot in _accepted_prep_ballots(msg) for msg in stored.values())
        return z3.Or(quorum, z3.BoolVal(named and self._blocking(node, accepting_value)))

    def _commit_acceptable(self, node: str, stored: dict[str, _Msg], before: _State,
                           after: _State) -> z3.BoolRef:
        """SCP.tla ``AcceptCommit``'s acceptance condition for the range C..H of the state
        after the step, checked at every counter where some sender's support changes."""
        t = self.t
        x, lo, hi = after.C.x, after.C.n, after.H.n
        if lo > hi:
            return z3.BoolVal(False)
        per_counter = []
        top = before.H.n
        if self.variant == "correct" and before.phase == 2:
            top = _commit_bound(stored, before.H.n, x)
        allowed = self.variant == "mobilecoin" or before.phase >= 2
        for k in self._breakpoints(stored, lo, hi, (before.C.n, before.H.n, top, after.P.n)):
            # SelfVotesCommit: the vote held before the step (TraceSCP OwnTop), or one
            # VoteCommit may cast in this step, which needs prepare <k, x> confirmed first;
            # the correct variant entering COMMIT needs <k, x> not aborted by P (CommitAllowed).
            if not allowed and _aborted(_Ballot(k, x), after.P):
                per_counter.append(z3.BoolVal(False))
                continue
            voted_before = (before.C != NULL_BALLOT and x == before.C.x
                            and before.C.n <= k <= top)
            self_vote: z3.BoolRef = z3.BoolVal(voted_before)
            if not voted_before and before.phase <= 1:
                kb = t.ballot_val(_Ballot(k, x))
                self_vote = self._quorum_with(node, {m: t.prep_accepted(msg, kb)
                                                     for m, msg in stored.items()})
            quorum = z3.And(self_vote, self._quorum_with(
                node, {m: z3.BoolVal(t.commit_vote_or_accept(msg, k, x))
                       for m, msg in stored.items()}))
            blocking = self._blocking(node, {m for m, msg in stored.items()
                                             if t.commit_accepted(msg, k, x)})
            per_counter.append(z3.Or(quorum, z3.BoolVal(blocking)))
        correct = z3.And(per_counter)
        if self.variant == "correct":
            return correct
        whole = any(_accepted_commit_range(msg) == (lo, hi, x) for msg in stored.values())
        overlapping = {m for m, msg in stored.items()
                       if (r := _accepted_commit_range(msg))[2] == x and r[0] <= hi
                       and lo <= r[1]}
        return z3.Or(correct, z3.BoolVal(whole and self._blocking(node, overlapping)))

    @staticmethod
    def _breakpoints(stored: dict[str, _Msg], lo: int, hi: int,
                     own: tuple[int, ...]) -> list[int]:
        """The counters of lo..hi where some sender's (or the node's own, ``own``) support
        can change: checking them checks the whole range (TraceSCP ``Breakpoints``)."""
        points = {lo}
        for c in [x for m in stored.values() for x in (m.CN, m.HN, m.PN, m.B.n)] + list(own):
            for k in (c, c + 1):
                if lo <= k <= hi:
                    points.add(k)
        return sorted(points)


def _accepted_prep_ballots(m: _Msg) -> set[_Ballot]:
    """SCP.tla ``AcceptedPrepBallots``."""
    if m.type in ("NOMPREP", "PREP"):
        return {b for b in (m.P, m.PP) if b != NULL_BALLOT}
    if m.type == "COMMIT":
        return {_Ballot(m.PN, m.B.x)}
    if m.type == "EXT":
        return {_Ballot(INFINITY, m.B.x)}
    return set()


def _commit_bound(stored: dict[str, _Msg], hn: int, x: int) -> int:
    """SCP.tla ``CommitBoundIn``: the highest counter the stored commit statements of value x
    name, and H.n."""
    tops = [hn]
    for m in stored.values():
        if m.B.x == x and ((m.type in ("NOMPREP", "PREP") and m.CN != 0) or m.type == "COMMIT"):
            tops.append(m.HN)
        elif m.type == "EXT" and m.B.x == x:
            tops.append(m.B.n)
    return max(tops)


def _set_less(a: int, b: int) -> bool:
    """SCP.tla ``SetLess`` on bit sets (sorted index vectors, Rust ``Vec`` order)."""
    return _bits(a) < _bits(b)


def _aborted(c: _Ballot, p: _Ballot) -> bool:
    """SCP.tla ``Aborted(c, p)``: p is above c with another value."""
    return p != NULL_BALLOT and (c.n < p.n or (c.n == p.n and _set_less(c.x, p.x))) \
        and p.x != c.x


def _accepted_commit_range(m: _Msg) -> tuple[int, int, int]:
    """SCP.tla ``AcceptedCommitRange`` as (lo, hi, value set)."""
    if m.type == "COMMIT":
        return m.CN, m.HN, m.B.x
    if m.type == "EXT":
        return m.B.n, INFINITY, m.B.x
    return 1, 0, 0


def _quorum_set_of(raw_msg: dict[str, Any]) -> QuorumSet:
    try:
        return QuorumSet.from_json(raw_msg.get("quorum_set"))
    except RefImplError as exc:
        raise _bad(f"a message's quorum set is malformed: {exc.message}") from None


def _qset_key(q: QuorumSet) -> tuple[Any, ...]:
    """A quorum set as SCP.tla's record [t, v, i]: members and inner sets as sets."""
    return (q.threshold, frozenset(m for m in q.members if not isinstance(m, QuorumSet)),
            frozenset(_qset_key(m) for m in q.members if isinstance(m, QuorumSet)))


def _bits(s: int) -> list[int]:
    return [i for i in range(s.bit_length()) if s >> i & 1]


# --- entry points -----------------------------------------------------------------------------


def check_trace(lines: Sequence[dict[str, Any]], slot: int | None = None) -> TraceReport:
    """Validate a parsed trace (header, steps, verdict: :mod:`refimpl.formal.trace_frame`), or
    only the steps of ``slot`` (the frame always); stop at the first failing step."""
    started = time.perf_counter()
    frame = read_frame(lines)
    require_slot(frame, slot)
    values = _Values(v for line in lines for v in _all_hex_values(line))
    checker = _Checker(frame.header, values)
    steps = 0
    for line in frame.steps:
        if slot is not None and line.get("slot") != slot:
            if line.get("event") == "send" and isinstance(line.get("args"), dict):
                checker.sent.add(checker.msg_key(line["args"].get("msg")))
            continue
        steps += 1
        failing = checker.check_step(line)
        if failing:
            failure = StepFailure(line["seq"], str(line.get("node")), str(line.get("event")),
                                  failing)
            return TraceReport(False, steps, failure, time.perf_counter() - started)
    if frame.failure is not None:
        return TraceReport(False, steps, frame.failure, time.perf_counter() - started)
    return TraceReport(True, steps, None, time.perf_counter() - started)


def read_trace_lines(text: str) -> list[dict[str, Any]]:
    """Parse ndjson text (``formal.bad_trace`` on a line that is not a JSON object); the same
    reader as the TLC trace validation's."""
    return parse_ndjson(text.splitlines())


def check_trace_file(path: Path) -> TraceReport:
    """Read and validate an ndjson trace file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(f"cannot read {path}: {exc}") from None
    return check_trace(read_trace_lines(text))
