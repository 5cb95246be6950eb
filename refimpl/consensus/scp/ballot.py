"""The ballot protocol: prepare, commit and externalize phases (WP §6.2, Fig. 17).

MobileCoin ``consensus/scp/src/slot.rs`` (``do_ballot_protocol``, ``do_prepare_phase``,
``do_commit_phase``, ``do_externalize_phase``, ``ballots_accepted_prepared``,
``ballots_confirmed_prepared``, ``ballots_accepted_committed``, ``out_msg``); WP §6.2 Fig. 17
steps 1–9; draft-mazieres-dinrg-scp-05 §3.5.

Pure functions over a :class:`BallotState` and the peers' implied statements; the slot applies
the timer side effects. Every search is complete (quorum.py): set- and range-valued statements
are reduced to one stateless statement per candidate counter, and because prepare(⟨n, x⟩)
implies prepare(⟨m, x⟩) for m ≤ n, the highest counter that reaches a quorum (or a v-blocking
set) is found by testing the distinct candidate counters in decreasing order.

Deliberate choices (both variants): an accepted or confirmed statement stays accepted (the local P,
PP and H are kept as candidates instead of MobileCoin's recomputation from M that can make step 1
return early, docs/deviations.md#dev-scp-accepted-stays-accepted). Variant differences:
``"mobilecoin"`` records a blocking-set member's candidate ballot / commit range instead of the
narrowed result (docs/deviations.md#dev-scp-blocking-set-acceptance), and does unchecked u32 counter
arithmetic (wrap-around: docs/deviations.md#dev-scp-counter-arithmetic and
docs/deviations.md#dev-scp-clamp); ``"correct"`` records only what the blocking set justifies,
saturates counters below ∞ and drops clamped ballots whose counter would reach 0. In the Commit
phase (step 6, :func:`commit_phase_range`) ``"correct"`` widens [C.N, H.N] by overlapping or
touching accepted intervals and moves to a strictly higher one, never to a lower one (stellar-core
``attemptAcceptCommit``); ``"mobilecoin"`` sets C, H to the accepted range unguarded, as
``do_commit_phase`` does. The full list of variant differences, with the paper's and the
draft's rules that ``"correct"`` follows (h's value for new ballots, step 8 only when b < h,
accepting commit only for confirmed-prepared ballots, the local commit vote with C's value, the
Commit phase's quorum path, a nomination timeout running the ballot protocol), is the table in
docs/deviations.md#dev-scp-variants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet

import attrs

from refimpl.consensus.scp.msg import (
    Commit,
    Externalize,
    Nominate,
    NominatePrepare,
    Prepare,
    StatementIndex,
    Topic,
    Variant,
)
from refimpl.consensus.scp.quorum import QuorumContext
from refimpl.consensus.scp.types import INFINITY, Ballot, NodeID, Value

NOMINATE_PREPARE = "NOMINATE_PREPARE"
PREPARE = "PREPARE"
COMMIT = "COMMIT"
EXTERNALIZE = "EXTERNALIZE"
PHASES = (NOMINATE_PREPARE, PREPARE, COMMIT, EXTERNALIZE)

Peers = StatementIndex
Values = tuple[Value, ...]
Interval = tuple[int, int]
SetTest = Callable[[AbstractSet[NodeID]], bool]


@attrs.frozen
class BallotState:
    """The ballot variables of a slot (WP Fig. 16; MobileCoin names). ``B`` is None while
    the ballot is still the zero ballot ⟨0, []⟩."""

    phase: str = NOMINATE_PREPARE
    B: Ballot | None = None
    P: Ballot | None = None
    PP: Ballot | None = None
    H: Ballot | None = None
    C: Ballot | None = None

    def with_B(self, B: Ballot) -> BallotState:
        """A copy with a new current ballot (cheaper than ``attrs.evolve`` on hot paths)."""
        return BallotState(self.phase, B, self.P, self.PP, self.H, self.C)


def _u32(n: int, variant: Variant) -> int:
    """Counter arithmetic: u32 wrap-around (mobilecoin) or saturation in 0..∞ (correct);
    docs/deviations.md#dev-scp-counter-arithmetic."""
    if variant == "mobilecoin":
        return n % 2**32
    return max(0, min(n, INFINITY))


def _b_counter(b: Ballot | None) -> int:
    return 0 if b is None else b.counter


# --- candidate-counter searches -----------------------------------------------------------------


def highest_counter(support: Mapping[NodeID, int], upto: int, floor: int, test: SetTest) -> int:
    """The highest n in (floor, upto] such that ``test({u : support[u] ≥ n})``, else 0."""
    # ``test`` is monotone: if every supporter above ``floor`` together fails, all counters do.
    if not test({u for u, c in support.items() if c > floor}):
        return 0
    candidates = {min(c, upto) for c in support.values() if c > floor}
    candidates.add(upto)
    for n in sorted((c for c in candidates if c > floor), reverse=True):
        if test({u for u, c in support.items() if c >= n}):
            return n
    return 0


def counters_in_range(
    ranges: Mapping[NodeID, Interval], lo: int, hi: int, test: SetTest
) -> list[Interval]:
    """The maximal intervals of n in [lo, hi] with ``test({u : n ∈ ranges[u]})``, ascending."""
    if lo > hi:
        return []
    # ``test`` is monotone: if every range meeting [lo, hi] together fails, every counter does.
    if not test({u for u, (a, b) in ranges.items() if a <= hi and lo <= b}):
        return []
    points = {lo}
    for a, b in ranges.values():
        if lo < a <= hi:
            points.add(a)
        if lo <= b < hi:
            points.add(b + 1)
    ordered = sorted(points)
    out: list[Interval] = []
    for i, start in enumerate(ordered):
        end = ordered[i + 1] - 1 if i + 1 < len(ordered) else hi
        supporters = {u for u, (a, b) in ranges.items() if a <= start <= b}
        if test(supporters):
            if out and out[-1][1] + 1 >= start:
                out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# --- step 1: accept prepared --------------------------------------------------------------------


def accepted_prepared(
    state: BallotState, ctx: QuorumContext, peers: Peers, variant: Variant
) -> dict[Values, int]:
    """Value -> highest accepted-prepared counter (WP §6.2 step 1; ``do_prepare_phase`` (1)).

    Via a v-blocking set of peers accepting prepare(⟨n, x⟩), or via a quorum (local node
    included, voting from its B, P, PP) voting-or-accepting it; the local P and PP stay accepted.
    """
    acc: dict[Values, int] = {}

    def note(x: Values, n: int) -> None:
        if n > 0 and acc.get(x, 0) < n:
            acc[x] = n

    for b in (state.P, state.PP):
        if b is not None:
            note(b.values, b.counter)
    for x, support in peers.prepare_accepts.items():
        top = max(support.values())
        if acc.get(x, 0) >= top or not ctx.is_blocking(support.keys()):
            continue
        if variant == "mobilecoin":
            # Each member's own candidate ballot, not the narrowed one
            # (docs/deviations.md#dev-scp-blocking-set-acceptance).
            note(x, max(c for u, c in support.items() if u in ctx.local_nodes))
        else:
            note(x, highest_counter(support, top, acc.get(x, 0), ctx.is_blocking))
    local: dict[Values, int] = {}
    for b in (state.B, state.P, state.PP if state.P is not None else None):
        if b is not None and b.counter > local.get(b.values, 0):
            local[b.values] = b.counter
    for x, mine in local.items():
        floor = acc.get(x, 0)
        if floor >= mine:
            continue
        support = peers.prepare_votes.get(x, {})
        note(x, highest_counter(support, mine, floor, ctx.has_quorum))
    return acc


def prepared_pair(acc: Mapping[Values, int]) -> tuple[Ballot | None, Ballot | None]:
    """(P, PP): the highest accepted-prepared ballot and the highest one below it with a
    different value."""
    ballots = sorted(Ballot(n, x) for x, n in acc.items())
    if not ballots:
        return None, None
    p = ballots[-1]
    pp = next((b for b in reversed(ballots[:-1]) if b.values != p.values), None)
    return p, pp


def _aborts(p: Ballot | None, c: Ballot) -> bool:
    """Does prepare(p) abort c (c < p with a different value)?"""
    return p is not None and c < p and p.values != c.values


# --- step 2: confirm prepared -------------------------------------------------------------------


def confirmed_prepared(
    acc: Mapping[Values, int], H: Ballot | None, ctx: QuorumContext, peers: Peers
) -> Ballot | None:
    """The highest ballot confirmed prepared above ``H`` (a quorum accepts it; seeded with the
    locally accepted set), or None."""
    best: Ballot | None = None
    for x, mine in acc.items():
        floor = H.counter if H is not None and H.values == x else 0
        if mine <= floor:
            continue
        support = peers.prepare_accepts.get(x, {})
        n = highest_counter(support, mine, floor, ctx.has_quorum)
        if n and (best is None or Ballot(n, x) > best):
            best = Ballot(n, x)
    return best


# --- step 3: vote commit ------------------------------------------------------------------------


def commit_vote(state: BallotState, variant: Variant) -> Ballot | None:
    """The lowest ballot c ≥ B with value H.X that neither P nor PP aborts, if c ≤ H
    (WP §6.2 step 3; ``do_prepare_phase`` (3); docs/deviations.md#dev-scp-commit-vote); None when
    no commit vote is due."""
    H, B = state.H, state.B
    if state.C is not None or H is None:
        return None
    if B is not None and B > H:
        return None
    if _aborts_h(state.P, H) or _aborts_h(state.PP, H):
        return None
    n = _b_counter(B)
    if B is not None and H.values < B.values:
        n = _u32(n + 1, variant)
    c = Ballot(max(n, 1), H.values)
    for p in (state.P, state.PP):
        if p is not None and _aborts(p, c):
            c = Ballot(p.counter if H.values > p.values else _u32(p.counter + 1, variant), H.values)
    return c if c <= H else None


def _aborts_h(p: Ballot | None, H: Ballot) -> bool:
    return p is not None and p > H and p.values != H.values


# --- step 4 / 6: accept commit; step 7: confirm commit ------------------------------------------


def accepted_commit(
    local_votes: tuple[Values, int, int] | None,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
) -> dict[Values, list[Interval]]:
    """Value -> accepted-commit counter intervals: a v-blocking set accepts commit(⟨n, x⟩), or
    a quorum with the local node (voting for ``local_votes`` = (x, lo, hi)) votes-or-accepts it."""
    out: dict[Values, list[Interval]] = {}
    for x, ranges in peers.commit_accepts.items():
        if not ctx.is_blocking(ranges.keys()):
            continue
        lo = min(a for a, _ in ranges.values())
        hi = max(b for _, b in ranges.values())
        found = counters_in_range(ranges, lo, hi, ctx.is_blocking)
        if variant == "mobilecoin" and found:
            # Each overlapping member's full candidate range
            # (docs/deviations.md#dev-scp-blocking-set-acceptance).
            found = [
                r
                for u, r in ranges.items()
                if u in ctx.local_nodes and any(a <= r[1] and r[0] <= b for a, b in found)
            ]
        if found:
            out[x] = _merge(out.get(x, []) + found)
    if local_votes is not None:
        x, lo, hi = local_votes
        found = counters_in_range(peers.commit_votes.get(x, {}), lo, hi, ctx.has_quorum)
        if found:
            out[x] = _merge(out.get(x, []) + found)
    return out


def _local_commit_votes(state: BallotState, variant: Variant) -> tuple[Values, int, int] | None:
    """The local node's commit votes in the prepare phase, as (x, C.N, H.N).

    ``"correct"``: x = C.X (= H.X): WP Fig. 16 "c is lowest and h the highest ballot for which v has
    voted commit", and step 3 sets c ≲ h (docs/deviations.md#dev-scp-local-commit-vote).
    ``"mobilecoin"``: x = B.X (slot.rs ``ballots_accepted_committed``: the quorum search is seeded
    with ``(self.B.X, (C.N, H.N))``), although C and H may hold another value."""
    C, H, B = state.C, state.H, state.B
    if C is None or H is None or B is None:
        return None
    return (C.values if variant == "correct" else B.values, C.counter, H.counter)


def _not_aborted_from(x: Values, p: Ballot | None) -> int:
    """The least counter n such that prepare(p) does not abort ⟨n, x⟩ (1 when p is None or has
    value x)."""
    if p is None or p.values == x:
        return 1
    return p.counter + 1 if x < p.values else max(p.counter, 1)


def _committable(
    accepted: Mapping[Values, list[Interval]], state: BallotState
) -> dict[Values, list[Interval]]:
    """The correct variant's guard on accepting commit in the prepare phase: only ballots b ≲ H
    (b.X = H.X, b.N ≤ H.N: prepare(b) is confirmed) that neither P nor PP aborts.

    D05 §"Ballots", restriction 2: "A node may not vote for or accept commit(b) for any ballot b
    unless it has confirmed abort for every lesser ballot with a different value" (confirmed
    prepare(b)), and §"Prepare message": the node leaves PREPARE "when there is some ballot b for
    which the node confirms prepare(b) and accepts commit(b)"; WP §5.3: a node accepts a statement
    only if it "has never accepted a statement contradicting" it (P and PP are accepted
    prepared). H is the highest confirmed-prepared ballot, and every ballot ≲ H is confirmed
    prepared with it. Consequence: P ≥ H has value H.X, so entering COMMIT never has to invent P
    (docs/deviations.md#dev-scp-accept-commit-p)."""
    H = state.H
    if H is None:
        return {}
    x = H.values
    lo_min = max(_not_aborted_from(x, state.P), _not_aborted_from(x, state.PP))
    kept = [(max(a, lo_min), min(b, H.counter)) for a, b in accepted.get(x, [])]
    kept = [(a, b) for a, b in kept if a <= b]
    return {x: kept} if kept else {}


def confirmed_commit(
    x: Values, lo: int, hi: int, ctx: QuorumContext, peers: Peers
) -> list[Interval]:
    """Counter intervals in [lo, hi] for which a quorum accepts commit(⟨n, x⟩)."""
    ranges = peers.commit_accepts.get(x, {})
    return counters_in_range(ranges, lo, hi, ctx.has_quorum)


# --- step 9 and the ballot timer ----------------------------------------------------------------


def unblocking_counter(counter: int, ctx: QuorumContext, peers: Peers) -> int:
    """The least counter ≥ ``counter`` that no v-blocking set of peers is strictly ahead of
    (WP step 9; stellar-core ``attemptBump``)."""
    counters = peers.counters
    if ctx.min_blocking == 0:
        return counter
    while True:
        if sum(1 for c in counters.values() if c > counter) < ctx.min_blocking:
            return counter
        ahead = {u: counters[u] for u in ctx.local_nodes if counters.get(u, -1) > counter}
        if not ahead or not ctx.is_blocking(ahead.keys()):
            return counter
        counter = min(ahead.values())


def ballot_timer_due(B: Ballot | None, ctx: QuorumContext, peers: Peers) -> bool:
    """A quorum (local node included) has ballot counters ≥ B.N (``maybe_set_ballot_timer``,
    D05 §3.5; docs/deviations.md#dev-scp-timers)."""
    if B is None:
        return False
    n = B.counter
    return ctx.has_quorum({u for u, c in peers.counters.items() if c >= n})


def next_ballot_values(
    state: BallotState,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
    Z: frozenset[Value],
    combine: Callable[[frozenset[Value]], Values],
) -> Values | None:
    """The value for a new ballot (timer and step 9; docs/deviations.md#dev-scp-next-ballot-value).

    ``"correct"``: the node's own h — D05 §"Prepare message", ``ballot.value``: "If any ballot has
    been confirmed prepared, then ballot.value is taken to be h.value for the highest confirmed
    prepared ballot h", else combine(Z), else the highest accepted-prepared ballot's value (the
    stored P), else B.X; WP Fig. 16 (z = h.x once h ≠ 0) and stellar-core ``bumpState``
    (``mValueOverride`` = the confirmed-prepared h's value). ``"mobilecoin"``
    (slot.rs ``get_next_ballot_values``): the highest confirmed-prepared value *recomputed from
    M*, else combine(Z), else the highest accepted-prepared value recomputed, else B.X."""
    if state.phase in (COMMIT, EXTERNALIZE) and state.B is not None:
        return state.B.values
    if variant == "correct":
        if state.H is not None:
            return state.H.values
        if Z:
            return combine(Z)
        if state.P is not None:
            return state.P.values
        return None if state.B is None else state.B.values
    acc = accepted_prepared(state, ctx, peers, variant)
    h = confirmed_prepared(acc, None, ctx, peers)
    if h is not None:
        return h.values
    if Z:
        return combine(Z)
    p, _ = prepared_pair(acc)
    if p is not None:
        return p.values
    return None if state.B is None else state.B.values


# --- the phases ---------------------------------------------------------------------------------


def _commit_ballot(B: Ballot | None, H: Ballot, variant: Variant) -> Ballot:
    """MobileCoin's step 8 and step 4 (slot.rs ``do_prepare_phase`` (4) and (8)): ⟨max(B.N+1, H.N),
    H.X⟩ when the value changes (even when H < B), else ⟨max(B.N, H.N), H.X⟩."""
    n = _b_counter(B)
    if B is None or B.values != H.values:
        n = _u32(n + 1, variant)
    return Ballot(max(n, H.counter), H.values)


def step8_ballot(B: Ballot | None, H: Ballot, variant: Variant) -> Ballot:
    """Step 8 in the prepare phase (docs/deviations.md#dev-scp-step8).

    ``"correct"``: WP §6.2 step 8 "if b < h, then set b ← h" — b is left alone when h ≤ b,
    whatever its value (stellar-core ``updateCurrentIfNeeded``, called by ``setConfirmPrepared``
    "always perform step (8) with the computed value of h"); D05: the ballot's value changes only
    with its counter. ``"mobilecoin"``: :func:`_commit_ballot`."""
    if variant == "mobilecoin":
        return _commit_ballot(B, H, variant)
    return H if B is None or B < H else B


def step4_ballot(B: Ballot | None, H: Ballot, variant: Variant) -> Ballot:
    """The ballot on entering the Commit phase (docs/deviations.md#dev-scp-step8).

    ``"correct"``: WP §6.2 step 4 "unless h ≲ b, set b ← h" (h ≲ b: same value, h.n ≤ b.n), as
    stellar-core ``setAcceptCommit`` (``bumpToBallot(h, false)`` unless h is less than and
    compatible with b). ``"mobilecoin"``: :func:`_commit_ballot`."""
    if variant == "mobilecoin":
        return _commit_ballot(B, H, variant)
    if B is not None and B.values == H.values and H.counter <= B.counter:
        return B
    return H


def _bump(
    state: BallotState,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
    Z: frozenset[Value],
    combine: Callable[[frozenset[Value]], Values],
) -> BallotState | None:
    """Step 9: the bumped state, or None when no bump is due."""
    current = _b_counter(state.B)
    counter = unblocking_counter(current, ctx, peers)
    if variant == "correct" and counter >= INFINITY:
        # D05 guard: never move to the unbeatable counter ∞
        # (docs/deviations.md#dev-scp-counter-arithmetic).
        counter = current
    if counter <= current:
        return None
    value = next_ballot_values(state, ctx, peers, variant, Z, combine)
    if value is None:
        return None
    return state.with_B(Ballot(counter, value))


def prepare_phase(
    state: BallotState,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
    Z: frozenset[Value],
    combine: Callable[[frozenset[Value]], Values],
) -> tuple[BallotState, bool]:
    """Steps 1–4, 8, 9 while phase ∈ {NOMINATE_PREPARE, PREPARE}; returns (state, bumped)."""
    acc = accepted_prepared(state, ctx, peers, variant)
    P, PP = prepared_pair(acc)
    C = state.C
    if C is not None and (_aborts(P, C) or _aborts(PP, C)):
        C = None
    state = BallotState(state.phase, state.B, P, PP, state.H, C)
    h = confirmed_prepared(acc, state.H, ctx, peers)
    if h is not None:
        H = h if state.H is None or h > state.H else state.H
        state = BallotState(PREPARE, state.B, state.P, state.PP, H, state.C)
    c = commit_vote(state, variant)
    if c is not None:
        state = BallotState(state.phase, state.B, state.P, state.PP, state.H, c)
    accepted = accepted_commit(_local_commit_votes(state, variant), ctx, peers, variant)
    if variant == "correct":
        accepted = _committable(accepted, state)
    if accepted:
        x, (lo, hi) = min(((x, iv[0]) for x, iv in accepted.items()), key=lambda e: (e[1][0], e[0]))
        H = Ballot(hi, x)
        if variant == "correct":
            # P is not touched: _committable kept only ballots ≲ H that P does not abort, so P
            # (the highest accepted-prepared ballot, P ≥ H) already has value x
            # (docs/deviations.md#dev-scp-accept-commit-p).
            P = state.P
            assert P is not None and P.values == x
        else:
            # slot.rs do_prepare_phase (4): P = the highest accepted-prepared ballot with value
            # B.X, asserted to exist; ours falls back to ⟨lo, x⟩ (dev-scp-accept-commit-p).
            p_n = acc.get(x)
            P = Ballot(p_n, x) if p_n else (state.P if state.P and state.P.values == x else None)
            P = P if P is not None else Ballot(lo, x)
        state = BallotState(
            phase=COMMIT, B=step4_ballot(state.B, H, variant), P=P, PP=None, H=H, C=Ballot(lo, x)
        )
        return state, False
    if state.H is not None:  # step 8
        state = state.with_B(step8_ballot(state.B, state.H, variant))
    bumped = _bump(state, ctx, peers, variant, Z, combine)
    return (bumped, True) if bumped is not None else (state, False)


def commit_phase_range(
    x: Values, cn: int, hn: int, ctx: QuorumContext, peers: Peers, variant: Variant
) -> Interval:
    """Step 6: the accepted-commit interval [C.N, H.N] the node reports after this pass.

    ``"correct"``: the accepted intervals for x (found via v-blocking sets) are merged with
    [C.N, H.N]; the node takes the highest merged interval. So an interval that overlaps or
    touches [C.N, H.N] widens it (their union), one that lies strictly above replaces it, and
    the node never moves to a lower interval. This is stellar-core's rule
    (``BallotProtocol::attemptAcceptCommit``: in the confirm phase the extended interval found
    from the statements' boundaries, searched from the top, replaces c and h in
    ``setAcceptCommit`` when its top exceeds h) and sound by WP §6.2 step 6 / D05 §3.5: every
    counter of the adopted interval is accepted committed, and accepted statements stay
    accepted (the variables only say which interval the node reports). Merely widening the
    range that contains C.N is not live: a node whose blocking set accepts a disjoint higher
    interval (peers externalized at C.N = 8 while it holds [6, 6]) would never confirm it
    (tests/regressions/test_scp_commit_phase_liveness.py). The quorum path counts too (WP §6.2
    step 6 "v accepts more commit messages", by either rule of federated voting; D05 §"Commit
    message": the local node votes commit ⟨n, B.X⟩ for every n ≥ C.N): a quorum voting-or-accepting
    commit above H.N, the local node included, extends the range
    (docs/deviations.md#dev-scp-commit-phase-quorum). Its upper end is capped at the highest
    finite counter a statement names (stellar-core ``getCommitBoundariesFromStatements``), so
    open-ended votes (Commit [CN, ∞)) do not move H to ∞.

    ``"mobilecoin"`` (``slot.rs`` ``do_commit_phase`` step (6), ``ballots_accepted_committed``;
    docs/deviations.md#dev-scp-commit-phase-range): C, H ← the accepted range with no monotonicity
    guard, where the range is the hull (min, max) of the blocking-set ranges and of the quorum path
    seeded with [C.N, H.N].
    """
    if variant == "mobilecoin":
        found = accepted_commit((x, cn, hn), ctx, peers, variant).get(x)
        if not found:
            return cn, hn
        return min(a for a, _ in found), max(b for _, b in found)
    found = accepted_commit(None, ctx, peers, variant).get(x, [])
    cap = _finite_commit_bound(x, hn, peers)
    if cap > hn:  # the quorum path starts at C.N: below the cap it can only re-find [C.N, H.N]
        votes = peers.commit_votes.get(x, {})
        by_quorum = counters_in_range(votes, cn, INFINITY, ctx.has_quorum)
        found = found + [(a, min(b, cap)) for a, b in by_quorum if a <= cap]
    return _merge(found + [(cn, hn)])[-1]


def _finite_commit_bound(x: Values, hn: int, peers: Peers) -> int:
    """The highest finite counter that a commit statement of value x names (or ``hn``)."""
    bounds = [hn]
    for table in (peers.commit_votes, peers.commit_accepts):
        for a, b in table.get(x, {}).values():
            bounds.extend(c for c in (a, b) if c < INFINITY)
    return max(bounds)


def commit_phase(
    state: BallotState,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
    Z: frozenset[Value],
    combine: Callable[[frozenset[Value]], Values],
) -> tuple[BallotState, bool]:
    """Steps 5–9 in the Commit phase; returns (state, bumped)."""
    B, C, H = state.B, state.C, state.H
    assert B is not None and C is not None and H is not None
    x = B.values
    acc = accepted_prepared(state, ctx, peers, variant)
    P = state.P
    if x in acc and (P is None or Ballot(acc[x], x) > P):
        P = Ballot(acc[x], x)
    lo, hi = commit_phase_range(x, C.counter, H.counter, ctx, peers, variant)
    C, H = Ballot(lo, x), Ballot(hi, x)
    state = BallotState(state.phase, B, P, state.PP, H, C)
    confirmed = confirmed_commit(x, C.counter, H.counter, ctx, peers)
    if confirmed:
        lo, hi = confirmed[0]
        return BallotState(EXTERNALIZE, B, P, None, Ballot(hi, x), Ballot(lo, x)), False
    state = state.with_B(Ballot(max(B.counter, H.counter), x))
    bumped = _bump(state, ctx, peers, variant, Z, combine)
    return (bumped, True) if bumped is not None else (state, False)


def externalize_phase(state: BallotState, ctx: QuorumContext, peers: Peers) -> BallotState:
    """Raise H.N to the highest confirmed-committed counter; C stays fixed."""
    B, C, H = state.B, state.C, state.H
    assert B is not None and C is not None and H is not None
    if H.counter >= INFINITY:
        return state
    # [C.N, H.N] is already confirmed: only counters from H.N + 1 on can extend it.
    confirmed = confirmed_commit(B.values, H.counter + 1, INFINITY, ctx, peers)
    if not confirmed or confirmed[0][0] != H.counter + 1:
        return state
    return BallotState(state.phase, B, state.P, state.PP, Ballot(confirmed[0][1], B.values), C)


def advance(
    state: BallotState,
    ctx: QuorumContext,
    peers: Peers,
    variant: Variant,
    Z: frozenset[Value],
    combine: Callable[[frozenset[Value]], Values],
) -> tuple[BallotState, bool]:
    """One pass of ``do_ballot_protocol``, falling through the phases; ``bumped`` tells the slot
    that step 9 raised the counter (it then restarts the ballot timer and runs again)."""
    if state.phase in (NOMINATE_PREPARE, PREPARE):
        state, bumped = prepare_phase(state, ctx, peers, variant, Z, combine)
        if bumped:
            return state, True
    if state.phase == COMMIT:
        state, bumped = commit_phase(state, ctx, peers, variant, Z, combine)
        if bumped:
            return state, True
    if state.phase == EXTERNALIZE:
        state = externalize_phase(state, ctx, peers)
    return state, False


# --- the outgoing message (slot.rs ``out_msg``) ------------------------------------------------


def _clamp_below(b: Ballot, top: Ballot, variant: Variant) -> Ballot | None:
    """``b`` lowered to the highest ballot with its value that does not exceed ``top``; the correct
    variant drops a result with counter 0 (docs/deviations.md#dev-scp-clamp)."""
    if b <= top:
        return b
    n = top.counter - 1 if b.values > top.values else top.counter
    n = _u32(n, variant)
    if variant == "correct" and n == 0:
        return None
    return Ballot(n, b.values)


def outgoing_topic(
    state: BallotState, X: frozenset[Value], Y: frozenset[Value], variant: Variant
) -> Topic | None:
    """The topic this slot should currently broadcast, or None (nothing to say yet)."""
    B = state.B
    if state.phase == NOMINATE_PREPARE and B is None:
        return Nominate(X, Y) if X or Y else None
    assert B is not None
    if state.phase in (NOMINATE_PREPARE, PREPARE):
        P = None if state.P is None else _clamp_below(state.P, B, variant)
        PP = None
        if state.PP is not None and P is not None:
            PP = state.PP if state.PP < P else _clamp_below(state.PP, P, variant)
            if PP is not None and (PP.counter == 0 or PP == P):
                PP = None
        H = state.H
        hn = H.counter if H is not None and H.values == B.values else 0
        cn = state.C.counter if hn != 0 and state.C is not None else 0
        prep = Prepare(B, P, PP, cn, hn)
        if state.phase == NOMINATE_PREPARE:
            return NominatePrepare(Nominate(X, Y), prep)
        return prep
    assert state.C is not None and state.H is not None
    if state.phase == COMMIT:
        pn = 0 if state.P is None else min(state.P.counter, B.counter)
        return Commit(B, pn, state.C.counter, state.H.counter)
    return Externalize(state.C, state.H.counter)
