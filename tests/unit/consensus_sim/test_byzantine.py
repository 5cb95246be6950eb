"""Byzantine stand-ins: well-formed messages, equivocation, lies about the quorum set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.msg import Msg, Nominate
from refimpl.consensus.scp.types import QuorumSet
from refimpl.consensus.sim.actors import always_valid, sorted_union_capped
from refimpl.consensus.sim.byzantine import (
    ByzantineContext,
    EquivocatingActor,
    LyingQuorumSetActor,
    RandomMessageActor,
    SilentActor,
)
from refimpl.consensus.sim.topology import mesh

TOPOLOGY = mesh(4, 2)


def _ctx(seed: int = 0) -> ByzantineContext:
    return ByzantineContext(peers=("n0", "n1", "n2"), byzantine=frozenset({"n3"}),
                            world_of={"n0": 0, "n1": 1, "n2": 0}, variant="correct",
                            validity_fn=always_valid, combine_fn=sorted_union_capped(100),
                            seed=seed)


@given(st.integers(0, 2**32 - 1),
       st.lists(st.frozensets(st.binary(min_size=1, max_size=4), max_size=3), max_size=6))
def test_random_messages_are_well_formed(seed: int, value_sets: list[frozenset[bytes]]) -> None:
    actor = RandomMessageActor("n3", TOPOLOGY["n3"], _ctx(seed))
    sent = 0
    for index, values in enumerate(value_sets * 3):
        msg = Msg("n0", 1 + index % 2, TOPOLOGY["n0"], Nominate(values, frozenset()))
        for send in actor.receive(msg, None, 10 * index).sends:
            send.msg.validate()
            Msg.from_json(send.msg.to_json())
            assert send.msg.sender == "n3" and send.targets
            assert set(send.targets) <= {"n0", "n1", "n2"}
            sent += 1
    assert sent <= 2 * RandomMessageActor.budget_per_slot


def test_equivocator_shows_each_half_a_different_node() -> None:
    actor = EquivocatingActor("n3", TOPOLOGY["n3"], _ctx())
    effects = actor.propose((b"ignored",), 0)
    by_world = {send.world: send for send in effects.sends}
    assert set(by_world) == {0, 1}
    assert by_world[0].targets == ("n0", "n2") and by_world[1].targets == ("n1",)
    assert by_world[0].msg != by_world[1].msg
    assert all(key[0] in (0, 1) for key in effects.timers)


def test_liar_advertises_a_quorum_set_of_itself() -> None:
    actor = LyingQuorumSetActor("n3", TOPOLOGY["n3"], _ctx())
    sends = actor.propose((b"v",), 0).sends
    assert sends and all(s.msg.quorum_set == QuorumSet(1, ("n3",)) for s in sends)
    for send in sends:
        send.msg.validate()


def test_silent_node_says_nothing() -> None:
    actor = SilentActor("n3")
    msg = Msg("n0", 1, TOPOLOGY["n0"], Nominate(frozenset({b"a"}), frozenset()))
    assert not actor.receive(msg, None, 0).sends
    assert not actor.propose((b"a",), 0).sends
