"""Kept regression: one Byzantine Externalize strands an honest node in COMMIT (mobilecoin variant).

docs/findings.md "SCP: a Byzantine Externalize strands an honest node in COMMIT (mobilecoin
variant)"; TLC: spec/scp/MCSCPStrand.tla. MobileCoin's 4-node mesh: each node needs 2 of its
3 peers, n3 Byzantine. Values x < y; X = combine({x, y}) = (x, y) and Y = (y,), so ⟨1, X⟩ <
⟨1, Y⟩ < ⟨2, X⟩. Nomination is over at the start: n0 confirmed {x, y} (B = ⟨1, X⟩), n1 and n2
confirmed {y} (B = ⟨1, Y⟩). The schedule, every honest step by the rules:

1. n1 hears n2 and n3 vote prepare ⟨1, Y⟩: quorum {n1, n2, n3} -> n1 accepts prepare ⟨1, Y⟩.
2. n2 hears n0 and n3 accept nominate x: it confirms x too (Z = {x, y}; B stays ⟨1, Y⟩).
3. n0's ballot timer fires: B = ⟨2, X⟩; n2 hears n0 and n3 at counter 2 (step 9): B = ⟨2, X⟩.
4. n0, n2 and n3 vote, accept and confirm prepare ⟨2, X⟩; n2 votes commit ⟨2, X⟩, and with
   n3's commit vote n0 accepts commit ⟨2, X⟩: n0 is in COMMIT for X.
5. n3 sends Externalize ⟨1, Y⟩ to n1 and n2. n2, holding n1's accepted prepare ⟨1, Y⟩, sees a
   blocking set {n1, n3} that accepts *some* ballot of Y. MobileCoin (consensus/scp/src/slot.rs
   ``ballots_accepted_prepared``, blocking path) records the candidate ⟨∞, Y⟩ of n3's
   Externalize: n2 accepts prepare ⟨∞, Y⟩, which contradicts n0's accepted commit ⟨2, X⟩
   (docs/deviations.md#dev-scp-blocking-set-acceptance). Federated voting justifies ⟨1, Y⟩.
6. Full delivery of every honest node's latest message to every other, then every armed timer
   fires, 20 times: in mobilecoin n1 and n2 externalize Y with n3 and n0 stays in COMMIT for X
   (any quorum of n0 holds n1 or n2, whose Externalize accepts commit of Y only); in correct all
   three externalize X.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from refimpl.consensus.scp.ballot import COMMIT, EXTERNALIZE, BallotState
from refimpl.consensus.scp.msg import Externalize, Msg, Nominate, Prepare, Topic
from refimpl.consensus.scp.slot import Slot
from refimpl.consensus.scp.types import INFINITY, Ballot, QuorumSet, Value
from refimpl.node.sync import NetworkState

IDS = ("n0", "n1", "n2", "n3")
HONEST = ("n0", "n1", "n2")
x, y = b"x", b"y"
X, Y = (x, y), (y,)


def qset(node: str) -> QuorumSet:
    """MobileCoin's mesh format: 2 of the 3 peers, the local node implicit."""
    return QuorumSet(2, tuple(i for i in IDS if i != node))


def combine(values: Sequence[Value]) -> tuple[Value, ...]:
    return tuple(sorted(set(values)))


class Run:
    """Three honest slots driven by explicit deliveries; n3's messages are written by hand."""

    def __init__(self, variant: str) -> None:
        self.now = 0
        self.slots = {n: self._start(n, variant, z) for n, z in
                      (("n0", {x, y}), ("n1", {y}), ("n2", {y}))}

    @staticmethod
    def _start(node: str, variant: str, z: set[Value]) -> Slot:
        # Nomination over (it need not make nodes agree on Z): Y = Z, B = ⟨1, combine(Z)⟩.
        s = Slot(1, node, qset(node), lambda v: True, combine,
                 variant=variant)  # type: ignore[arg-type]
        s.Y = s.Z = frozenset(z)
        s.ballot = BallotState(B=Ballot(1, combine(sorted(z))))
        s.handle_messages([], 0)  # an empty input: the slot emits its message (last_sent)
        return s

    def deliver(self, src: str, dst: str) -> None:
        """``dst`` receives ``src``'s latest message (dropped unless it is higher)."""
        sent = self.slots[src].last_sent
        self.now += 1
        if sent is not None:
            self.slots[dst].handle_messages([sent], self.now)

    def byz(self, dst: str, topic: Topic) -> None:
        self.now += 1
        self.slots[dst].handle_messages([Msg("n3", 1, qset("n3"), topic)], self.now)

    def fire_timers(self, node: str) -> None:
        slot = self.slots[node]
        for kind, deadline in slot.timers.items():
            if deadline is not None:
                self.now = max(self.now, deadline)
                slot.handle_timeout(kind, self.now)

    def key(self) -> tuple[object, ...]:
        return tuple((s.ballot, s.Z, s.last_sent) for s in self.slots.values())

    def full_delivery_and_timers(self, rounds: int = 20) -> None:
        """Deliver every honest latest message to every other honest node until nothing
        changes, then fire every armed timer; ``rounds`` times."""
        for _ in range(rounds):
            while True:
                before = self.key()
                for src in HONEST:
                    for dst in HONEST:
                        if src != dst:
                            self.deliver(src, dst)
                if self.key() == before:
                    break
            for node in HONEST:
                self.fire_timers(node)


def run_to_finding(variant: str) -> Run:
    """Steps 1-5 of the module docstring."""
    r = Run(variant)
    r.deliver("n2", "n1")
    r.byz("n1", Prepare(Ballot(1, Y), None, None, 0, 0))
    r.deliver("n0", "n2")
    r.byz("n2", Nominate(frozenset(), frozenset({x, y})))
    r.byz("n0", Prepare(Ballot(1, X), None, None, 0, 0))
    r.deliver("n2", "n0")
    r.fire_timers("n0")
    r.deliver("n0", "n2")
    r.byz("n2", Prepare(Ballot(2, X), None, None, 0, 0))
    r.deliver("n2", "n0")
    r.byz("n0", Prepare(Ballot(2, X), Ballot(2, X), None, 0, 0))
    r.deliver("n0", "n2")
    r.byz("n2", Prepare(Ballot(2, X), Ballot(2, X), None, 0, 0))
    r.deliver("n2", "n0")
    r.byz("n0", Prepare(Ballot(2, X), Ballot(2, X), None, 2, 2))
    n0, n1, n2 = (r.slots[n].ballot for n in HONEST)
    # Before the Byzantine Externalize: the legitimate state of the finding (both variants).
    assert r.slots["n2"].Z == {x, y}
    assert (n0.phase, n0.C, n0.H) == (COMMIT, Ballot(2, X), Ballot(2, X))
    assert n1.P == Ballot(1, Y) and n1.H is None
    assert (n2.phase, n2.H, n2.C) == ("PREPARE", Ballot(2, X), Ballot(2, X))
    r.deliver("n1", "n2")
    for node in ("n2", "n1"):
        r.byz(node, Externalize(Ballot(1, Y), 1))
    return r


def test_mobilecoin_blocking_set_accepts_infinity_and_strands_n0() -> None:
    r = run_to_finding("mobilecoin")
    n2 = r.slots["n2"].ballot
    # n2 accepted prepare ⟨∞, Y⟩ from {n1: ⟨1, Y⟩, n3: Externalize ⟨1, Y⟩}: contradicts n0's
    # accepted commit ⟨2, X⟩ (scp-proofs inv2, SCP.tla AcceptedNotContradictory).
    assert n2.P == Ballot(INFINITY, Y) and n2.PP == Ballot(2, X) and n2.C is None
    r.full_delivery_and_timers()
    n0 = r.slots["n0"]
    assert r.slots["n1"].externalized_values() == Y
    assert r.slots["n2"].externalized_values() == Y
    assert n0.phase == COMMIT and n0.ballot.C is not None and n0.ballot.C.values == X
    assert n0.externalized_values() is None
    # Stranded for good: more delivery and timers change nothing about its phase.
    r.full_delivery_and_timers(5)
    assert n0.phase == COMMIT and n0.ballot.H is not None and n0.ballot.H.values == X


def test_correct_variant_externalizes_x_everywhere() -> None:
    r = run_to_finding("correct")
    n2 = r.slots["n2"].ballot
    # Federated voting: the blocking set justifies prepare ⟨1, Y⟩ only, below n2's P.
    assert n2.P == Ballot(2, X) and n2.PP == Ballot(1, Y) and n2.C == Ballot(2, X)
    r.full_delivery_and_timers()
    for node in HONEST:
        assert r.slots[node].phase == EXTERNALIZE, node
        assert r.slots[node].externalized_values() == X, node


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_agreement_among_honest_nodes_holds(variant: str) -> None:
    """Stranding costs liveness, not agreement: no two honest nodes externalize different
    values (n0 never externalizes in mobilecoin)."""
    r = run_to_finding(variant)
    r.full_delivery_and_timers()
    values = {r.slots[n].externalized_values() for n in HONEST} - {None}
    assert len(values) == 1


def test_the_node_layer_sees_the_stranded_node_behind() -> None:
    """What rescues n0 outside SCP: the validator's catch-up (refimpl/node/sync.py, MobileCoin
    ledger/sync/src/network_state/scp_network_state.rs ``is_behind`` and
    consensus/service/src/byzantine_ledger/worker.rs: MaybeBehind, IsBehind after the 10 s
    grace period, ledger sync, ``reset_slot_index``). n0's ledger ends with block 0 and its
    slot 1 is stranded; n1's and n2's Externalize messages for slot 1 make it behind, so it
    downloads block 1 (Y) from the network and moves to slot 2."""
    r = run_to_finding("mobilecoin")
    r.full_delivery_and_timers()
    network = NetworkState("n0", qset("n0"))
    assert not network.is_behind(local_num_blocks=1)
    for peer in ("n1", "n2"):
        sent = r.slots[peer].last_sent
        assert sent is not None and isinstance(sent.topic, Externalize)
        network.push(peer, sent.slot_index, externalized=True)
    assert network.is_behind(local_num_blocks=1)
    assert network.highest_block_index_on_network() == 1
