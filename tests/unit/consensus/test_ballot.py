"""Ballot protocol rules on hand-worked scenarios (WP §6.2 Fig. 17 steps 1–9; D05 §3.5;
MobileCoin slot.rs do_prepare_phase / do_commit_phase / out_msg).

The local node is n0. ``Q3`` (3 of {n1, n2, n3}) makes every peer alone v-blocking and needs all
of them for a quorum, which separates the blocking and the quorum paths; ``mesh_qset`` (2 of 3)
is the symmetric 4-node network.
"""

from __future__ import annotations

import attrs

from refimpl.consensus.scp import ballot as bp
from refimpl.consensus.scp.ballot import BallotState
from refimpl.consensus.scp.msg import Commit, Externalize, NominatePrepare, Prepare
from refimpl.consensus.scp.slot import Slot
from refimpl.consensus.scp.types import INFINITY, QuorumSet

from ._scp import b, commit, ext, msg, prep, slot, x, y

Q3 = QuorumSet(3, ("n1", "n2", "n3"))
IDS5 = ("n0", "n1", "n2", "n3", "n4")


def at(state: BallotState, qset: QuorumSet | None = None, variant: str = "correct") -> Slot:
    s = slot(qset=qset, variant=variant)
    s.ballot = state
    return s


def _prepare_of(s: Slot) -> Prepare:
    assert s.last_sent is not None
    t = s.last_sent.topic
    return t.prepare if isinstance(t, NominatePrepare) else t  # type: ignore[return-value]


def test_step1_accept_prepared_via_quorum() -> None:
    s = at(BallotState(B=b(1, x)), Q3)
    s.handle_messages([msg("n1", prep(b(1, x))), msg("n2", prep(b(1, x)))], 1)
    assert s.ballot.P is None  # {n0, n1, n2} is not a quorum under Q3
    s.handle_messages([msg("n3", prep(b(1, x)))], 2)
    assert s.ballot.P == b(1, x) and s.ballot.H is None
    assert _prepare_of(s) == prep(b(1, x), P=b(1, x))


def test_step1_accept_prepared_via_v_blocking_and_clamping() -> None:
    """One peer of Q3 is v-blocking: n0 accepts ⟨1, y⟩ although it votes ⟨1, x⟩. Sent P must
    not exceed B = ⟨1, x⟩ < ⟨1, y⟩: clamped to ⟨0, y⟩ — dropped by the correct variant, kept
    (MobileCoin's unchecked clamp, docs/deviations.md#dev-scp-clamp) by the mobilecoin variant."""
    for variant, sent_p in (("correct", None), ("mobilecoin", b(0, y))):
        s = at(BallotState(B=b(1, x)), Q3, variant)
        s.handle_messages([msg("n1", prep(b(1, y), P=b(1, y)))], 1)
        assert s.ballot.P == b(1, y) and s.ballot.PP is None
        assert s.ballot.B == b(1, x)
        assert _prepare_of(s).P == sent_p


def test_step1_pp_is_highest_accepted_below_p_with_other_value() -> None:
    s = at(BallotState(B=b(1, x)), Q3)
    s.handle_messages([msg(n, prep(b(1, x))) for n in ("n1", "n2", "n3")], 1)
    s.handle_messages([msg("n1", prep(b(2, y), P=b(2, y)))], 2)
    assert s.ballot.P == b(2, y) and s.ballot.PP == b(1, x)


def test_step1_blocking_narrowing_differs_between_variants() -> None:
    """docs/deviations.md#dev-scp-blocking-set-acceptance: a blocking set {n1, n2} where n1 accepts
    ⟨5, y⟩ and n2 only ⟨2, y⟩ justifies ⟨2, y⟩; MobileCoin records n1's candidate ⟨5, y⟩."""
    qset = QuorumSet(3, ("n1", "n2", "n3", "n4"))  # blocking: 2 peers; quorum: 3 peers
    for variant, expected in (("correct", b(2, y)), ("mobilecoin", b(5, y))):
        s = at(BallotState(), qset, variant)
        s.handle_messages([
            msg("n1", prep(b(5, y), P=b(5, y)), qset=QuorumSet(3, ("n0", "n2", "n3", "n4"))),
            msg("n2", prep(b(2, y), P=b(2, y)), qset=QuorumSet(3, ("n0", "n1", "n3", "n4"))),
        ], 1)
        assert s.ballot.P == expected


def test_step2_confirm_prepared_and_step3_vote_commit() -> None:
    s = at(BallotState(B=b(1, x), P=b(1, x)), Q3)
    s.propose_values([x], 0)
    assert s.timers["nominate"] is not None
    s.handle_messages([msg(n, prep(b(1, x), P=b(1, x))) for n in ("n1", "n2")], 1)
    assert s.ballot.H is None and s.phase == bp.NOMINATE_PREPARE
    out = s.handle_messages([msg("n3", prep(b(1, x), P=b(1, x)))], 2)
    assert s.phase == bp.PREPARE and s.ballot.H == b(1, x)
    assert s.ballot.C == b(1, x)  # step 3: vote commit ⟨1, x⟩
    assert out.timers["nominate"] is None  # cancelled on confirming a prepared ballot
    assert out.message is not None and out.message.topic == prep(b(1, x), b(1, x), None, 1, 1)


def test_step3_commit_vote_is_raised_above_pp_and_refused_when_p_aborts_h() -> None:
    state = BallotState(phase=bp.PREPARE, B=b(1, x), P=b(3, y), PP=b(2, x), H=b(3, y))
    assert bp.commit_vote(state, "correct") == b(2, y)  # ⟨1, y⟩ is aborted by PP = ⟨2, x⟩
    aborted = attrs.evolve(state, P=b(4, x), PP=b(3, y))
    assert bp.commit_vote(aborted, "correct") is None
    assert bp.commit_vote(attrs.evolve(state, C=b(1, y)), "correct") is None  # already voted
    assert bp.commit_vote(attrs.evolve(state, B=b(4, y)), "correct") is None  # B > H


def test_step4_accept_commit_via_quorum() -> None:
    start = BallotState(phase=bp.PREPARE, B=b(1, x), P=b(1, x), H=b(1, x), C=b(1, x))
    s = at(start, Q3)
    s.handle_messages([msg(n, prep(b(1, x), b(1, x), None, 1, 1)) for n in ("n1", "n2")], 1)
    assert s.phase == bp.PREPARE
    out = s.handle_messages([msg("n3", prep(b(1, x), b(1, x), None, 1, 1))], 2)
    assert s.phase == bp.COMMIT
    assert (s.ballot.B, s.ballot.P, s.ballot.PP, s.ballot.H, s.ballot.C) == (
        b(1, x), b(1, x), None, b(1, x), b(1, x))
    assert out.message is not None and out.message.topic == Commit(b(1, x), 1, 1, 1)


def test_step4_accept_commit_via_v_blocking() -> None:
    """MobileCoin (slot.rs do_prepare_phase (4)) accepts commit from a blocking set without a
    confirmed prepare; the correct variant first confirms prepare
    (test_ballot_variants.test_commit_from_a_blocking_peer_waits_for_confirmed_prepare_in_correct)."""
    s = at(BallotState(B=b(1, x)), Q3, "mobilecoin")
    s.propose_values([x], 0)
    out = s.handle_messages([msg("n1", commit(b(2, x), 2, 1, 2))], 1)
    assert s.phase == bp.COMMIT
    assert (s.ballot.B, s.ballot.P, s.ballot.C, s.ballot.H) == (b(2, x), b(2, x), b(1, x), b(2, x))
    assert out.timers["nominate"] is None
    assert out.message is not None and out.message.topic == Commit(b(2, x), 2, 1, 2)


def test_accept_commit_range_narrowing_differs_between_variants() -> None:
    """docs/deviations.md#dev-scp-blocking-set-acceptance for commit ranges: n1 accepts commit [1,
    5], n2 only [1, 2]; the blocking set {n1, n2} justifies [1, 2]; MobileCoin records the members'
    full ranges. n3 and n4 accept prepare ⟨5, x⟩, so {n1, n3, n4} confirms prepare ⟨5, x⟩ and the
    correct variant may accept commit up to 5 (D05: only confirmed-prepared ballots): the narrowing
    alone limits it to [1, 2]."""
    qset = QuorumSet(3, ("n1", "n2", "n3", "n4"))
    peers = {n: QuorumSet(3, tuple(i for i in IDS5 if i != n)) for n in IDS5}
    for variant, h in (("correct", 2), ("mobilecoin", 5)):
        s = at(BallotState(B=b(1, x)), qset, variant)
        s.handle_messages([msg(n, prep(b(5, x), P=b(5, x)), qset=peers[n]) for n in ("n3", "n4")]
                          + [msg("n1", commit(b(5, x), 5, 1, 5), qset=peers["n1"]),
                             msg("n2", commit(b(2, x), 2, 1, 2), qset=peers["n2"])], 1)
        assert s.phase == bp.COMMIT
        assert s.ballot.C == b(1, x) and s.ballot.H == b(h, x)


def test_step7_confirm_commit_externalizes() -> None:
    start = BallotState(phase=bp.COMMIT, B=b(1, x), P=b(1, x), H=b(1, x), C=b(1, x))
    s = at(start, Q3)
    s.handle_messages([msg(n, commit(b(1, x), 1, 1, 1)) for n in ("n1", "n2")], 1)
    assert s.phase == bp.COMMIT
    out = s.handle_messages([msg("n3", commit(b(1, x), 1, 1, 1))], 2)
    assert s.phase == bp.EXTERNALIZE and out.externalized == (x,)
    assert out.timers == {"nominate": None, "ballot": None}
    assert out.message is not None and out.message.topic == Externalize(b(1, x), 1)
    assert [st["event"] for st in out.steps] == ["receive", "send", "externalize"]
    assert out.steps[-1]["args"] == {"values": [x.hex()]}
    assert s.state()["phase"] == "EXTERNALIZE" and s.state()["C"] == b(1, x).to_json()


def test_externalize_messages_from_a_quorum_externalize_a_fresh_node() -> None:
    s = at(BallotState(), Q3)
    out = s.handle_messages([msg(n, ext(b(2, x), 3)) for n in ("n1", "n2", "n3")], 1)
    assert out.externalized == (x,)
    assert s.ballot.C == b(2, x)


def test_step8_changes_value_by_bumping_even_when_h_is_below_b() -> None:
    """MobileCoin step 8 (slot.rs do_prepare_phase (8)): B ← ⟨max(B.N + 1, H.N), H.X⟩ when
    B.X ≠ H.X, even if H < B (the correct variant: test_ballot_variants)."""
    s = at(BallotState(phase=bp.PREPARE, B=b(3, y), P=b(2, x)), Q3, "mobilecoin")
    s.handle_messages([msg(n, prep(b(2, x), P=b(2, x))) for n in ("n1", "n2", "n3")], 1)
    assert s.ballot.H == b(2, x)
    assert s.ballot.B == b(4, x)
    s2 = at(BallotState(phase=bp.PREPARE, B=b(1, x), P=b(1, x)), Q3)
    s2.handle_messages([msg(n, prep(b(3, x), P=b(3, x))) for n in ("n1", "n2", "n3")], 1)
    assert s2.ballot.H == b(3, x) and s2.ballot.B == b(3, x)


def test_step9_bumps_to_the_least_unblocked_counter() -> None:
    s = at(BallotState(B=b(1, x)))
    s.handle_messages([msg("n1", prep(b(3, x)))], 1)
    assert s.ballot.B == b(1, x)  # one peer of 2-of-3 is not v-blocking
    out = s.handle_messages([msg("n2", prep(b(5, x)))], 2)
    # {n1, n2} are ahead of 1 (min 3); above 3 only n2 is ahead: stop at 3.
    assert s.ballot.B == b(3, x) and s.ballot.P == b(3, x)
    assert out.timers["ballot"] == 2 + 1000 * (3 + 1)


def test_ballot_timer_arms_on_quorum_and_bumps_counter_on_expiry() -> None:
    s = at(BallotState(B=b(1, x)))
    out = s.handle_messages([msg("n1", prep(b(1, x)))], 10)
    assert out.timers["ballot"] is None
    out = s.handle_messages([msg("n2", prep(b(1, x)))], 20)
    assert out.timers["ballot"] == 20 + 1000 * 2  # (B.N + 1) seconds
    assert s.handle_timeout("ballot", 2019).steps == ()
    out = s.handle_timeout("ballot", 2020)
    assert s.ballot.B == b(2, x)  # next value: the highest accepted-prepared one
    assert out.timers["ballot"] is None  # no quorum at counter 2 yet
    assert out.steps[0]["event"] == "timeout"


def test_counter_overflow_guard_only_in_correct_variant() -> None:
    """docs/deviations.md#dev-scp-counter-arithmetic: MobileCoin's B.N + 1 is unchecked u32
    arithmetic."""
    for variant, after in (("correct", INFINITY), ("mobilecoin", 0)):
        s = at(BallotState(phase=bp.PREPARE, B=b(INFINITY, x), P=b(1, x)), Q3, variant)
        s._timers["ballot"] = 5
        s.handle_timeout("ballot", 5)
        assert s.ballot.B is not None and s.ballot.B.counter == after


def test_step1_clears_an_aborted_commit_vote_then_steps_9_and_8_disagree() -> None:
    """P = ⟨3, y⟩ accepted from a v-blocking peer aborts the commit vote C = ⟨1, x⟩. Step 9
    moves to counter 3 with the value get_next_ballot_values recomputes from M (nothing is confirmed
    prepared there: the highest accepted-prepared value y,
    docs/deviations.md#dev-scp-next-ballot-value); in the recursive pass step 8 switches back to H.X
    = x by bumping once more (MobileCoin step 8). The correct variant takes H's value at once
    (D05 ``ballot.value``: h.value) and ends at ⟨3, x⟩, sending P clamped below B: ⟨2, y⟩."""
    start = BallotState(phase=bp.PREPARE, B=b(2, x), P=b(2, x), H=b(2, x), C=b(1, x))
    for variant, B, sent_p in (("mobilecoin", b(4, x), b(3, y)), ("correct", b(3, x), b(2, y))):
        s = at(start, Q3, variant)
        s.handle_messages([msg("n1", prep(b(3, y), P=b(3, y)))], 1)
        assert s.ballot.C is None
        assert s.ballot.B == B and s.ballot.P == b(3, y) and s.ballot.PP == b(2, x)
        assert _prepare_of(s) == prep(B, sent_p, b(2, x), 0, 2)


def test_commit_phase_step9_bumps_the_counter_with_the_value_fixed() -> None:
    start = BallotState(phase=bp.COMMIT, B=b(1, x), P=b(1, x), H=b(1, x), C=b(1, x))
    s = at(start)
    out = s.handle_messages([msg(n, prep(b(4, y))) for n in ("n1", "n2")], 100)
    assert s.phase == bp.COMMIT and s.ballot.B == b(4, x)
    assert out.timers["ballot"] == 100 + 1000 * 5
    assert out.message is not None and out.message.topic == Commit(b(4, x), 1, 1, 1)


def test_commit_phase_widens_the_accepted_range_from_a_blocking_set() -> None:
    start = BallotState(phase=bp.COMMIT, B=b(2, x), P=b(2, x), H=b(2, x), C=b(1, x))
    s = at(start, Q3)
    s.handle_messages([msg("n1", commit(b(5, x), 5, 2, 5))], 1)
    assert (s.ballot.C, s.ballot.H, s.ballot.B, s.ballot.P) == (b(1, x), b(5, x), b(5, x),
                                                                  b(5, x))


def test_commit_phase_adopts_a_higher_disjoint_interval_and_never_a_lower_one() -> None:
    """Step 6 in the COMMIT phase (ballot.commit_phase_range): n0 accepts commit [6, 6]; its
    v-blocking peer n1 (Q3) accepts commit [8, 8]. ``correct`` moves C, H to the strictly higher
    interval (stellar-core attemptAcceptCommit), and B follows H (step 8); it ignores a lower
    interval. ``mobilecoin`` takes whatever range is accepted (no monotonicity guard), lower too.
    The regression scenario: tests/regressions/test_scp_commit_phase_liveness.py."""
    at6 = BallotState(phase=bp.COMMIT, B=b(6, x), P=b(6, x), H=b(6, x), C=b(6, x))
    for variant in ("correct", "mobilecoin"):
        s = at(at6, Q3, variant)
        out = s.handle_messages([msg("n1", commit(b(8, x), 8, 8, 8))], 1)
        assert (s.ballot.C, s.ballot.H, s.ballot.B) == (b(8, x), b(8, x), b(8, x)), variant
        assert out.message is not None and out.message.topic == Commit(b(8, x), 8, 8, 8)
        assert s.phase == bp.COMMIT  # a quorum under Q3 needs n2 and n3 as well
    at8 = BallotState(phase=bp.COMMIT, B=b(8, x), P=b(8, x), H=b(8, x), C=b(8, x))
    for variant, kept in (("correct", (b(8, x), b(8, x))), ("mobilecoin", (b(6, x), b(6, x)))):
        s = at(at8, Q3, variant)
        s.handle_messages([msg("n1", commit(b(6, x), 6, 6, 6))], 1)
        assert (s.ballot.C, s.ballot.H) == kept, variant
        assert s.ballot.B == b(8, x)  # the counter never goes back


def test_commit_phase_range_unions_touching_intervals() -> None:
    """An accepted interval touching [C.N, H.N] from above is merged with it, not swapped in."""
    start = BallotState(phase=bp.COMMIT, B=b(3, x), P=b(3, x), H=b(3, x), C=b(2, x))
    s = at(start, Q3)
    s.handle_messages([msg("n1", commit(b(6, x), 6, 4, 6))], 1)
    assert (s.ballot.C, s.ballot.H, s.ballot.B) == (b(2, x), b(6, x), b(6, x))
