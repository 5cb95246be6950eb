"""Finding (docs/findings.md, "Two mid-slot restarts can fork a 4-node network"): SCP state
that is not persisted turns a crash-restart into ill behaviour.

MobileCoin builds a fresh SCP ``Node`` at ``ledger.num_blocks()`` on every start
(consensus/service/src/byzantine_ledger/mod.rs:137-192) and persists nothing of a slot
(``LoggingScpNode`` only logs). Here, with the SCP core and a scripted asynchronous schedule
on 4 nodes whose quorums are any 3 (MobileCoin's dense topology, tolerating one ill-behaved
node): n0, n1, n2 nominate and commit ``x`` while n3 is cut off; n2 externalizes ``x`` while
n0 and n1 have accepted the commit but not yet externalized. Then n0 and n1 crash and restart
(nothing else: no Byzantine behaviour), n2's messages are delayed, and n0, n1, n3 externalize
``y``. Two crash-restarts, which in a crash-recovery protocol that keeps its votes could only
stall progress, break agreement. The same schedule with n0 and n1 keeping their state ends
with every node externalizing ``x``.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

import pytest

from refimpl.consensus.scp.msg import VARIANTS, Msg
from refimpl.consensus.scp.node import Node, NodeOutput, TimerKey
from refimpl.consensus.scp.types import QuorumSet, Value
from refimpl.errors import ScpError

IDS = ("n0", "n1", "n2", "n3")
X, Y = b"x", b"y"


class Schedule:
    """Four nodes, a FIFO network with withheld links, timers fired when nothing is in flight."""

    def __init__(self, variant: str) -> None:
        self.variant = variant
        self.nodes = {n: self.fresh(n) for n in IDS}
        self.queue: collections.deque[tuple[str, str, Msg]] = collections.deque()
        self.timers: dict[str, dict[TimerKey, int]] = {n: {} for n in IDS}
        self.blocked: set[tuple[str, str]] = set()
        self.externalized: dict[str, tuple[Value, ...]] = {}
        self.now = 0

    def fresh(self, name: str) -> Node:
        qset = QuorumSet(2, tuple(i for i in IDS if i != name))
        return Node(name, qset, lambda v: True, lambda vs: tuple(sorted(set(vs))),
                    variant=self.variant, slot_index=1, trace=False)  # type: ignore[arg-type]

    def apply(self, name: str, out: NodeOutput) -> None:
        for key, deadline in out.timers.items():
            if deadline is None:
                self.timers[name].pop(key, None)
            else:
                self.timers[name][key] = deadline
        for msg in out.messages:
            self.queue.extend((name, dst, msg) for dst in IDS if dst != name)
        if out.externalized is not None:
            self.externalized[name] = out.externalized[1]

    def run(self, done: Callable[[], bool], limit: int = 20_000) -> None:
        for _ in range(limit):
            if done():
                return
            if self.queue:
                src, dst, msg = self.queue.popleft()
                if (src, dst) not in self.blocked:
                    self.apply(dst, self.nodes[dst].handle_message(msg, self.now))
                continue
            due = [(d, n, k) for n in IDS for k, d in self.timers[n].items()]
            if not due:
                return
            deadline, name, key = min(due)
            self.now = max(self.now, deadline)
            del self.timers[name][key]
            try:
                self.apply(name, self.nodes[name].handle_timeout(key[0], key[1], self.now))
            except ScpError:  # a timer of a slot the node has left
                pass

    def isolate(self, name: str) -> None:
        self.blocked = {(a, b) for a in IDS for b in IDS if name in (a, b) and a != b}


def _first_phase(variant: str) -> Schedule:
    s = Schedule(variant)
    s.isolate("n3")
    for name in ("n0", "n1", "n2"):
        s.apply(name, s.nodes[name].propose_values([X], s.now))
    s.run(lambda: "n2" in s.externalized)
    assert s.externalized == {"n2": (X,)}
    assert {s.nodes[n].current.phase for n in ("n0", "n1")} == {"COMMIT"}
    return s


def _second_phase(s: Schedule, restart: bool) -> dict[str, tuple[Value, ...]]:
    s.queue.clear()  # what is in flight is delayed past the end of the run
    if restart:
        for name in ("n0", "n1"):
            s.nodes[name], s.timers[name] = s.fresh(name), {}
    s.isolate("n2")  # n2's messages are late
    for name in ("n0", "n1", "n3"):
        s.apply(name, s.nodes[name].propose_values([Y], s.now))
    s.run(lambda: all(n in s.externalized for n in ("n0", "n1", "n3")))
    return s.externalized


@pytest.mark.parametrize("variant", VARIANTS)
def test_two_restarts_inside_the_slot_fork_the_network(variant: str) -> None:
    externalized = _second_phase(_first_phase(variant), restart=True)
    assert externalized == {"n2": (X,), "n0": (Y,), "n1": (Y,), "n3": (Y,)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_same_schedule_without_the_restarts_agrees(variant: str) -> None:
    externalized = _second_phase(_first_phase(variant), restart=False)
    assert set(externalized.values()) == {(X,)}
    assert set(externalized) == set(IDS)
