"""Quorum slices, quorums, v-blocking sets, weights: hand-worked cases and brute-force checks.

WP (Mazières 2016) §3: quorum = non-empty set containing a slice of each member; v-blocking =
meets every slice of v. MobileCoin's greedy search (quorum_set_ext.rs) is compared with ours.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.quorum import (
    QuorumContext,
    find_blocking_set,
    find_quorum,
    find_quorum_greedy,
    is_quorum_slice_satisfied,
    is_v_blocking,
    leader_weight,
    min_blocking_size,
)
from refimpl.consensus.scp.types import QuorumSet

# WP Fig. 2 with MobileCoin's implicit self: v1 needs {v2, v3}; v2, v3, v4 need the other two
# of {v2, v3, v4}.
FIG2 = {
    "v1": QuorumSet(2, ("v2", "v3")),
    "v2": QuorumSet(2, ("v3", "v4")),
    "v3": QuorumSet(2, ("v2", "v4")),
    "v4": QuorumSet(2, ("v2", "v3")),
}
NESTED = QuorumSet(2, ("a", QuorumSet(2, ("b", "c", "d")), QuorumSet(1, ("e", "f"))))


def test_fig2_quorums() -> None:
    assert find_quorum("v1", FIG2["v1"], FIG2, {"v2", "v3", "v4"}) == {"v1", "v2", "v3", "v4"}
    # Without v4, v2 and v3 lose their slices, so v1 has no quorum.
    assert find_quorum("v1", FIG2["v1"], FIG2, {"v2", "v3"}) is None
    # {v2, v3, v4} is a quorum for v2 without v1.
    assert find_quorum("v2", FIG2["v2"], FIG2, {"v3", "v4"}) == {"v2", "v3", "v4"}
    # A supporter whose quorum set is unknown (no message) cannot be part of a quorum.
    known = {k: v for k, v in FIG2.items() if k != "v4"}
    assert find_quorum("v1", FIG2["v1"], known, {"v2", "v3", "v4"}) is None


def test_fig2_blocking() -> None:
    assert is_v_blocking(FIG2["v1"], {"v2"})
    assert is_v_blocking(FIG2["v1"], {"v3"})
    assert not is_v_blocking(FIG2["v1"], {"v4"})
    assert not is_v_blocking(FIG2["v2"], {"v1"})
    assert find_blocking_set(FIG2["v2"], {"v1", "v4"}) == {"v4"}
    assert find_blocking_set(FIG2["v2"], {"v1"}) is None


def test_nested_slices() -> None:
    assert is_quorum_slice_satisfied(NESTED, {"a", "e"})
    assert is_quorum_slice_satisfied(NESTED, {"b", "d", "f"})
    assert not is_quorum_slice_satisfied(NESTED, {"b", "c"})  # inner 2-of-3 only: 1 of 2
    assert not is_quorum_slice_satisfied(NESTED, {"a", "b"})
    # Blocking needs 2 of the 3 members blocked; the inner 2-of-{b,c,d} is blocked by 2 of 3,
    # the inner 1-of-{e,f} by both e and f.
    assert is_v_blocking(NESTED, {"a", "b", "c"})
    assert not is_v_blocking(NESTED, {"a", "b"})
    assert not is_v_blocking(NESTED, {"a", "e"})
    assert is_v_blocking(NESTED, {"a", "e", "f"})
    assert is_v_blocking(NESTED, {"b", "d", "e", "f"})
    assert min_blocking_size(NESTED) == 3
    assert min_blocking_size(QuorumSet(67, tuple(f"n{i}" for i in range(1, 100)))) == 33


def test_empty_quorum_set_needs_nobody_and_has_no_blocking_set() -> None:
    empty = QuorumSet(0, ())
    assert is_quorum_slice_satisfied(empty, set())
    assert find_quorum("solo", empty, {}, []) == {"solo"}
    assert not is_v_blocking(empty, {"a", "b"})
    assert min_blocking_size(empty) == 0


def test_greedy_misses_a_quorum_that_the_complete_search_finds() -> None:
    """MobileCoin's greedy search narrows {v1, v2} to {v1} after taking member a and never
    backtracks; {L, b, c} is a quorum for v2
    (docs/deviations.md#dev-scp-quorum-search)."""
    local = QuorumSet(2, ("a", "b", "c"))
    back = QuorumSet(1, ("L",))
    peers = {"a": (back, frozenset({b"v1"})), "b": (back, frozenset({b"v2"})),
             "c": (back, frozenset({b"v2"}))}
    assert find_quorum_greedy("L", local, peers, frozenset({b"v1", b"v2"})) is None
    qsets = {n: q for n, (q, _) in peers.items()}
    for value, expected in ((b"v2", {"L", "b", "c"}), (b"v1", None)):
        supporters = {n for n, (_, vs) in peers.items() if value in vs}
        assert find_quorum("L", local, qsets, supporters) == expected


def test_greedy_returns_fewer_values_than_exist() -> None:
    local = QuorumSet(1, ("a", "b"))
    back = QuorumSet(1, ("L",))
    peers = {"a": (back, frozenset({b"v1"})), "b": (back, frozenset({b"v1", b"v2"}))}
    found = find_quorum_greedy("L", local, peers, frozenset({b"v1", b"v2"}))
    assert found == (frozenset({"L", "a"}), frozenset({b"v1"}))
    qsets = {n: q for n, (q, _) in peers.items()}
    assert find_quorum("L", local, qsets, {"b"}) == {"L", "b"}  # v2 has a quorum too


def test_leader_weights() -> None:
    q = QuorumSet(2, ("a", QuorumSet(1, ("b", "c"))))
    assert leader_weight(q, "a", "me") == 1
    assert leader_weight(q, "b", "me") == Fraction(1, 2)
    assert leader_weight(q, "me", "me") == 1
    assert leader_weight(q, "zz", "me") == 0
    assert leader_weight(QuorumSet(2, ("a", "b", "c")), "c", "me") == Fraction(2, 3)


def test_context_caches_until_invalidated() -> None:
    qsets = dict(FIG2)
    ctx = QuorumContext("v1", FIG2["v1"], qsets)
    assert ctx.has_quorum(frozenset({"v2", "v3", "v4"}))
    qsets["v4"] = QuorumSet(1, ("v1",))  # still satisfied through v1
    ctx.invalidate()
    assert ctx.has_quorum(frozenset({"v2", "v3", "v4"}))
    qsets["v2"] = QuorumSet(1, ("zz",))
    ctx.invalidate()
    assert not ctx.has_quorum(frozenset({"v2", "v3", "v4"}))


# --- brute force against the definitions -----------------------------------------------------

NODES = ("L", "a", "b", "c", "d")


@st.composite
def qsets(draw: st.DrawFn, owner: str) -> QuorumSet:
    others = [n for n in NODES if n != owner]
    chosen = draw(st.lists(st.sampled_from(others), min_size=1, max_size=4, unique=True))
    split = draw(st.integers(0, len(chosen) - 1))
    members: list[str | QuorumSet] = list(chosen[:split])
    inner = chosen[split:]
    if len(inner) > 1 and draw(st.booleans()):
        members.append(QuorumSet(draw(st.integers(1, len(inner))), tuple(inner)))
    else:
        members.extend(inner)
    return QuorumSet(draw(st.integers(1, len(members))), tuple(members))


@st.composite
def fbas(draw: st.DrawFn) -> dict[str, QuorumSet]:
    return {n: draw(qsets(n)) for n in NODES}


def _is_quorum(u: frozenset[str], net: dict[str, QuorumSet]) -> bool:
    return all(is_quorum_slice_satisfied(net[m], u) for m in u)


@given(fbas(), st.sets(st.sampled_from(NODES[1:])))
def test_find_quorum_matches_brute_force(net: dict[str, QuorumSet], supporters: set[str]) -> None:
    pool = sorted(supporters | {"L"})
    quorums = [
        frozenset(c) for r in range(1, len(pool) + 1) for c in combinations(pool, r)
        if "L" in c and _is_quorum(frozenset(c), net)
    ]
    found = find_quorum("L", net["L"], net, supporters)
    assert (found is not None) == bool(quorums)
    if found is not None:
        assert _is_quorum(found, net)
        assert all(q <= found for q in quorums)


@given(fbas(), st.sets(st.sampled_from(NODES[1:])))
def test_v_blocking_matches_definition(net: dict[str, QuorumSet], blockers: set[str]) -> None:
    q = net["L"]
    # B (without the owner) meets every slice iff the rest cannot form a slice.
    rest = set(NODES) - blockers
    assert is_v_blocking(q, blockers) == (not is_quorum_slice_satisfied(q, rest))
    if is_v_blocking(q, blockers):
        assert len(blockers & q.nodes()) >= min_blocking_size(q)


@given(fbas(), st.dictionaries(st.sampled_from(NODES[1:]),
                               st.frozensets(st.sampled_from([b"v1", b"v2"]), max_size=2)))
def test_greedy_is_sound_and_never_beats_the_complete_search(
    net: dict[str, QuorumSet], supports: dict[str, frozenset[bytes]]
) -> None:
    peers = {n: (net[n], vs) for n, vs in supports.items()}
    found = find_quorum_greedy("L", net["L"], peers, frozenset({b"v1", b"v2"}))
    if found is None:
        return
    members, values = found
    assert values  # a non-empty narrowed set
    for value in values:
        # Sound: every member (but L) supports every returned value and the set is a quorum...
        assert all(value in supports[m] for m in members - {"L"})
        assert _is_quorum(members, net)
        # ...so the complete search finds a quorum for that value too.
        holders = {n for n, vs in supports.items() if value in vs}
        assert find_quorum("L", net["L"], net, holders) is not None
