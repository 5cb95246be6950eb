"""A federated Byzantine agreement system (FBAS), its stellarbeat loader and its definitions.

The FBAS is the map node -> quorum set (``refimpl.consensus.scp.types.QuorumSet``), where a node
whose quorum set is unknown maps to ``None``. The set-level definitions here (satisfying a
quorum set, quorum, blocking, the closure of a failed set, the largest quorum inside a set) are
plain Python: they are the *independent* check of every answer the Z3 encodings of
``refimpl.formal.quorum`` give (a witness pair of quorums, a blocking set, a splitting set).

Definitions (Mazières, *The Stellar Consensus Protocol*, 2015, §3 and §4; docs/quorum.md):

* ``S`` satisfies a quorum set ``(t, members)`` when at least ``t`` members are satisfied: a node
  member by belonging to ``S``, an inner set recursively.
* A *quorum* is a set ``Q`` containing at least one node with a known quorum set such that every
  member with a known quorum set has it satisfied by ``Q``. Nodes with an unknown quorum set
  impose nothing (they may be anything, so they can join any quorum): python-fbas's
  over-approximation (``FBASGraph.is_sat(..., over_approximate=True)``).
* ``S`` *blocks* a quorum set ``(t, members)`` when at least ``#members - t + 1`` members are
  blocked: a node member by belonging to ``S``, an inner set recursively; then every slice meets
  ``S``.

MobileCoin lists a node's quorum set without the node itself (each node implicitly belongs to
its own slices, ``consensus/scp/types/src/quorum_set.rs``); Stellar lists it. Neither changes
which sets are quorums (a quorum already contains its members) nor which nodes are blocked by
other nodes, so both formats are read as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from refimpl.consensus.scp.types import NodeID, QuorumSet
from refimpl.consensus.sim import fbas as sim_fbas


@attrs.frozen
class Fbas:
    """Nodes in sorted order and, aligned with them, each node's quorum set (``None``: unknown)."""

    nodes: tuple[NodeID, ...]
    quorum_sets: tuple[QuorumSet | None, ...]
    _table: dict[NodeID, QuorumSet | None] = attrs.field(init=False, eq=False, repr=False)
    known: frozenset[NodeID] = attrs.field(init=False, eq=False, repr=False)
    """The nodes whose quorum set is known."""
    unknown: frozenset[NodeID] = attrs.field(init=False, eq=False, repr=False)
    """The nodes whose quorum set is unknown (missing, null or unsatisfiable in the file)."""

    def __attrs_post_init__(self) -> None:
        table = dict(zip(self.nodes, self.quorum_sets, strict=True))
        object.__setattr__(self, "_table", table)
        known = frozenset(n for n, q in table.items() if q is not None)
        object.__setattr__(self, "known", known)
        object.__setattr__(self, "unknown", frozenset(table) - known)

    @staticmethod
    def from_mapping(quorum_sets: Mapping[NodeID, QuorumSet | None]) -> Fbas:
        """Build from ``node -> quorum set``; nodes named in a quorum set but not a key are
        added with an unknown quorum set."""
        everyone: dict[NodeID, QuorumSet | None] = dict(quorum_sets)
        for qset in quorum_sets.values():
            if qset is not None:
                for node in qset.nodes():
                    everyone.setdefault(node, None)
        nodes = tuple(sorted(everyone))
        return Fbas(nodes, tuple(everyone[n] for n in nodes))

    def quorum_set(self, node: NodeID) -> QuorumSet | None:
        return self._table[node]

    def as_mapping(self) -> Mapping[NodeID, QuorumSet | None]:
        """``node -> quorum set`` (read-only use)."""
        return self._table

    @property
    def named_unknown(self) -> frozenset[NodeID]:
        """The unknown nodes that some known quorum set names (the others change no answer:
        they can join or leave any quorum freely)."""
        named: set[NodeID] = set()
        for qset in set(self.quorum_sets):
            if qset is not None:
                named |= qset.nodes()
        return frozenset(named) & self.unknown


# --- loading ---------------------------------------------------------------------------------


def load_stellarbeat(path: Path) -> Fbas:
    """Read a stellarbeat-format JSON file (an array of nodes) into an :class:`Fbas`.

    Parsing is the simulator's (``refimpl.consensus.sim.fbas``, one loader for the project),
    with unknown validators allowed: entries flagged ``"isValidator": false`` are watchers and
    are skipped, a missing ``innerQuorumSets`` key means no inner sets (the MobileCoin snapshot
    omits it), and a node named in some quorum set without a validator entry of its own gets an
    *unknown* quorum set. A malformed file raises ``ScpError`` (``scp.config_*``).
    """
    return from_topology(sim_fbas.load_stellarbeat(path, allow_unknown=True))


def parse_stellarbeat(document: Any) -> Fbas:
    """:func:`load_stellarbeat` on an already parsed JSON document."""
    return from_topology(sim_fbas.parse_stellarbeat(document, allow_unknown=True))


def from_topology(topology: Mapping[NodeID, QuorumSet | None]) -> Fbas:
    """An :class:`Fbas` from ``node -> quorum set``, equal inner sets shared as one object (so
    the solvers' per-set caches compare by identity)."""
    interned: dict[QuorumSet, QuorumSet] = {}
    return Fbas.from_mapping({n: None if q is None else _intern(q, interned)
                              for n, q in topology.items()})


def _intern(qset: QuorumSet, interned: dict[QuorumSet, QuorumSet]) -> QuorumSet:
    members = tuple(_intern(m, interned) if isinstance(m, QuorumSet) else m
                    for m in qset.members)
    rebuilt = QuorumSet(qset.threshold, members)
    return interned.setdefault(rebuilt, rebuilt)


# --- definitions (pure Python; the independent check) --------------------------------------


def satisfies(members: Collection[NodeID], qset: QuorumSet) -> bool:
    """Whether ``members`` satisfies ``qset`` (contains one of its slices)."""
    count = 0
    for m in qset.members:
        if (satisfies(members, m) if isinstance(m, QuorumSet) else m in members):
            count += 1
    return count >= qset.threshold


def is_quorum(fbas: Fbas, candidate: Iterable[NodeID]) -> bool:
    """Whether ``candidate`` is a quorum: it holds a node with a known quorum set and satisfies
    the quorum set of each such member; nodes outside the FBAS are never in a quorum."""
    members = frozenset(candidate)
    table = fbas.as_mapping()
    if not members <= table.keys() or not members & fbas.known:
        return False
    return all(satisfies(members, q) for n in members if (q := table[n]) is not None)


def blocks(failed: Collection[NodeID], qset: QuorumSet) -> bool:
    """Whether ``failed`` meets every slice of ``qset``."""
    count = 0
    for m in qset.members:
        if (blocks(failed, m) if isinstance(m, QuorumSet) else m in failed):
            count += 1
    return count >= len(qset.members) - qset.threshold + 1


def largest_quorum_within(fbas: Fbas, allowed: Iterable[NodeID]) -> frozenset[NodeID]:
    """The union of all quorums inside ``allowed`` (empty when there is none): repeatedly drop
    each known node whose quorum set the remaining set does not satisfy (a greatest fixpoint;
    Lachowski, arXiv 1902.06493, "contains a quorum" in linear time)."""
    table = fbas.as_mapping()
    remaining = set(allowed) & table.keys()
    to_check = sorted(remaining & fbas.known)
    while to_check:
        dropped = [n for n in to_check if not satisfies(remaining, table[n])]  # type: ignore[arg-type]
        if not dropped:
            break
        remaining.difference_update(dropped)
        to_check = sorted(remaining & fbas.known)
    return frozenset(remaining) if remaining & fbas.known else frozenset()


def is_blocking(fbas: Fbas, failed: Iterable[NodeID]) -> bool:
    """Whether ``failed`` (non-empty) meets every quorum, once the nodes with an unknown quorum
    set are counted as failed too: no quorum is left among the other nodes (liveness lost)."""
    down = frozenset(failed)
    if not down:
        return False
    return not largest_quorum_within(fbas, frozenset(fbas.nodes) - down - fbas.unknown)


def is_byzantine_quorum(fbas: Fbas, candidate: Iterable[NodeID],
                        byzantine: Collection[NodeID]) -> bool:
    """Whether ``candidate`` is a quorum once the nodes of ``byzantine`` may say anything: it holds
    a correct node with a known quorum set and every such correct member is satisfied."""
    members = frozenset(candidate)
    table = fbas.as_mapping()
    correct = members - frozenset(byzantine)
    if not members <= table.keys() or not correct & fbas.known:
        return False
    return all(satisfies(members, q) for n in correct if (q := table[n]) is not None)


def small_quorum_within(fbas: Fbas, quorum: Collection[NodeID]) -> frozenset[NodeID]:
    """A minimal quorum inside ``quorum`` (which must be a quorum): grow a quorum from the node
    most named by the others, giving each new member its cheapest slice (preferring nodes
    already taken), then drop every node whose removal still leaves a quorum."""
    table = fbas.as_mapping()
    allowed = frozenset(quorum)
    named = {n: 0 for n in allowed}
    for n in allowed:
        qset = table[n]
        if qset is not None:
            for m in qset.nodes() & allowed:
                named[m] += 1
    seeds = sorted((n for n in allowed if table[n] is not None), key=lambda n: (-named[n], n))
    if not seeds:
        return frozenset()
    taken = {seeds[0]}
    pending = [seeds[0]]
    while pending:
        qset = table[pending.pop()]
        if qset is None:
            continue
        slice_ = _cheapest_slice(qset, allowed, taken)
        assert slice_ is not None, "small_quorum_within needs a quorum"
        for m in sorted(slice_ - taken):
            taken.add(m)
            pending.append(m)
    for n in sorted(taken, key=lambda n: (named[n], n)):
        if n in taken:
            smaller = largest_quorum_within(fbas, taken - {n})
            if smaller:
                taken = set(smaller)
    return frozenset(taken)


def _cheapest_slice(qset: QuorumSet, allowed: frozenset[NodeID],
                    taken: set[NodeID]) -> set[NodeID] | None:
    """Nodes of ``allowed`` forming a slice of ``qset`` with few nodes outside ``taken``."""
    options: list[tuple[int, set[NodeID]]] = []
    for m in qset.members:
        if isinstance(m, QuorumSet):
            inner = _cheapest_slice(m, allowed, taken)
            if inner is not None:
                options.append((len(inner - taken), inner))
        elif m in allowed:
            options.append((0 if m in taken else 1, {m}))
    if len(options) < qset.threshold:
        return None
    options.sort(key=lambda o: (o[0], sorted(o[1])))
    chosen: set[NodeID] = set()
    for _, nodes in options[: qset.threshold]:
        chosen |= nodes
    return chosen


def strongly_connected_components(fbas: Fbas) -> list[frozenset[NodeID]]:
    """The strongly connected components of the dependency graph among the nodes with a known
    quorum set (an edge ``v -> m`` when ``m`` is named in ``v``'s quorum set); Tarjan's
    algorithm, iterative. The known nodes of a minimal quorum always lie in one component
    (Lachowski, arXiv 1902.06493, §3): a bottom component of its known part is a quorum too."""
    table = fbas.as_mapping()
    named: dict[QuorumSet, list[NodeID]] = {}
    successors: dict[NodeID, list[NodeID]] = {}
    for n in sorted(fbas.known):
        qset = table[n]
        assert qset is not None
        if qset not in named:
            named[qset] = sorted(m for m in qset.nodes() if m in fbas.known)
        successors[n] = [m for m in named[qset] if m != n]
    index: dict[NodeID, int] = {}
    low: dict[NodeID, int] = {}
    on_stack: set[NodeID] = set()
    stack: list[NodeID] = []
    components: list[frozenset[NodeID]] = []

    def visit(node: NodeID) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in successors:
        if root in index:
            continue
        visit(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    visit(nxt)
                    work.append((nxt, iter(successors[nxt])))
                    break
                if nxt in on_stack and index[nxt] < low[node]:
                    low[node] = index[nxt]
            else:
                work.pop()
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(frozenset(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return components


def quorum_components(fbas: Fbas, with_unknown: bool) -> list[frozenset[NodeID]]:
    """The components of :func:`strongly_connected_components` that contain a quorum, each
    together with the unknown nodes (when ``with_unknown``) that may join its quorums. Every
    minimal quorum lies inside one of them."""
    extra = fbas.named_unknown if with_unknown else frozenset()
    found = []
    for component in strongly_connected_components(fbas):
        if largest_quorum_within(fbas, component | extra):
            found.append(component | extra)
    return found
