"""Quorum slices, quorums, v-blocking sets and nomination weights (complete searches).

Definitions: WP §3 (quorum, v-blocking); MobileCoin ``consensus/scp/types/src/quorum_set.rs``.
MobileCoin's ``consensus/scp/src/quorum_set_ext.rs`` searches *greedily* with stateful predicates
and can miss quorums (docs/deviations.md#dev-scp-quorum-search); here every search is complete:

* A quorum containing the local node exists among the nodes satisfying a (stateless) statement
  iff the fixpoint of "drop every node whose own quorum set is not satisfied by the remaining
  set" keeps a set that satisfies the local quorum set (stellar-core ``LocalNode::isQuorum``,
  Lachowski 2019: the greatest quorum inside a set is computed by this pruning).
* Set- and range-valued statements (value sets, ballots, commit ranges) are reduced to one
  stateless statement per candidate by the callers (nomination.py, ballot.py).

As in MobileCoin, a node implicitly belongs to each of its own slices: a quorum set lists only
the *other* members a node needs, and the local node counts as present in every check.
:func:`find_quorum_greedy` reproduces MobileCoin's greedy search for comparison in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from fractions import Fraction

from refimpl.consensus.scp.types import NodeID, QuorumSet, Value

NodeSet = AbstractSet[NodeID]
SliceCheck = Callable[[NodeSet], bool]

_SAT_CACHE: dict[QuorumSet, SliceCheck] = {}
_BLOCK_CACHE: dict[QuorumSet, SliceCheck] = {}


def _split(qset: QuorumSet) -> tuple[frozenset[NodeID], tuple[QuorumSet, ...]]:
    nodes = frozenset(m for m in qset.members if isinstance(m, str))
    inner = tuple(m for m in qset.members if isinstance(m, QuorumSet))
    return nodes, inner


def _compile_satisfied(qset: QuorumSet) -> SliceCheck:
    nodes, inner = _split(qset)
    k = qset.threshold
    if k == 0:
        return lambda s: True
    if not inner:
        return lambda s: len(nodes & s) >= k if len(s) >= k else False
    return _at_least(k, nodes, tuple(slice_checker(q) for q in inner))


def _at_least(need: int, nodes: NodeSet, inner_checks: tuple[SliceCheck, ...]) -> SliceCheck:
    """``s -> bool``: at least ``need`` of the direct ``nodes`` are in ``s`` or ``inner_checks``
    hold of ``s`` (the counting shared by the slice and the blocking predicates)."""

    def check(s: NodeSet) -> bool:
        count = len(nodes & s)
        if count >= need:
            return True
        for c in inner_checks:
            if c(s):
                count += 1
                if count >= need:
                    return True
        return False

    return check


def slice_checker(qset: QuorumSet) -> SliceCheck:
    """A cached function ``s -> bool``: does ``s`` contain a slice of ``qset`` (owner implicit)?"""
    check = _SAT_CACHE.get(qset)
    if check is None:
        check = _compile_satisfied(qset)
        _SAT_CACHE[qset] = check
    return check


def is_quorum_slice_satisfied(qset: QuorumSet, nodes: NodeSet) -> bool:
    """True iff ``nodes`` holds ≥ threshold members at every level (inner sets recursively)."""
    return slice_checker(qset)(nodes)


def _compile_blocking(qset: QuorumSet) -> SliceCheck:
    nodes, inner = _split(qset)
    need = len(qset.members) - qset.threshold + 1
    if qset.threshold == 0:
        return lambda s: False
    return _at_least(need, nodes, tuple(blocking_checker(q) for q in inner))


def blocking_checker(qset: QuorumSet) -> SliceCheck:
    """A cached function ``s -> bool``: does ``s`` meet every slice of ``qset``'s owner?"""
    check = _BLOCK_CACHE.get(qset)
    if check is None:
        check = _compile_blocking(qset)
        _BLOCK_CACHE[qset] = check
    return check


def min_blocking_size(qset: QuorumSet) -> int:
    """The size of the smallest v-blocking set of ``qset`` (0 if it has none, i.e. threshold 0:
    then nothing blocks)."""
    if qset.threshold == 0:
        return 0
    costs = sorted(1 if isinstance(m, str) else max(min_blocking_size(m), 1) for m in qset.members)
    return sum(costs[: len(qset.members) - qset.threshold + 1])


def is_v_blocking(qset: QuorumSet, nodes: NodeSet) -> bool:
    """True iff ``nodes`` intersects every slice of ``qset`` (more than n − k members at each
    level, inner sets counted recursively). The owner never counts; an empty set has no blocking
    set (``quorum_set_ext.rs`` ``findBlockingSet``)."""
    return blocking_checker(qset)(nodes)


def find_quorum(
    local_id: NodeID,
    local_qset: QuorumSet,
    peer_qsets: Mapping[NodeID, QuorumSet],
    supporters: Iterable[NodeID],
) -> frozenset[NodeID] | None:
    """The greatest quorum containing ``local_id`` inside ``supporters ∪ {local_id}``, or None.

    Complete: fixpoint pruning of nodes whose quorum set (taken from ``peer_qsets``, i.e. from
    their latest messages) is not satisfied, then the local quorum set is checked.
    """

    def checker(u: NodeID) -> SliceCheck | None:
        q = peer_qsets.get(u)
        return None if q is None else slice_checker(q)

    return _prune(local_id, slice_checker(local_qset), checker, set(supporters))


def _prune(
    local_id: NodeID,
    local_check: SliceCheck,
    checker: Callable[[NodeID], SliceCheck | None],
    s: set[NodeID],
) -> frozenset[NodeID] | None:
    s.add(local_id)
    if not local_check(s):
        return None
    changed = True
    while changed:
        changed = False
        for u in list(s):
            if u == local_id:
                continue
            check = checker(u)
            if check is None or not check(s):
                s.discard(u)
                changed = True
        if changed and not local_check(s):
            return None
    return frozenset(s)


def find_blocking_set(qset: QuorumSet, supporters: Iterable[NodeID]) -> frozenset[NodeID] | None:
    """A v-blocking subset of ``supporters`` for ``qset``'s owner (all of the members of
    ``qset`` among them), or None when none exists."""
    s = frozenset(supporters) & qset.nodes()
    return s if is_v_blocking(qset, s) else None


class QuorumContext:
    """The quorum oracle of one slot: quorum and blocking tests over supporter sets.

    ``has_quorum(supporters)`` is a pure function of the supporter set for a fixed M; results
    are cached until :meth:`invalidate` (the slot calls it whenever M changes). Peers' slice
    checkers are cached per node while its quorum set object stays the same.
    """

    __slots__ = (
        "local_id", "local_qset", "local_nodes", "min_blocking", "peer_qsets", "_quorums",
        "_blocking", "_local_check", "_self_listed", "_checkers",
    )

    def __init__(
        self, local_id: NodeID, local_qset: QuorumSet, peer_qsets: Mapping[NodeID, QuorumSet]
    ) -> None:
        self.local_id = local_id
        self.local_qset = local_qset
        self.local_nodes = local_qset.nodes()
        self.min_blocking = min_blocking_size(local_qset)
        self.peer_qsets = peer_qsets
        self._quorums: dict[frozenset[NodeID], bool] = {}
        self._blocking = blocking_checker(local_qset)
        self._local_check = slice_checker(local_qset)
        self._self_listed = local_id in self.local_nodes
        self._checkers: dict[NodeID, tuple[QuorumSet, SliceCheck]] = {}

    def invalidate(self) -> None:
        """Forget cached quorum results (call whenever M changes)."""
        self._quorums.clear()

    def _checker(self, u: NodeID) -> SliceCheck | None:
        q = self.peer_qsets.get(u)
        if q is None:
            return None
        entry = self._checkers.get(u)
        if entry is None or entry[0] is not q:
            entry = (q, slice_checker(q))
            self._checkers[u] = entry
        return entry[1]

    def has_quorum(self, supporters: NodeSet) -> bool:
        """Does a quorum containing the local node exist inside ``supporters ∪ {local}``?"""
        # Cheap necessary condition first: the local slice must be met by the supporters.
        if self._self_listed:
            if not self._local_check(set(supporters) | {self.local_id}):
                return False
        elif not self._local_check(supporters):
            return False
        key = frozenset(supporters)
        found = self._quorums.get(key)
        if found is None:
            found = _prune(self.local_id, self._local_check, self._checker, set(key)) is not None
            self._quorums[key] = found
        return found

    def is_blocking(self, supporters: NodeSet) -> bool:
        """Is ``supporters`` v-blocking for the local node?"""
        return self._blocking(supporters)


def find_quorum_greedy(
    local_id: NodeID,
    local_qset: QuorumSet,
    peers: Mapping[NodeID, tuple[QuorumSet, frozenset[Value]]],
    seed: frozenset[Value],
) -> tuple[frozenset[NodeID], frozenset[Value]] | None:
    """MobileCoin's greedy ``findQuorum`` with a narrowing value-set predicate (for comparison).

    ``peers`` maps a node to (its quorum set, the values its message supports). Members are
    walked in stored order; a member already in the set counts for free; otherwise it is added
    tentatively if it supports some of the current values, and its own quorum set must then be
    satisfied recursively; the predicate narrows to the intersection and is never widened again
    (no backtracking). Sound but incomplete (docs/deviations.md#dev-scp-quorum-search).
    """

    def satisfy(
        qset: QuorumSet, chosen: frozenset[NodeID], values: frozenset[Value]
    ) -> tuple[frozenset[NodeID], frozenset[Value]] | None:
        count = 0
        for member in qset.members:
            if count >= qset.threshold:
                break
            if isinstance(member, QuorumSet):
                found = satisfy(member, chosen, values)
            elif member in chosen:
                count += 1
                continue
            elif member in peers:
                member_qset, supported = peers[member]
                narrowed = values & supported
                found = satisfy(member_qset, chosen | {member}, narrowed) if narrowed else None
            else:
                found = None
            if found is not None:
                chosen, values = found
                count += 1
        return (chosen, values) if count >= qset.threshold else None

    return satisfy(local_qset, frozenset({local_id}), seed)


def leader_weight(qset: QuorumSet, node_id: NodeID, local_id: NodeID) -> Fraction:
    """Nomination weight: 1 for the local node, else the product of threshold/#members along
    the path to the first occurrence of ``node_id`` (0 if absent). MobileCoin
    ``quorum_set_ext.rs`` ``weight``; WP §6.2 ``weight(v, v')``."""
    if node_id == local_id:
        return Fraction(1)
    weights = _WEIGHTS.get(qset)
    if weights is None:
        if len(_WEIGHTS) > 10_000:
            _WEIGHTS.clear()
        weights = _WEIGHTS[qset] = {}
    found = weights.get(node_id)
    if found is None:
        found = weights[node_id] = _weight(qset, node_id) or Fraction(0)
    return found


_WEIGHTS: dict[QuorumSet, dict[NodeID, Fraction]] = {}


def _weight(qset: QuorumSet, node_id: NodeID) -> Fraction | None:
    if not qset.members:
        return None
    here = Fraction(qset.threshold, len(qset.members))
    for member in qset.members:
        if member == node_id:
            return here
        if isinstance(member, QuorumSet):
            inner = _weight(member, node_id)
            if inner is not None:
                return here * inner
    return None
