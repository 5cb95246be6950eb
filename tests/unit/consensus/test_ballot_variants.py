"""The six rules where the ``"correct"`` variant follows the SCP paper and the IETF draft and
``"mobilecoin"`` keeps MobileCoin's slot.rs (docs/deviations.md#dev-scp-variants).

Every scenario is worked by hand: the expected state after each input is written out from the
rule cited in the test. "WP" is Mazières, *The Stellar Consensus Protocol* (2015), §6.2 steps
1–9; "D05" is draft-mazieres-dinrg-scp-05; slot.rs lines are MobileCoin's
``consensus/scp/src/slot.rs`` at a2229c005.

Quorum sets: ``Q1`` = 1 of {n1, n2, n3} for n0, with ``TO_N0`` = 1 of {n0} for the peer that
speaks, so {n0, n1} is a quorum and no single peer is v-blocking (a blocking set needs all three
peers). ``Q3`` = 3 of {n1, n2, n3}: any one peer is v-blocking and a quorum needs all three.
"""

from __future__ import annotations

from refimpl.consensus.scp import ballot as bp
from refimpl.consensus.scp.ballot import BallotState
from refimpl.consensus.scp.msg import Commit, Msg, Topic
from refimpl.consensus.scp.slot import Slot
from refimpl.consensus.scp.types import QuorumSet

from ._scp import b, commit, msg, nom, nomprep, prep, slot, x, y

Q1 = QuorumSet(1, ("n1", "n2", "n3"))
TO_N0 = QuorumSet(1, ("n0",))
Q3 = QuorumSet(3, ("n1", "n2", "n3"))


def at(state: BallotState, qset: QuorumSet, variant: str, index: int = 1) -> Slot:
    s = slot(qset=qset, variant=variant, index=index)
    s.ballot = state
    return s


def after(start: BallotState, qset: QuorumSet, variant: str, msgs: list[Msg]) -> tuple[
        tuple[object, ...], Topic | None]:
    """(phase, B, P, PP, H, C) and the latest message sent after ``msgs`` arrive at t = 1."""
    s = at(start, qset, variant)
    s.handle_messages(msgs, 1)
    return state_of(s), (s.last_sent.topic if s.last_sent is not None else None)


def state_of(s: Slot) -> tuple[object, ...]:
    st = s.ballot
    return (st.phase, st.B, st.P, st.PP, st.H, st.C)


# --- 1. the value of the next ballot is h's ---------------------------------------------------


def test_timer_takes_the_nodes_own_h_in_correct_and_the_recomputed_one_in_mobilecoin() -> None:
    """n0: PREPARE, B = P = H = ⟨2, x⟩, PP = ⟨1, y⟩ (it confirmed ⟨2, x⟩ earlier, when other
    messages were stored). Under Q1, n1 (a quorum with n0) sends PREPARE ⟨1, y⟩ with
    P = ⟨1, y⟩: from the store M alone, the highest confirmed-prepared ballot is now ⟨1, y⟩
    ({n0, n1} accept it; n1 accepts nothing of x). On receipt step 3 votes C = ⟨2, x⟩ (both
    variants). Then the ballot timer fires.

    correct — D05 ``ballot.value``: "If any ballot has been confirmed prepared, then ballot.value
    is taken to be h.value for the highest confirmed prepared ballot h"; WP Fig. 16 z = h.x and
    the timeout sets b ← ⟨b.n + 1, z⟩: B = ⟨3, x⟩ (and step 8 leaves it: h < b).
    mobilecoin — slot.rs 1211–1245 ``get_next_ballot_values`` recomputes the confirmed-prepared
    ballot from M: ⟨1, y⟩, so the timer (slot.rs 251–283) sets B = ⟨3, y⟩; the ballot pass that
    follows runs step 8 (slot.rs 944–965): B.X ≠ H.X ⇒ B = ⟨max(3 + 1, 2), x⟩ = ⟨4, x⟩."""
    start = BallotState(phase=bp.PREPARE, B=b(2, x), P=b(2, x), PP=b(1, y), H=b(2, x))
    for variant, expected in (("correct", b(3, x)), ("mobilecoin", b(4, x))):
        s = at(start, Q1, variant)
        s.handle_messages([msg("n1", prep(b(1, y), P=b(1, y)), qset=TO_N0)], 1)
        assert state_of(s) == (bp.PREPARE, b(2, x), b(2, x), b(1, y), b(2, x), b(2, x))
        s._timers["ballot"] = 5
        s.handle_timeout("ballot", 5)
        assert s.ballot.B == expected, variant
        assert s.ballot.H == b(2, x) and s.ballot.C == b(2, x)


# --- 2. step 8 only when b < h ----------------------------------------------------------------


def test_step8_leaves_b_alone_when_h_is_below_b_in_correct() -> None:
    """n0: B = ⟨3, y⟩, P = ⟨2, x⟩; n1, n2, n3 (Q3: a quorum together) all send PREPARE ⟨2, x⟩
    with P = ⟨2, x⟩, so step 2 confirms H = ⟨2, x⟩ < B.

    correct — WP step 8 "if b < h, then set b ← h" (stellar-core ``updateCurrentIfNeeded``):
    b = ⟨3, y⟩ > h, B stays ⟨3, y⟩; step 3 needs b ≤ h, so no commit vote; the PREPARE sent
    has HN = 0 (h.x ≠ b.x, D05 ``hCounter``). A ballot timeout then moves to ⟨4, h.x⟩ = ⟨4, x⟩
    (rule 1).
    mobilecoin — slot.rs 944–965: B.X ≠ H.X ⇒ B ← ⟨max(B.N + 1, H.N), H.X⟩ = ⟨4, x⟩ at once."""
    start = BallotState(phase=bp.PREPARE, B=b(3, y), P=b(2, x))
    prepared = [msg(n, prep(b(2, x), P=b(2, x))) for n in ("n1", "n2", "n3")]
    assert after(start, Q3, "correct", prepared) == (
        (bp.PREPARE, b(3, y), b(2, x), None, b(2, x), None), prep(b(3, y), b(2, x), None, 0, 0))
    assert after(start, Q3, "mobilecoin", prepared)[0] == (
        bp.PREPARE, b(4, x), b(2, x), None, b(2, x), None)
    s = at(start, Q3, "correct")
    s.handle_messages(prepared, 1)
    s._timers["ballot"] = 5
    s.handle_timeout("ballot", 5)
    assert s.ballot.B == b(4, x)


def test_step8_raises_b_to_h_when_b_is_below_h_in_both_variants() -> None:
    """B = ⟨1, x⟩ < H = ⟨3, x⟩ confirmed from Q3's quorum: both variants set B ← ⟨3, x⟩
    (WP step 8; slot.rs 944–965 with B.X = H.X: ⟨max(B.N, H.N), H.X⟩)."""
    for variant in ("correct", "mobilecoin"):
        s = at(BallotState(phase=bp.PREPARE, B=b(1, x), P=b(1, x)), Q3, variant)
        s.handle_messages([msg(n, prep(b(3, x), P=b(3, x))) for n in ("n1", "n2", "n3")], 1)
        assert s.ballot.H == b(3, x) and s.ballot.B == b(3, x), variant


# --- 3. accepting commit needs confirmed prepare; P is never invented ---------------------------


def test_commit_from_a_blocking_peer_waits_for_confirmed_prepare_in_correct() -> None:
    """Q3: n1 alone is v-blocking. n0 (B = ⟨1, x⟩, nothing accepted) receives n1's COMMIT
    ⟨2, x⟩ with PN = 2, CN = 1, HN = 2.

    correct — D05 §Ballots restriction 2: a node may not accept commit(b) unless it has confirmed
    prepare(b); §Prepare message: PREPARE ends when the node "confirms prepare(b) and accepts
    commit(b)". Step 1 accepts prepare ⟨2, x⟩ from the blocking n1 (its PN), so P = ⟨2, x⟩
    legitimately; nothing is confirmed (a quorum needs n1, n2, n3), so no commit is accepted and
    n0 stays in NOMINATE_PREPARE; step 9 (n1 ahead at counter 2, v-blocking) moves B to ⟨2, x⟩
    (value: no h, Z = ∅, the accepted-prepared P's value x).
    Then n2 and n3 send PREPARE ⟨2, x⟩ with P = ⟨2, x⟩: the quorum {n1, n2, n3} accepts prepare
    ⟨2, x⟩ → H = ⟨2, x⟩ (phase PREPARE); step 3 votes C = ⟨2, x⟩; step 4 accepts commit [1, 2]
    from the blocking n1, within ≲ H → COMMIT with C = ⟨1, x⟩, H = ⟨2, x⟩, B = ⟨2, x⟩ (h ≲ b:
    step 4 keeps b) and P = ⟨2, x⟩ untouched.
    mobilecoin — slot.rs 869–942: accept commit needs no confirmed prepare; COMMIT at once, with
    B = ⟨max(B.N, H.N), x⟩ = ⟨2, x⟩ and P the highest accepted-prepared ⟨2, x⟩."""
    c = at(BallotState(B=b(1, x)), Q3, "correct")
    c.propose_values([x], 0)
    c.handle_messages([msg("n1", commit(b(2, x), 2, 1, 2))], 1)
    assert state_of(c) == (bp.NOMINATE_PREPARE, b(2, x), b(2, x), None, None, None)
    out = c.handle_messages([msg(n, prep(b(2, x), P=b(2, x))) for n in ("n2", "n3")], 2)
    assert state_of(c) == (bp.COMMIT, b(2, x), b(2, x), None, b(2, x), b(1, x))
    assert out.message is not None and out.message.topic == Commit(b(2, x), 2, 1, 2)

    m = at(BallotState(B=b(1, x)), Q3, "mobilecoin")
    m.propose_values([x], 0)
    m.handle_messages([msg("n1", commit(b(2, x), 2, 1, 2))], 1)
    assert state_of(m) == (bp.COMMIT, b(2, x), b(2, x), None, b(2, x), b(1, x))


def test_commit_aborted_by_an_accepted_prepare_is_not_accepted_in_correct() -> None:
    """n0: PREPARE, B = H = ⟨1, x⟩, P = ⟨2, y⟩, PP = ⟨1, x⟩ (it accepted prepare ⟨2, y⟩, which
    aborts ⟨1, x⟩). The blocking n1 (Q3) sends COMMIT ⟨1, x⟩ [1, 1] with PN = 1.

    correct — WP §5.3: a node accepts a statement only if it "has never accepted a statement
    contradicting" it; commit ⟨1, x⟩ contradicts the accepted prepare ⟨2, y⟩: nothing changes
    (C stays ⊥, phase PREPARE).
    mobilecoin — slot.rs 869–942 accepts the blocking set's range: COMMIT with C = H = ⟨1, x⟩,
    B = ⟨max(B.N, H.N), x⟩ = ⟨1, x⟩ and P the highest accepted-prepared ballot with value x,
    ⟨1, x⟩."""
    start = BallotState(phase=bp.PREPARE, B=b(1, x), P=b(2, y), PP=b(1, x), H=b(1, x))
    accepts = [msg("n1", commit(b(1, x), 1, 1, 1))]
    assert after(start, Q3, "correct", accepts)[0] == (
        bp.PREPARE, b(1, x), b(2, y), b(1, x), b(1, x), None)
    assert after(start, Q3, "mobilecoin", accepts)[0] == (
        bp.COMMIT, b(1, x), b(1, x), None, b(1, x), b(1, x))


# --- 4. the local commit vote has C's value ----------------------------------------------------


def test_local_commit_vote_counts_with_c_value_in_correct_and_b_value_in_mobilecoin() -> None:
    """n0: PREPARE, B = ⟨3, y⟩, P = H = ⟨2, x⟩, C = ⟨1, x⟩ (it voted commit ⟨1..2, x⟩). Under Q1
    {n0, n1} is a quorum; n1 sends PREPARE ⟨2, x⟩, P = ⟨2, x⟩, CN = 1, HN = 2 (it votes commit
    ⟨1..2, x⟩ too).

    correct — WP Fig. 16: "c is lowest and h the highest ballot for which v has voted commit",
    c ≲ h: n0's vote is commit ⟨1..2, x⟩, so the quorum {n0, n1} votes commit [1, 2] of x and n0
    accepts it (step 4; ⟨1..2, x⟩ ≲ H and P = ⟨2, x⟩ aborts none of it) → COMMIT, C = ⟨1, x⟩,
    H = ⟨2, x⟩, B ← h = ⟨2, x⟩ (step 4: "unless h ≲ b, set b ← h"), P = ⟨2, x⟩ untouched.
    The COMMIT it sends: ⟨2, x⟩, PN = 2, CN = 1, HN = 2.
    mobilecoin — slot.rs ``ballots_accepted_committed`` seeds the quorum search with
    ``(self.B.X, (C.N, H.N))`` = commit of y: no quorum; step 8 (slot.rs 944–965) then moves B
    to ⟨max(3 + 1, 2), x⟩ = ⟨4, x⟩ and the node stays in PREPARE."""
    start = BallotState(phase=bp.PREPARE, B=b(3, y), P=b(2, x), H=b(2, x), C=b(1, x))
    vote = [msg("n1", prep(b(2, x), P=b(2, x), CN=1, HN=2), qset=TO_N0)]
    assert after(start, Q1, "correct", vote) == (
        (bp.COMMIT, b(2, x), b(2, x), None, b(2, x), b(1, x)), Commit(b(2, x), 2, 1, 2))
    assert after(start, Q1, "mobilecoin", vote)[0] == (
        bp.PREPARE, b(4, x), b(2, x), None, b(2, x), b(1, x))


# --- 5. the Commit phase's quorum path ---------------------------------------------------------


def test_commit_phase_quorum_extends_the_accepted_range_in_correct() -> None:
    """n0: COMMIT, B = P = C = H = ⟨2, x⟩. Under Q1, n1 (a quorum with n0) sends PREPARE ⟨4, x⟩,
    P = ⟨4, x⟩, CN = 2, HN = 4: it votes commit ⟨2..4, x⟩.

    correct — WP step 6 ("v accepts more commit messages", by either rule of federated voting)
    and D05 §Commit message: n0's COMMIT votes commit ⟨n, x⟩ for every n ≥ C.N = 2. So the quorum
    {n0, n1} votes commit ⟨2..4, x⟩ and n0 accepts it: H = ⟨4, x⟩, C = ⟨2, x⟩; step 8 raises
    B to ⟨4, x⟩. Nothing is confirmed (n1 does not accept commit). P: the highest accepted-
    prepared ⟨n, x⟩ — n1's vote for prepare ⟨4, x⟩ with n0's own ⟨2, x⟩ reaches only 2 (n0 votes
    prepare up to its B = ⟨2, x⟩ when step 5 runs), so P stays ⟨2, x⟩. Sent: COMMIT ⟨4, x⟩,
    PN = 2, CN = 2, HN = 4.
    mobilecoin — slot.rs ``ballots_accepted_committed`` seeds the quorum search with
    [C.N, H.N] = [2, 2]: the range stays [2, 2] and B = ⟨2, x⟩."""
    start = BallotState(phase=bp.COMMIT, B=b(2, x), P=b(2, x), H=b(2, x), C=b(2, x))
    vote = [msg("n1", prep(b(4, x), P=b(4, x), CN=2, HN=4), qset=TO_N0)]
    assert after(start, Q1, "correct", vote) == (
        (bp.COMMIT, b(4, x), b(2, x), None, b(4, x), b(2, x)), Commit(b(4, x), 2, 2, 4))
    assert after(start, Q1, "mobilecoin", vote)[0] == (
        bp.COMMIT, b(2, x), b(2, x), None, b(2, x), b(2, x))


# --- 6. a nomination timeout runs the ballot protocol -----------------------------------------


def test_nomination_timeout_runs_the_ballot_protocol_in_correct() -> None:
    """Slot 18, Q1: round 1's leader is n0 itself (it proposed nothing), round 2's is n1
    (``nomination.round_leader``). n1 (a quorum with n0) sends NOMINATE_PREPARE with Y = {x} and
    ballot ⟨1, x⟩, P = ⟨1, x⟩. On receipt n0 does not echo n1 (not a leader) and, with no ballot
    of its own, accepts nothing (n1 alone is not v-blocking). The nomination timer (armed at
    1 + 1000 · 1) fires: round 2, n1 leads, n0 votes x; the quorum {n0, n1} votes-or-accepts x →
    n0 accepts x, and confirms it (n1 accepts x) → Z = {x}, B = ⟨1, x⟩.

    correct — D05: NOMINATE and PREPARE run concurrently ("Summary of phases"); stellar-core:
    the timer's nomination statement is processed like a received one and a new composite value
    goes to ``Slot::bumpState`` (the ballot protocol). So the ballot protocol runs: step 1 —
    the quorum {n0, n1} votes prepare ⟨1, x⟩ → P = ⟨1, x⟩; step 2 — {n0, n1} accepts it → H =
    ⟨1, x⟩, phase PREPARE; step 3 — C = ⟨1, x⟩.
    The message sent: PREPARE ⟨1, x⟩, P = ⟨1, x⟩, CN = HN = 1.
    mobilecoin — slot.rs 227–249: the nomination timeout runs ``do_nominate_phase`` only:
    B = ⟨1, x⟩ is set, nothing else, phase NOMINATE_PREPARE; it sends NOMINATE_PREPARE with
    X = ∅, Y = {x} and the bare ballot ⟨1, x⟩."""
    topic = nomprep(nom(Y=[x]), prep(b(1, x), P=b(1, x)))
    for variant, expected, sent in (
        ("correct", (bp.PREPARE, b(1, x), b(1, x), None, b(1, x), b(1, x)),
         prep(b(1, x), b(1, x), None, 1, 1)),
        ("mobilecoin", (bp.NOMINATE_PREPARE, b(1, x), None, None, None, None),
         nomprep(nom(Y=[x]), prep(b(1, x)))),
    ):
        s = at(BallotState(), Q1, variant, index=18)
        out = s.handle_messages([msg("n1", topic, index=18, qset=TO_N0)], 1)
        assert s.Z == frozenset() and s.ballot.B is None
        assert out.timers["nominate"] == 1001
        s.handle_timeout("nominate", 1001)
        assert s.leaders == frozenset({"n0", "n1"}) and s.Z == frozenset({x})
        assert state_of(s) == expected, variant
        assert s.last_sent is not None and s.last_sent.topic == sent, variant
