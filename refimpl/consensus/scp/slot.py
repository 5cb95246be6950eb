"""One SCP slot: message intake, nomination, the ballot protocol, timers, the outgoing message.

MobileCoin ``consensus/scp/src/slot.rs``; contract docs/scp-interface.md; where it departs from
MobileCoin and the paper: docs/deviations.md#dev-scp (timers: docs/deviations.md#dev-scp-timers).
Sans-I/O: time comes in as ``now_ms``, timers go out as absolute deadlines in
``SlotOutput.timers`` (kind -> deadline, or None when unarmed), messages go out as the slot's new
latest message. Timer formulas (base interval 1000 ms, hard-coded as in ``Slot::new``):
nomination ``now + 1000 · nominate_round``; ballot ``now + 1000 · (B.N + 1)``.

Spec actions (spec/scp): ``propose`` = Propose, ``receive`` = Receive (store in M, then run the
nomination step while phase = NOMINATE_PREPARE and the ballot protocol), ``timeout`` =
NominationTimeout / BallotTimeout. Each returns the spec-level steps it took.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from refimpl.consensus.scp import ballot as bp
from refimpl.consensus.scp.msg import (
    VARIANTS,
    Msg,
    StatementIndex,
    Topic,
    Variant,
    intake,
    topic_order_key,
)
from refimpl.consensus.scp.nomination import (
    newly_accepted,
    newly_confirmed,
    round_leader,
    values_to_vote,
)
from refimpl.consensus.scp.quorum import QuorumContext
from refimpl.consensus.scp.types import Ballot, NodeID, QuorumSet, Value, ballot_json, values_json
from refimpl.errors import ScpError

BASE_ROUND_INTERVAL_MS = 1000
BASE_BALLOT_INTERVAL_MS = 1000
TIMER_KINDS = ("nominate", "ballot")

ValidityFn = Callable[[Value], bool]
CombineFn = Callable[[Sequence[Value]], Sequence[Value]]


_JSON_CACHE: dict[Any, Any] = {}


def _values_json(values: frozenset[Value]) -> list[str]:
    """Cached (shared, read-only) JSON form of a value set."""
    found = _JSON_CACHE.get(values)
    if found is None:
        if len(_JSON_CACHE) > 50_000:
            _JSON_CACHE.clear()
        found = _JSON_CACHE[values] = values_json(values)
    return found


def _ballot_json(ballot: Ballot | None) -> dict[str, Any] | None:
    """Cached (shared, read-only) JSON form of an optional ballot."""
    if ballot is None:
        return None
    key = ("ballot", ballot)
    found = _JSON_CACHE.get(key)
    if found is None:
        if len(_JSON_CACHE) > 50_000:
            _JSON_CACHE.clear()
        found = _JSON_CACHE[key] = ballot_json(ballot)
    return found


@attrs.frozen(eq=False)
class SlotOutput:
    """The result of one slot input (docs/scp-interface.md)."""

    message: Msg | None
    timers: dict[str, int | None]
    externalized: tuple[Value, ...] | None
    steps: tuple[dict[str, Any], ...]


class Slot:
    """The state machine of one slot index at one node (MobileCoin ``Slot``). ``trace=False``
    skips building spec-level steps and state snapshots (``SlotOutput.steps`` is then empty);
    the protocol behaviour is the same."""

    def __init__(
        self,
        slot_index: int,
        node_id: NodeID,
        quorum_set: QuorumSet,
        validity_fn: ValidityFn,
        combine_fn: CombineFn,
        variant: Variant = "correct",
        trace: bool = True,
    ) -> None:
        if variant not in VARIANTS:
            raise ScpError("scp.config_bad_variant", f"unknown variant {variant!r}")
        quorum_set.validate()
        self.slot_index = slot_index
        self.node_id = node_id
        self.quorum_set = quorum_set
        self.variant: Variant = variant
        self._validity_fn = validity_fn
        self._combine_fn = combine_fn
        self._valid: dict[Value, bool] = {}
        self._known_valid: set[Value] = set()
        self.M: dict[NodeID, Msg] = {}
        self._index = StatementIndex()
        self._ballot_memo: tuple[Any, ...] | None = None
        self._nominate_memo: tuple[Any, ...] | None = None
        self._ctx = QuorumContext(node_id, quorum_set, self._index.qsets)
        self.W: frozenset[Value] = frozenset()
        self.X: frozenset[Value] = frozenset()
        self.Y: frozenset[Value] = frozenset()
        self.Z: frozenset[Value] = frozenset()
        self.ballot = bp.BallotState()
        self.nominate_round = 1
        self.leaders = frozenset(
            {round_leader(slot_index, 1, node_id, quorum_set, frozenset())}
        )
        self._timers: dict[str, int | None] = {"nominate": None, "ballot": None}
        self.last_sent: Msg | None = None
        self._out_memo: tuple[Any, Topic | None] = (None, None)
        self._steps: list[dict[str, Any]] = []
        self.trace = trace
        self._state_key: tuple[Any, ...] | None = None
        self._state_cache: dict[str, Any] = {}

    # --- read-only views ------------------------------------------------------------------------

    @property
    def phase(self) -> str:
        return self.ballot.phase

    @property
    def timers(self) -> dict[str, int | None]:
        return dict(self._timers)

    def externalized_values(self) -> tuple[Value, ...] | None:
        """C.X once the slot externalized, else None."""
        if self.ballot.phase != bp.EXTERNALIZE or self.ballot.C is None:
            return None
        return self.ballot.C.values

    def state(self) -> dict[str, Any]:
        """The spec variables, JSON-ready (docs/scp-interface.md "Traces"). B is null while
        it is the zero ballot. The dict is cached while the variables stay the same objects
        (shared between steps: treat it as read-only)."""
        key = (self.ballot, self.X, self.Y, self.Z, self.nominate_round)
        old = self._state_key
        if (old is None or old[0] is not key[0] or old[1] is not key[1] or old[2] is not key[2]
                or old[3] is not key[3] or old[4] != key[4]):
            self._state_key = key
            b = self.ballot
            self._state_cache = {
                "phase": b.phase,
                "X": _values_json(self.X),
                "Y": _values_json(self.Y),
                "Z": _values_json(self.Z),
                "B": _ballot_json(b.B),
                "P": _ballot_json(b.P),
                "PP": _ballot_json(b.PP),
                "H": _ballot_json(b.H),
                "C": _ballot_json(b.C),
                "nominate_round": self.nominate_round,
            }
        return self._state_cache

    # --- inputs ---------------------------------------------------------------------------------

    def propose_values(self, values: Iterable[Value], now_ms: int) -> SlotOutput:
        """Propose values (only while phase = NOMINATE_PREPARE and Z = ∅; invalid values are
        dropped): W ∪= valid values, then nomination and the ballot protocol."""
        values = tuple(values)
        for v in values:
            if not isinstance(v, bytes):
                raise ScpError("scp.bad_value", "proposed values must be bytes")
        before = self._snapshot()
        if self.phase == bp.NOMINATE_PREPARE and not self.Z:
            self.W = self.W | frozenset(v for v in values if self._is_valid(v))
            self._run_protocol(now_ms)
            self._step(now_ms, "propose", {"values": values_json(set(values))})
        return self._finish(now_ms, before)

    def handle_messages(self, msgs: Iterable[Msg], now_ms: int) -> SlotOutput:
        """Store each message that supersedes its sender's latest one, is structurally valid
        and (before EXTERNALIZE) mentions only valid values, then run the protocol after each
        stored message (one ``receive`` step per stored message). Others are dropped."""
        before = self._snapshot()
        batch = [m for m in msgs if isinstance(m, Msg)]
        if len(batch) > 1:
            batch.sort(key=lambda m: topic_order_key(m.topic, self.variant), reverse=True)
        for msg in batch:
            if self._store(msg):
                self._run_protocol(now_ms)
                self._step(now_ms, "receive", {"msg": intake(msg).json})
        return self._finish(now_ms, before)

    def handle_timeout(self, kind: str, now_ms: int) -> SlotOutput:
        """A timer fired. Ignored unless armed with a deadline ≤ ``now_ms``.

        ``nominate``: round += 1, add the round's leader, re-run nomination; ``"mobilecoin"``
        runs only the nomination step (slot.rs ``process_timeouts`` calls ``do_nominate_phase``
        alone), ``"correct"`` then runs the ballot protocol too, so that a value confirmed
        nominated by the timeout starts balloting at once (D05 §"Nominate message"/"Summary of
        phases": NOMINATE and PREPARE run concurrently; stellar-core: the nomination timer's
        ``NominationProtocol::nominate`` emits a statement that is processed like a received
        one, and ``processEnvelope`` hands a new composite value to ``Slot::bumpState``, i.e.
        the ballot protocol; docs/deviations.md#dev-scp-nomination-timeout). ``ballot``:
        B ← ⟨B.N + 1, next value⟩ and re-run the ballot protocol (WP §6.2 "timeout"; MobileCoin
        ``process_timeouts``). Timer rules: docs/deviations.md#dev-scp-timers.
        """
        if kind not in TIMER_KINDS:
            raise ScpError("scp.bad_timer", f"unknown timer kind {kind!r}")
        before = self._snapshot()
        deadline = self._timers[kind]
        if deadline is None or deadline > now_ms:
            return self._finish(now_ms, before)
        self._timers[kind] = None
        if kind == "nominate":
            if self.phase == bp.NOMINATE_PREPARE:
                self.nominate_round += 1
                leader = round_leader(
                    self.slot_index, self.nominate_round, self.node_id, self.quorum_set,
                    self.leaders,
                )
                self.leaders = self.leaders | {leader}
                if self.variant == "mobilecoin":
                    self._run_nomination(now_ms)  # slot.rs process_timeouts: nomination only
                else:
                    self._run_protocol(now_ms)
        elif self.phase != bp.EXTERNALIZE and self.ballot.B is not None:
            ctx = self._context()
            value = bp.next_ballot_values(
                self.ballot, ctx, self._index, self.variant, self.Z, self._combine
            )
            b = self.ballot.B
            counter = bp._u32(b.counter + 1, self.variant)
            if value is not None and (self.variant == "mobilecoin" or counter > b.counter):
                self.ballot = self.ballot.with_B(Ballot(counter, value))
            self._run_ballot(now_ms)
        self._step(now_ms, "timeout", {"timer": kind})
        return self._finish(now_ms, before)

    # --- internals ------------------------------------------------------------------------------

    def _combine(self, values: frozenset[Value]) -> tuple[Value, ...]:
        return tuple(sorted(set(self._combine_fn(tuple(sorted(values))))))

    def _is_valid(self, value: Value) -> bool:
        ok = self._valid.get(value)
        if ok is None:
            ok = bool(self._validity_fn(value))
            self._valid[value] = ok
            if ok:
                self._known_valid.add(value)
        return ok

    def _store(self, msg: Msg) -> bool:
        if msg.sender == self.node_id or msg.slot_index != self.slot_index:
            return False
        info = intake(msg)
        if info.statements is None:  # structurally invalid (Msg::validate)
            return False
        old = self.M.get(msg.sender)
        if old is not None and not info.keys[self.variant] > intake(old).keys[self.variant]:
            return False
        if (self.phase != bp.EXTERNALIZE and not info.values <= self._known_valid
                and not all(self._is_valid(v) for v in info.values)):
            return False
        self.M[msg.sender] = msg
        self._index.put(msg.sender, info.statements)
        self._ctx.invalidate()
        return True

    def _context(self) -> QuorumContext:
        return self._ctx

    def _run_protocol(self, now_ms: int) -> None:
        if self.phase == bp.NOMINATE_PREPARE:
            self._run_nomination(now_ms)
        self._run_ballot(now_ms)

    def _run_nomination(self, now_ms: int) -> None:
        """MobileCoin ``do_nominate_phase`` (WP §6.1). When the previous run changed
        nothing and its inputs are unchanged, the run is skipped (it would change nothing)."""
        key = (self._index.nominate_version, self.W, self.X, self.Y, self.Z, self.leaders,
               self.ballot.B is None, self._timers["nominate"] is not None)
        if key == self._nominate_memo:
            return
        ctx = self._context()
        index = self._index
        if not self.Z:
            self.X = self.X | values_to_vote(
                self.node_id, self.leaders, self.W, self.Y, index.nominations
            )
        accepted = newly_accepted(self.X, self.Y, ctx, index)
        if accepted:
            self.Y = self.Y | accepted
            self.X = self.X - accepted
        confirmed = newly_confirmed(self.Y, self.Z, ctx, index)
        if confirmed:
            self.Z = self.Z | confirmed
        if self.Z and self.ballot.B is None:
            self.ballot = self.ballot.with_B(Ballot(1, self._combine(self.Z)))
        if self._timers["nominate"] is None:
            self._timers["nominate"] = now_ms + BASE_ROUND_INTERVAL_MS * self.nominate_round
        after = (index.nominate_version, self.W, self.X, self.Y, self.Z, self.leaders,
                 self.ballot.B is None, self._timers["nominate"] is not None)
        self._nominate_memo = key if after == key else None

    def _maybe_arm_ballot_timer(self, now_ms: int) -> None:
        if self._timers["ballot"] is not None or self.phase == bp.EXTERNALIZE:
            return
        if bp.ballot_timer_due(self.ballot.B, self._context(), self._index):
            assert self.ballot.B is not None
            self._timers["ballot"] = now_ms + BASE_BALLOT_INTERVAL_MS * (self.ballot.B.counter + 1)

    def _run_ballot(self, now_ms: int) -> None:
        """MobileCoin ``do_ballot_protocol`` with the step-9 recursion (WP §6.2 step 9). When the
        previous run changed nothing and its inputs (ballot statements, state, Z, timer) are
        unchanged, the run is skipped (it would change nothing)."""
        key = (self._index.ballot_version, self.ballot, self.Z, self._timers["ballot"])
        if key == self._ballot_memo:
            return
        while True:
            self._maybe_arm_ballot_timer(now_ms)
            state, bumped = bp.advance(
                self.ballot, self._context(), self._index, self.variant, self.Z,
                self._combine,
            )
            if state != self.ballot:  # keep the old object when equal: cheaper memo checks
                self.ballot = state
            if state.phase != bp.NOMINATE_PREPARE:
                self._timers["nominate"] = None
            if state.phase == bp.EXTERNALIZE:
                self._timers["ballot"] = None
            if not bumped:
                break
            self._timers["ballot"] = None
        after = (self._index.ballot_version, self.ballot, self.Z, self._timers["ballot"])
        self._ballot_memo = key if after == key else None

    def _snapshot(self) -> tuple[Msg | None, str, dict[str, int | None]]:
        self._steps = []
        return self.last_sent, self.phase, dict(self._timers)

    def _step(self, now_ms: int, event: str, args: dict[str, Any]) -> None:
        """Record a spec-level step with the state snapshot (nothing when ``trace`` is off)."""
        if not self.trace:
            return
        self._steps.append({
            "kind": "step", "time_ms": now_ms, "node": self.node_id, "slot": self.slot_index,
            "event": event, "args": args, "state": self.state(),
        })

    def _finish(
        self, now_ms: int, before: tuple[Msg | None, str, dict[str, int | None]]
    ) -> SlotOutput:
        _, phase_before, _ = before
        key = (self.ballot, self.X, self.Y)
        if key != self._out_memo[0]:
            self._out_memo = (key, bp.outgoing_topic(self.ballot, self.X, self.Y, self.variant))
        topic = self._out_memo[1]
        message: Msg | None = None
        last = self.last_sent
        if topic is not None and (last is None or last.topic is not topic):
            msg = Msg(self.node_id, self.slot_index, self.quorum_set, topic)
            if last is None or msg.topic != last.topic or msg.quorum_set != last.quorum_set:
                self.last_sent = msg
                message = msg
                if self.trace:
                    self._step(now_ms, "send", {"msg": msg.to_json()})
        externalized: tuple[Value, ...] | None = None
        if phase_before != bp.EXTERNALIZE and self.phase == bp.EXTERNALIZE:
            externalized = self.externalized_values()
            assert externalized is not None
            self._step(now_ms, "externalize", {"values": values_json(externalized)})
        steps = tuple(self._steps)
        self._steps = []
        return SlotOutput(message, dict(self._timers), externalized, steps)
