"""The deterministic, seeded discrete-event network that runs SCP nodes over many slots.

A stand-in for MobileCoin's mock network (``consensus/scp/tests/mock_network/mod.rs``) and service
layer (``consensus/service/src/byzantine_ledger``): every node broadcasts each new latest message to
all other nodes (full-mesh transport whatever the quorum sets), messages for a slot a node has not
reached yet are buffered and replayed when it gets there (the service worker does this), and when
links come back (a partition heals, or at GST) every node re-sends its latest message of each slot a
peer still lacks (the peer RPC ``get_latest_msg``). When a node externalizes slot s it proposes its
values for slot s+1 at once (no inter-slot pause, as in MobileCoin).

Values are opaque bytes: each slot has a pool of ``values_per_slot`` random 10-letter values and
each honest node proposes a random non-empty subset; combine is the sorted union capped at
``value_cap``. Everything random comes from ``random.Random`` instances seeded from the seed, so a
run (and its trace) is a pure function of :class:`SimConfig`.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import attrs

from refimpl.consensus.scp.msg import VARIANTS, Msg, Variant
from refimpl.consensus.scp.types import NodeID, QuorumSet, Value
from refimpl.consensus.sim.actors import (
    Actor,
    Effects,
    HonestActor,
    always_valid,
    sorted_union_capped,
)
from refimpl.consensus.sim.byzantine import (
    BEHAVIOURS,
    ByzantineContext,
    SilentActor,
    make_byzantine,
)
from refimpl.consensus.sim.faults import FaultModel, uniform_ms
from refimpl.consensus.sim.scheduler import Scheduler
from refimpl.consensus.sim.topology import validate_topology
from refimpl.consensus.sim.trace import TraceSink, value_set_hash
from refimpl.errors import ScpError

ProgressFn = Callable[[int, int], None]

_DELIVER, _TIMER, _RESYNC = 0, 1, 2
Event = tuple[Any, ...]


@attrs.frozen
class SimConfig:
    """Everything a run depends on. ``byzantine`` maps node ids to a behaviour name."""

    topology: Mapping[NodeID, QuorumSet] = attrs.field(eq=False)
    slots: int = 3
    values_per_slot: int = 3
    value_cap: int = 100
    byzantine: Mapping[NodeID, str] = attrs.field(factory=dict, eq=False)
    faults: FaultModel = FaultModel()
    variant: Variant = "correct"
    seed: int = 0
    max_time_ms: int = 3_600_000
    label: Mapping[str, Any] = attrs.field(factory=dict, eq=False)

    def validate(self) -> None:
        """Raise ``scp.*`` errors for an invalid configuration or inconsistent parameters."""
        validate_topology(dict(self.topology))
        problems = []
        if self.slots < 1:
            problems.append("need at least one slot")
        if not 1 <= self.values_per_slot <= 10_000:
            problems.append("values per slot must be in 1..10000")
        if self.value_cap < 1:
            problems.append("the value cap must be at least 1")
        if self.variant not in VARIANTS:
            problems.append(f"unknown variant {self.variant!r}")
        for node, behaviour in self.byzantine.items():
            if node not in self.topology:
                problems.append(f"Byzantine node {node!r} is not in the configuration")
            if behaviour not in BEHAVIOURS:
                problems.append(f"unknown Byzantine behaviour {behaviour!r}")
        if problems:
            raise ScpError("scp.sim_bad_parameters", "; ".join(problems))
        self.faults.validate(frozenset(self.topology))

    def header_config(self) -> dict[str, Any]:
        return {
            **dict(self.label),
            "slots": self.slots,
            "values_per_slot": self.values_per_slot,
            "value_cap": self.value_cap,
            "faults": self.faults.to_json(),
            "byzantine_behaviour": dict(sorted(self.byzantine.items())),
            "max_time_ms": self.max_time_ms,
        }


@attrs.frozen
class SimResult:
    """The outcome of a run (the trace's verdict plus counters)."""

    agreement: bool
    externalized: dict[NodeID, list[str]]
    values_per_slot: dict[int, int]
    messages: int
    sent: int
    dropped: int
    time_ms: int
    slots_completed: int
    all_externalized: bool
    disagreements: dict[int, dict[str, list[NodeID]]]
    honest: tuple[NodeID, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "externalized": self.externalized,
            "messages": self.messages,
            "sent": self.sent,
            "dropped": self.dropped,
            "time_ms": self.time_ms,
            "slots_completed": self.slots_completed,
            "all_externalized": self.all_externalized,
            "values_per_slot": {str(k): v for k, v in sorted(self.values_per_slot.items())},
            "disagreements": {str(k): v for k, v in sorted(self.disagreements.items())},
        }


def _seeded(seed: int, *parts: object) -> random.Random:
    return random.Random("/".join(["mcref-scp-sim", str(seed), *map(str, parts)]))


def slot_value_pool(seed: int, slot: int, count: int) -> list[Value]:
    """The slot's candidate values: ``count`` distinct random 10-letter strings."""
    rng = _seeded(seed, "values", slot)
    pool: set[Value] = set()
    while len(pool) < count:
        pool.add("".join(rng.choices(string.ascii_lowercase, k=10)).encode())
    return sorted(pool)


class Network:
    """One simulation run. Build it, then call :meth:`run` once."""

    def __init__(self, config: SimConfig, trace: TraceSink | None = None) -> None:
        config.validate()
        self.config = config
        self.trace = trace or TraceSink()
        self.ids = sorted(config.topology)
        self.honest = tuple(n for n in self.ids if n not in config.byzantine)
        self._rng = _seeded(config.seed, "network")
        self._sched: Scheduler[Event] = Scheduler()
        combine = sorted_union_capped(config.value_cap)
        world_of = {node: index % 2 for index, node in enumerate(self.honest)}
        self.actors: dict[NodeID, Actor] = {}
        for node in self.ids:
            quorum_set = config.topology[node]
            if node in config.byzantine:
                ctx = ByzantineContext(
                    peers=tuple(p for p in self.ids if p != node),
                    byzantine=frozenset(config.byzantine), world_of=world_of,
                    variant=config.variant, validity_fn=always_valid, combine_fn=combine,
                    seed=config.seed,
                )
                self.actors[node] = make_byzantine(config.byzantine[node], node, quorum_set, ctx)
            else:
                self.actors[node] = HonestActor(node, quorum_set, config.variant, always_valid,
                                                combine)
        self._crash = {n: config.faults.crash_time(n) for n in self.ids}
        self._timers: dict[NodeID, dict[Hashable, int]] = {n: {} for n in self.ids}
        self._buffer: dict[NodeID, dict[int, list[tuple[NodeID, Msg, int | None]]]] = {
            n: {} for n in self.ids
        }
        self._slot_of = {n: self.actors[n].current_slot() for n in self.ids}
        self.first_slot = min(self._slot_of[n] for n in self.honest) if self.honest else 0
        self.last_slot = self.first_slot + config.slots - 1
        self._latest_sent: dict[NodeID, dict[int, Msg]] = {n: {} for n in self.honest}
        self.externalized: dict[NodeID, dict[int, tuple[Value, ...]]] = {n: {} for n in self.ids}
        self.messages = 0
        self.sent = 0
        self.dropped = 0
        self._finished: set[NodeID] = set()
        self._completed = 0
        self._progress: ProgressFn | None = None
        self._now_ms = 0
        self._cut_groups: dict[NodeID, int] = {}
        self._done_dirty = True
        self._done_recheck_at = 0

    # --- helpers ---------------------------------------------------------------------------

    def _running(self, node: NodeID, now_ms: int) -> bool:
        crash = self._crash[node]
        return crash is None or now_ms < crash

    def proposal(self, node: NodeID, slot: int) -> tuple[Value, ...]:
        """The values ``node`` proposes for ``slot``: a seeded non-empty subset of the pool."""
        pool = slot_value_pool(self.config.seed, slot, self.config.values_per_slot)
        rng = _seeded(self.config.seed, "proposal", slot, node)
        chosen = tuple(v for v in pool if rng.random() < 0.5)
        return chosen or (pool[rng.randrange(len(pool))],)

    def _send(self, src: NodeID, dst: NodeID, msg: Msg, world: int | None, now_ms: int) -> None:
        self.sent += 1
        cut = self._cut_groups
        if cut and cut.get(src, -1) != cut.get(dst, -1):
            self.dropped += 1
            return
        delay = self.config.faults.delivery_delay(self._rng, src, dst, now_ms)
        if delay is None:
            self.dropped += 1
            return
        self._sched.schedule(now_ms + delay, (_DELIVER, src, dst, msg, world))

    def _synchronous(self, now_ms: int) -> bool:
        """No cut, no partition, past GST: every message arrives, after a uniform delay."""
        faults = self.config.faults
        return not self._cut_groups and not faults.partitions and now_ms >= faults.gst_ms

    def _broadcast_synchronous(self, src: NodeID, targets: Sequence[NodeID], msg: Msg,
                               world: int | None, now_ms: int) -> None:
        """The fast path of :meth:`_send` for the synchronous case: the same draws, inlined."""
        faults = self.config.faults
        lo, hi = faults.delay_min_ms, faults.delay_max_ms
        schedule = self._sched.schedule
        rng = self._rng
        for dst in targets:
            if dst != src:
                self.sent += 1
                schedule(now_ms + uniform_ms(rng, lo, hi), (_DELIVER, src, dst, msg, world))

    def _apply(self, node: NodeID, effects: Effects, now_ms: int, slot_hint: int) -> None:
        actor = self.actors[node]
        if self.trace.enabled and not actor.byzantine:
            for step in effects.steps:
                self.trace.step(now_ms, node, int(step.get("slot", slot_hint)), step["event"],
                                step.get("args", {}), step.get("state", {}))
        for send in effects.sends:
            msg = send.msg
            if actor.byzantine:
                if self.trace.enabled:
                    self.trace.step(now_ms, node, msg.slot_index, "send",
                                    {"msg": msg.to_json()}, {}, byzantine=True)
            else:
                self._latest_sent[node][msg.slot_index] = msg
            targets = send.targets if send.targets is not None else self.ids
            if self._synchronous(now_ms):
                self._broadcast_synchronous(node, targets, msg, send.world, now_ms)
            else:
                for dst in targets:
                    if dst != node:
                        self._send(node, dst, msg, send.world, now_ms)
        timers = self._timers[node]
        for key, deadline in effects.timers.items():
            if deadline is None:
                timers.pop(key, None)
            elif timers.get(key) != deadline:
                timers[key] = deadline
                self._sched.schedule(max(deadline, now_ms), (_TIMER, node, key, deadline))
        if effects.externalized is not None and not actor.byzantine:
            slot, values = effects.externalized
            self.externalized[node][slot] = tuple(values)
            if slot >= self.last_slot:
                self._finished.add(node)
                self._done_dirty = True
            self._report_progress()
        current = actor.current_slot()
        if current > self._slot_of[node]:
            self._slot_of[node] = current
            self._enter_slot(node, current, now_ms)

    def _enter_slot(self, node: NodeID, slot: int, now_ms: int) -> None:
        actor = self.actors[node]
        if slot <= self.last_slot and (actor.byzantine or node not in self._finished):
            self._apply(node, actor.propose(self.proposal(node, slot), now_ms), now_ms, slot)
        buffered = self._buffer[node]
        for pending_slot in sorted(s for s in buffered if s <= self._slot_of[node]):
            for src, msg, world in buffered.pop(pending_slot):
                self._deliver(src, node, msg, world, now_ms)

    def _deliver(self, src: NodeID, dst: NodeID, msg: Msg, world: int | None,
                 now_ms: int) -> None:
        actor = self.actors[dst]
        slot = self._slot_of[dst]
        if msg.slot_index > slot and getattr(actor, "buffers_future", True):
            self._buffer[dst].setdefault(msg.slot_index, []).append((src, msg, world))
            return
        self.messages += 1
        self._apply(dst, actor.receive(msg, world, now_ms), now_ms, msg.slot_index)

    def _resync(self, now_ms: int) -> None:
        for src in self.honest:
            if not self._running(src, now_ms):
                continue
            latest = self._latest_sent[src]
            for dst in self.ids:
                if dst == src or not self._running(dst, now_ms):
                    continue
                for slot in range(self._slot_of[dst], self._slot_of[src] + 1):
                    msg = latest.get(slot)
                    if msg is not None:
                        self._send(src, dst, msg, None, now_ms)

    def _report_progress(self) -> None:
        running = [n for n in self.honest if self._crash[n] is None]
        if not running:
            return
        done = min(len(self.externalized[n]) for n in running)
        if done > self._completed:
            self._completed = done
            if self._progress is not None:
                self._progress(done, self.config.slots)

    def _all_done(self, now_ms: int) -> bool:
        # The answer only changes when a node finishes or crashes: recompute only then.
        if not self._done_dirty and now_ms < self._done_recheck_at:
            return False
        done = all(n in self._finished for n in self.honest if self._running(n, now_ms))
        self._done_dirty = False
        self._done_recheck_at = min(
            (c for c in self._crash.values() if c is not None and c > now_ms), default=2**63
        )
        return done

    # --- the run -----------------------------------------------------------------------------

    def run(self, progress: ProgressFn | None = None) -> SimResult:
        """Run until every running honest node externalized every slot, or time runs out."""
        self.start(progress)
        self.run_until(self.config.max_time_ms)
        return self.finish()

    def start(self, progress: ProgressFn | None = None) -> None:
        """Write the trace header and let every node propose its first slot's values."""
        self._progress = progress
        config = self.config
        self.trace.header(
            config=config.header_config(), seed=config.seed, variant=config.variant,
            nodes={n: config.topology[n].to_json() for n in self.ids},
            byzantine=sorted(config.byzantine),
        )
        for heal in config.faults.heal_times():
            self._sched.schedule(heal, (_RESYNC,))
        for node in self.ids:
            if self._running(node, 0):
                self._enter_slot(node, self._slot_of[node], 0)

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def done(self) -> bool:
        """Every running honest node has externalized the last slot."""
        return self._all_done(self._now_ms)

    def run_until(self, until_ms: int) -> None:
        """Process events up to simulated time ``until_ms`` (or until every node is done)."""
        until_ms = min(until_ms, self.config.max_time_ms)
        while not self._all_done(self._now_ms):
            at = self._sched.peek_time()
            if at is None or at > until_ms:
                self._now_ms = max(self._now_ms, min(until_ms, self._sched.now_ms))
                return
            item = self._sched.pop()
            assert item is not None
            now_ms, event = item
            self._now_ms = now_ms
            kind = event[0]
            if kind == _DELIVER:
                _, src, dst, msg, world = event
                if self._running(dst, now_ms):
                    self._deliver(src, dst, msg, world, now_ms)
            elif kind == _TIMER:
                _, node, key, deadline = event
                if self._running(node, now_ms) and self._timers[node].get(key) == deadline:
                    del self._timers[node][key]
                    slot_hint = key[-2] if isinstance(key, tuple) else self._slot_of[node]
                    self._apply(node, self.actors[node].timeout(key, now_ms), now_ms,
                                int(slot_hint))
            else:
                self._resync(now_ms)

    # --- faults injected while running (the stateful tests drive these) -------------------------

    def cut(self, groups: tuple[frozenset[NodeID], ...]) -> None:
        """From now on drop messages between nodes of different ``groups`` (until :meth:`heal`)."""
        self._cut_groups = {node: i for i, group in enumerate(groups) for node in group}

    def heal(self) -> None:
        """Remove the cut and let every node re-send what its peers lack (at the current time)."""
        self._cut_groups = {}
        self._resync(self._now_ms)

    def crash(self, node: NodeID) -> None:
        """``node`` stops now, for good."""
        if node not in self._crash:
            raise ScpError("scp.sim_bad_parameters", f"unknown node {node!r}")
        crash = self._crash[node]
        self._crash[node] = self._now_ms if crash is None else min(crash, self._now_ms)
        self._done_dirty = True

    def silence_byzantine(self) -> None:
        """Byzantine nodes stop taking steps from now on: the hypothesis under which SCP's
        liveness holds (WP Theorem 16, liveness "regardless of past ill-behavior": non-intact nodes
        eventually stop taking steps)."""
        for node in self.config.byzantine:
            self.actors[node] = SilentActor(node)
            self._timers[node].clear()

    def agreement_so_far(self) -> bool:
        """No two honest nodes externalized different values for any slot (so far)."""
        return not self._result(self._now_ms).disagreements

    def finish(self) -> SimResult:
        """Write the verdict and return the result."""
        result = self._result(self._now_ms)
        self.trace.verdict(agreement=result.agreement, externalized=result.externalized,
                           messages=result.messages, time_ms=result.time_ms)
        return result

    def _result(self, now_ms: int) -> SimResult:
        disagreements: dict[int, dict[str, list[NodeID]]] = {}
        values_per_slot: dict[int, int] = {}
        for slot in range(self.first_slot, self.last_slot + 1):
            seen: dict[str, list[NodeID]] = {}
            for node in self.honest:
                values = self.externalized[node].get(slot)
                if values is not None:
                    seen.setdefault(value_set_hash(values), []).append(node)
                    values_per_slot.setdefault(slot, len(values))
            if len(seen) > 1:
                disagreements[slot] = seen
        externalized = {
            node: [value_set_hash(v) for _, v in sorted(self.externalized[node].items())]
            for node in self.honest
        }
        all_done = all(
            len(self.externalized[n]) >= self.config.slots
            for n in self.honest if self._crash[n] is None
        )
        return SimResult(
            agreement=not disagreements, externalized=externalized,
            values_per_slot=values_per_slot, messages=self.messages, sent=self.sent,
            dropped=self.dropped, time_ms=now_ms, slots_completed=self._completed,
            all_externalized=all_done, disagreements=disagreements, honest=self.honest,
        )


def simulate(config: SimConfig, trace: TraceSink | None = None,
             progress: ProgressFn | None = None) -> SimResult:
    """Build a :class:`Network` for ``config`` and run it."""
    return Network(config, trace).run(progress)
