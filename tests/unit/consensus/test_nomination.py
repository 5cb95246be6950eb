"""Nomination rules on a 4-node network (each node: 2 of the other 3, self implicit).

WP §6.1 (federated voting on nominate(x)), D05 §3.3, MobileCoin slot.rs do_nominate_phase
(WP §6.1). n0 is the local node; peers' messages are hand-built.
"""

from __future__ import annotations

import hashlib

from refimpl.consensus.scp.msg import Nominate, NominatePrepare
from refimpl.consensus.scp.nomination import leader_hash, neighbors, round_leader
from refimpl.consensus.scp.types import QuorumSet

from ._scp import IDS, b, mesh_qset, msg, nom, slot, x, y, z

Q0 = mesh_qset("n0")


def _slot_led_by(leader: str) -> int:
    """A slot index whose round-1 leader at n0 is ``leader``."""
    return next(i for i in range(1, 500)
                if round_leader(i, 1, "n0", Q0, frozenset()) == leader)


def test_leader_hash_byte_layout() -> None:
    data = (7).to_bytes(8, "big") + b"\x02" + (3).to_bytes(4, "big") + b"n1"
    assert leader_hash(7, 2, 3, "n1") == int.from_bytes(hashlib.sha3_256(data).digest(), "big")


def test_neighbors_use_weight_bounds() -> None:
    # Weight 1 (threshold = #members): every node is a neighbour; the local node always is.
    full = QuorumSet(3, ("n1", "n2", "n3"))
    assert neighbors(5, 1, "n0", full) == ["n0", "n1", "n2", "n3"]
    for i in range(1, 20):
        ns = neighbors(i, 1, "n0", Q0)
        assert ns[0] == "n0"
        for n in ("n1", "n2", "n3"):
            below = leader_hash(i, 1, 1, n) < (2**256 - 1) * 2 // 3
            assert (n in ns) == below


def test_round_leader_is_highest_priority_new_neighbor() -> None:
    full = QuorumSet(3, ("n1", "n2", "n3"))
    ranked = sorted(IDS, key=lambda n: leader_hash(9, 2, 1, n), reverse=True)
    assert round_leader(9, 1, "n0", full, frozenset()) == ranked[0]
    assert round_leader(9, 1, "n0", full, frozenset(ranked[:1])) == ranked[1]
    assert round_leader(9, 1, "n0", full, frozenset(IDS)) == "n0"  # none left: self


def test_leader_votes_its_own_proposals() -> None:
    s = slot(index=_slot_led_by("n0"))
    out = s.propose_values([x], 0)
    assert s.X == {x} and s.W == {x}
    assert out.message is not None and out.message.topic == Nominate(frozenset({x}), frozenset())
    assert out.timers["nominate"] == 1000
    assert [st["event"] for st in out.steps] == ["propose", "send"]
    assert out.steps[0]["state"]["X"] == ["78"]


def test_non_leader_echoes_all_leader_values_only() -> None:
    index = _slot_led_by("n1")
    s = slot(index=index)
    out = s.propose_values([x], 0)
    assert s.X == frozenset() and out.message is None  # not a leader: nothing to say
    s.handle_messages([msg("n2", nom([b"w"]), index)], 10)  # n2 leads nothing
    assert s.X == frozenset()
    out = s.handle_messages([msg("n1", nom([y], [z]), index)], 20)
    assert s.X == {y, z}  # MobileCoin echoes all of a leader's X ∪ Y
    assert out.message is not None and out.message.topic == nom([y, z])


def test_accept_via_quorum_then_confirm() -> None:
    index = _slot_led_by("n0")
    s = slot(index=index)
    s.propose_values([x], 0)
    s.handle_messages([msg("n1", nom([x]), index)], 1)
    assert s.Y == frozenset()  # {n0, n1} is not a quorum
    out = s.handle_messages([msg("n2", nom([x]), index)], 2)
    assert s.Y == {x} and s.X == frozenset() and s.Z == frozenset()
    assert out.message is not None and out.message.topic == nom([], [x])
    s.handle_messages([msg("n1", nom([], [x]), index)], 3)
    assert s.Z == frozenset()
    out = s.handle_messages([msg("n3", nom([], [x]), index)], 4)
    assert s.Z == {x}
    assert s.ballot.B == b(1, x)  # B ← ⟨1, combine(Z)⟩
    assert out.message is not None and out.message.topic == NominatePrepare(
        nom([], [x]), out.message.topic.prepare)  # type: ignore[union-attr]
    assert out.message.topic.prepare.B == b(1, x)  # type: ignore[union-attr]


def test_accept_via_v_blocking_without_voting() -> None:
    index = _slot_led_by("n1")
    s = slot(index=index)
    s.handle_messages([msg("n2", nom([], [z]), index)], 1)
    assert s.Y == frozenset()  # one of three is not v-blocking (needs 2)
    s.handle_messages([msg("n3", nom([], [z]), index)], 2)
    assert s.Y == {z} and s.Z == {z}  # blocking accept; {n0, n2, n3} accept: confirmed


def test_confirm_combines_all_confirmed_values() -> None:
    index = _slot_led_by("n1")
    s = slot(index=index)
    s.handle_messages([msg("n2", nom([], [x, y]), index), msg("n3", nom([], [y, x]), index)], 1)
    assert s.Z == {x, y}
    assert s.ballot.B == b(1, x, y)


def test_x_frozen_once_something_is_confirmed() -> None:
    index = _slot_led_by("n1")
    s = slot(index=index)
    s.handle_messages([msg("n2", nom([], [x]), index), msg("n3", nom([], [x]), index)], 1)
    assert s.Z == {x}
    s.handle_messages([msg("n1", nom([y, z]), index)], 2)
    assert s.X == frozenset()
    assert s.propose_values([z], 3).steps == ()  # proposals are ignored once Z ≠ ∅


def test_nomination_timer_rounds_add_leaders() -> None:
    index = _slot_led_by("n0")
    s = slot(index=index)
    out = s.propose_values([x], 0)
    assert out.timers == {"nominate": 1000, "ballot": None}
    assert s.handle_timeout("nominate", 999).steps == ()  # not yet due
    out = s.handle_timeout("nominate", 1000)
    assert s.nominate_round == 2 and len(s.leaders) == 2
    assert out.timers["nominate"] == 1000 + 2 * 1000  # round n lasts n seconds
    assert out.steps[0]["event"] == "timeout" and out.steps[0]["args"] == {"timer": "nominate"}
    before = s.leaders
    s.handle_timeout("nominate", 3000)
    # Round 3 adds its highest-priority neighbour not yet chosen (or n0 when none is left).
    assert s.nominate_round == 3
    assert s.leaders == before | {round_leader(index, 3, "n0", Q0, before)}


def test_invalid_values_drop_the_whole_message() -> None:
    index = _slot_led_by("n1")
    s = slot(index=index, valid=frozenset({x}))
    out = s.handle_messages([msg("n1", nom([x, y]), index)], 1)
    assert s.M == {} and out.steps == ()
    s.handle_messages([msg("n1", nom([x]), index)], 2)
    assert "n1" in s.M and s.X == {x}
