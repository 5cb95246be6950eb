"""The consensus worker: one thread that owns the SCP node, the pending values and the slot.

MobileCoin ``consensus/service/src/byzantine_ledger/worker.rs``. Each :meth:`tick`:

1. drains the task queue: proposed tx hashes go to the pending values (admitted only if they
   validate), verified consensus messages to the message queue and the network state;
2. runs the catch-up state machine (:mod:`refimpl.node.sync`); while behind, nothing else;
3. nominates the first ``MAX_PENDING_VALUES_TO_NOMINATE`` (100) pending values when asked to;
4. handles queued messages of the current and previous slot (future ones wait, older ones and
   those on another parent block are dropped: "Msg refers to a different blockchain"),
   fetching unknown tx hashes from the peer that relayed the message (``GetTxs``) and
   relaying each new message to the other peers (unless ``relay`` is off: in a full mesh
   every node hears every message first-hand, and relaying only multiplies the traffic);
5. fires due SCP timers;
6. when the slot externalizes: forms the block inside the enclave, appends it, publishes it
   to the archive, drops the externalized and now-invalid values, expires old txs, and asks
   to nominate again if values remain (``complete_current_slot``).

Clocks: the SCP core counts in milliseconds with a 1000 ms base interval, hard-coded as in
MobileCoin's ``Slot::new``. ``scp_timebase_ms`` is the real duration of that base: the worker
feeds the core ``elapsed_real_ms * 1000 / scp_timebase_ms``, so a test network with a 100 ms
timebase runs the same protocol ten times faster. Trace steps are stamped with that scaled
wall-clock time since the network's trace epoch.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from refimpl.consensus.scp.msg import Msg, topic_values
from refimpl.consensus.scp.node import Node, NodeOutput, TimerKey
from refimpl.consensus.scp.types import NodeID, QuorumSet, Value
from refimpl.errors import RefImplError
from refimpl.ledger.block import Block
from refimpl.node.consensus_msg import ConsensusMsg
from refimpl.node.node_trace import NodeTrace
from refimpl.node.tx_manager import MAX_PENDING_VALUES_TO_NOMINATE

log = logging.getLogger("mcref.node.worker")

#: Messages for future slots kept while waiting (per node; older ones are dropped first).
MAX_FUTURE_MSGS = 10_000
#: Tick sleep when idle (MobileCoin: 10 ms).
TICK_SLEEP_S = 0.01


class Transactions(Protocol):
    """What the worker needs of the tx manager and pending values."""

    def is_known(self, tx_hash: bytes) -> bool: ...
    def is_valid(self, tx_hash: bytes) -> bool: ...
    def combine(self, tx_hashes: Sequence[bytes]) -> Sequence[bytes]: ...
    def admit_pending(self, tx_hashes: Sequence[bytes], received_at: float) -> None: ...
    def pending_first(self, n: int) -> Sequence[bytes]: ...
    def pending_count(self) -> int: ...
    def complete_slot(self, externalized: Sequence[bytes], num_blocks: int) -> None: ...


class Peers(Protocol):
    """What the worker needs of the peer connections."""

    def broadcast(self, msg: ConsensusMsg, exclude: frozenset[str]) -> None: ...
    def peer_ids(self) -> Sequence[str]: ...
    def fetch_txs(self, peer: str, tx_hashes: Sequence[bytes]) -> bool: ...


class BlockMaker(Protocol):
    """Forms, appends and publishes the block of externalized values; returns it."""

    def __call__(self, values: Sequence[bytes]) -> Block: ...


class Sync(Protocol):
    """The catch-up state machine as the worker drives it."""

    def observe(self, msg: Msg) -> None: ...
    def step(self, now_s: float) -> bool:
        """Advance the state machine (and catch up when behind); True while behind."""
        ...
    def slot_externalized(self) -> None: ...


@attrs.define
class SlotStatus:
    """What metrics and GetInfo report of the current and previous slot."""

    slot: int = 0
    phase: str = "NOMINATE_PREPARE"
    nominate_round: int = 0
    ballot_counter: int = 0
    voted: int = 0
    accepted: int = 0
    confirmed: int = 0
    prev_slot: int = 0
    prev_slot_ended_at_ms: int = 0
    prev_slot_values: int = 0


class Worker:
    """The ``ByzantineLedger`` worker (see the module docstring)."""

    def __init__(
        self,
        node_id: NodeID,
        quorum_set: QuorumSet,
        *,
        num_blocks: Callable[[], int],
        block_id: Callable[[int], bytes],
        transactions: Transactions,
        peers: Peers,
        make_block: BlockMaker,
        sync: Sync,
        sign: Callable[[Msg, bytes], ConsensusMsg],
        variant: str = "correct",
        scp_timebase_ms: int = 1000,
        trace: NodeTrace | None = None,
        trace_epoch_ms: int = 0,
        on_msg_dropped: Callable[[str], None] | None = None,
        relay: bool = True,
        equivocate_to: frozenset[str] | None = None,
    ) -> None:
        self.node_id = node_id
        self.quorum_set = quorum_set
        self._num_blocks = num_blocks
        self._block_id = block_id
        self._txs = transactions
        self._peers = peers
        self._make_block = make_block
        self._sync = sync
        self._sign = sign
        self._variant = variant
        self._scale = 1000 / scp_timebase_ms
        self._trace = trace
        self._trace_epoch_ms = trace_epoch_ms
        self._dropped = on_msg_dropped or (lambda reason: None)
        self._relay = relay
        # Byzantine test behaviour (``byzantine = "equivocate"``): a second, shadow SCP
        # instance hears the same messages but judges values otherwise (_shadow_valid), so it
        # votes for other sets; its signed messages go to ``equivocate_to``, the main
        # instance's to every other peer.
        self._equivocate_to = equivocate_to
        self._shadow: Node | None = None
        self._shadow_timers: dict[TimerKey, int] = {}
        self._values_in: queue.SimpleQueue[tuple[tuple[bytes, ...], float]] = queue.SimpleQueue()
        self._msgs_in: queue.SimpleQueue[tuple[ConsensusMsg, str]] = queue.SimpleQueue()
        self._msgs: collections.deque[tuple[ConsensusMsg, str]] = collections.deque()
        self._timers: dict[TimerKey, int] = {}
        self._need_nominate = False
        self._seen: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self.latest_msg: ConsensusMsg | None = None
        self.status = SlotStatus()
        self.is_behind = False
        self.scp = self._new_node()

    # --- inputs (any thread) ---------------------------------------------------------------

    def push_values(self, tx_hashes: Sequence[bytes], received_at: float) -> None:
        """New well-formed txs (``ByzantineLedger::push_values``)."""
        self._values_in.put((tuple(tx_hashes), received_at))

    def push_msg(self, msg: ConsensusMsg, from_peer: str) -> None:
        """A verified consensus message, received from ``from_peer`` (maybe a relayer)."""
        self._msgs_in.put((msg, from_peer))

    def msg_queue_size(self) -> int:
        """Consensus messages received and not yet handed to SCP."""
        return self._msgs_in.qsize() + len(self._msgs)

    # --- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set (the ``ByzantineLedger{node_id}`` thread)."""
        while not stop.is_set():
            try:
                busy = self.tick()
            except RefImplError as exc:  # a typed failure of one step: log, keep serving
                log.error("worker step failed: %s", exc.one_line())
                busy = False
            if not busy:
                stop.wait(TICK_SLEEP_S)

    def _now_ms(self) -> int:
        return int((time.time() * 1000 - self._trace_epoch_ms) * self._scale)

    def _new_node(self) -> Node:
        node = self._make_node()
        self._timers = {}
        if self._equivocate_to is not None:
            self._shadow, self._shadow_timers = self._make_node(shadow=True), {}
        return node

    def _make_node(self, shadow: bool = False) -> Node:
        valid = self._shadow_valid if shadow else self._txs.is_valid
        return Node(self.node_id, self.quorum_set, valid, self._combine,
                    variant=self._variant,  # type: ignore[arg-type]
                    slot_index=self._num_blocks(), trace=self._trace is not None)

    def _shadow_valid(self, value: Value) -> bool:
        """The shadow story leaves out every value whose first byte is even: it votes,
        accepts and prepares other sets than the node's main instance."""
        return value[0] % 2 == 1 and self._txs.is_valid(value)

    def _combine(self, values: Sequence[Value]) -> Sequence[Value]:
        return tuple(sorted(self._txs.combine(values)))

    def tick(self) -> bool:
        """One pass of the worker loop; True if it did anything."""
        busy = self._drain()
        behind = self._sync.step(time.time())
        if behind != self.is_behind:
            self.is_behind = behind
            if not behind:  # caught up: restart SCP at the new slot, re-nominate
                self.scp = self._new_node()
                self._txs.complete_slot((), self._num_blocks())
                self._need_nominate = self._txs.pending_count() > 0
        if behind:
            return busy
        if self.scp.current_slot_index != self._num_blocks():
            self.scp = self._new_node()  # the ledger moved on under us (catch-up)
        now = self._now_ms()
        if self._need_nominate and self._txs.pending_count():
            values = self._txs.pending_first(MAX_PENDING_VALUES_TO_NOMINATE)
            self._need_nominate = False
            self._apply(self.scp.propose_values(values, now), now)
            if self._shadow is not None:
                self._apply_shadow(self._shadow.propose_values(values, now), now)
            busy = True
        busy |= self._process_msgs(now)
        busy |= self._fire_timers(self.scp, self._timers, now, self._apply)
        if self._shadow is not None:
            busy |= self._fire_timers(self._shadow, self._shadow_timers, now,
                                      self._apply_shadow)
        self._update_status()
        return busy

    @staticmethod
    def _fire_timers(node: Node, timers: dict[TimerKey, int], now: int,
                     apply: Callable[[NodeOutput, int], None]) -> bool:
        busy = False
        for key, deadline in sorted(timers.items(), key=lambda kv: kv[1]):
            if deadline <= now and timers.get(key) == deadline:
                del timers[key]
                try:
                    out = node.handle_timeout(key[0], key[1], now)
                except RefImplError:
                    continue  # a timer of a slot the node has left
                apply(out, now)
                busy = True
        return busy

    def _drain(self) -> bool:
        busy = False
        while True:
            try:
                hashes, received_at = self._values_in.get_nowait()
            except queue.Empty:
                break
            busy = True
            self._txs.admit_pending(hashes, received_at)
            self._need_nominate = self._txs.pending_count() > 0
        while True:
            try:
                msg, from_peer = self._msgs_in.get_nowait()
            except queue.Empty:
                break
            busy = True
            self._sync.observe(msg.scp_msg)
            self._msgs.append((msg, from_peer))
            while len(self._msgs) > MAX_FUTURE_MSGS:
                self._msgs.popleft()
                self._dropped("queue_full")
        return busy

    def _process_msgs(self, now: int) -> bool:
        current = self.scp.current_slot_index
        ready: list[tuple[ConsensusMsg, str]] = []
        keep: collections.deque[tuple[ConsensusMsg, str]] = collections.deque()
        for msg, from_peer in self._msgs:
            slot = msg.scp_msg.slot_index
            if slot > current:
                keep.append((msg, from_peer))
            elif slot >= max(current - 1, 1):
                ready.append((msg, from_peer))
            else:
                self._dropped("old_slot")
        self._msgs = keep
        busy = False
        for msg, from_peer in ready:
            slot = msg.scp_msg.slot_index
            if slot > self._num_blocks() or msg.prev_block_id != self._block_id(slot - 1):
                log.info("Msg refers to a different blockchain. Msg %s from %s",
                         msg.scp_msg.slot_index, msg.scp_msg.sender)
                self._dropped("different_blockchain")
                continue
            digest = msg.signature
            if digest in self._seen:
                continue
            missing = [v for v in topic_values(msg.scp_msg.topic) if not self._txs.is_known(v)]
            if missing and not self._peers.fetch_txs(from_peer, missing):
                log.info("Omitted 1 message(s) containing transaction(s) that could not be "
                         "fetched (from %s)", from_peer)
                self._dropped("txs_not_fetched")
                continue
            self._seen[digest] = None
            while len(self._seen) > 50_000:
                self._seen.popitem(last=False)
            if self._relay:
                self._peers.broadcast(msg, frozenset({msg.scp_msg.sender, from_peer}))
            self._apply(self.scp.handle_message(msg.scp_msg, now), now)
            if self._shadow is not None:
                self._apply_shadow(self._shadow.handle_message(msg.scp_msg, now), now)
            busy = True
        return busy

    def _apply(self, out: NodeOutput, now: int) -> None:
        if self._trace is not None and out.steps:
            if self._equivocate_to is None:
                self._trace.steps(out.steps, now)
            else:
                self._trace.byzantine_sends(out.steps, now)
        for key, deadline in out.timers.items():
            if deadline is None:
                self._timers.pop(key, None)
            else:
                self._timers[key] = deadline
        for msg in out.messages:
            signed = self._sign(msg, self._block_id(msg.slot_index - 1))
            if msg.slot_index == self.scp.current_slot_index or out.externalized:
                self.latest_msg = signed
            self._seen[signed.signature] = None
            self._peers.broadcast(signed, self._equivocate_to or frozenset())
        if out.externalized is not None:
            slot, values = out.externalized
            self._complete_slot(slot, values)

    def _apply_shadow(self, out: NodeOutput, now: int) -> None:
        """The shadow instance's output: its timers, and its messages to its half only."""
        if self._trace is not None and out.steps:
            self._trace.byzantine_sends(out.steps, now)
        for key, deadline in out.timers.items():
            if deadline is None:
                self._shadow_timers.pop(key, None)
            else:
                self._shadow_timers[key] = deadline
        others = frozenset(p for p in self._peers.peer_ids()
                           if p not in (self._equivocate_to or ()))
        for msg in out.messages:
            self._peers.broadcast(self._sign(msg, self._block_id(msg.slot_index - 1)), others)


    def _complete_slot(self, slot: int, values: tuple[Value, ...]) -> None:
        """``complete_current_slot``: form and append the block, clean up, re-nominate."""
        self._make_block(values)
        log.info("Slot %d ended with %d externalized values and %d pending values.",
                 slot, len(values), self._txs.pending_count())
        self._txs.complete_slot(values, self._num_blocks())
        self._need_nominate = self._txs.pending_count() > 0
        self._timers = {k: v for k, v in self._timers.items() if k[0] > slot}
        if self._shadow is not None:
            self._shadow, self._shadow_timers = self._make_node(shadow=True), {}
        self._sync.slot_externalized()
        self.status.prev_slot = slot
        self.status.prev_slot_ended_at_ms = int(time.time() * 1000)
        self.status.prev_slot_values = len(values)

    def _update_status(self) -> None:
        slot = self.scp.current
        self.status.slot = slot.slot_index
        self.status.phase = slot.phase
        self.status.nominate_round = slot.nominate_round
        ballot = slot.ballot.B
        self.status.ballot_counter = 0 if ballot is None else ballot.counter
        self.status.voted = len(slot.X)
        self.status.accepted = len(slot.Y)
        self.status.confirmed = len(slot.Z)
