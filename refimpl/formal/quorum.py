"""Quorum intersection, minimal blocking sets and minimal splitting sets with Z3 (QF_FD).

Encodings (docs/quorum.md, "How it is computed"; ``SolverFor("QF_FD")``, the SAT core with
native cardinality constraints, not ``Solver()``). Every answer is re-checked with the plain
definitions of ``refimpl.formal.fbas_model`` before it is returned, so a wrong encoding raises
instead of answering. Definitions of the three notions: docs/quorum.md.

* **Intersection** (Lachowski, arXiv 1902.06493; python-fbas ``find_disjoint_quorums``): two
  copies ``a_v``, ``b_v`` of a Boolean per node; ``a_v`` implies that ``v``'s quorum set is
  satisfied by the ``a`` side (one Boolean per distinct inner set and side, with a
  pseudo-Boolean ``AtLeast``), likewise ``b``; each side holds a node with a known quorum set;
  ``¬(a_v ∧ b_v)``. UNSAT means every two quorums intersect; a model is a pair of disjoint
  quorums.
* **Blocking set**: the fewest nodes ``S`` such that no quorum avoids ``S`` (nodes with an unknown
  quorum set counted as failed), per quorum-bearing component: a lower bound from the quorum
  sets themselves (the first round of the fixpoint), then, when it is not met, implicit hitting
  sets with Z3 proposing candidates and the linear-time fixpoint refuting them.
* **Splitting set** (python-fbas's notion): the fewest nodes ``S`` such that, when the nodes of
  ``S`` may say anything, two quorums exist whose intersection lies inside ``S``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import attrs
import z3

from refimpl.consensus.scp.types import NodeID, QuorumSet
from refimpl.errors import FormalError
from refimpl.formal.fbas_model import (
    Fbas,
    is_blocking,
    is_byzantine_quorum,
    is_quorum,
    largest_quorum_within,
    quorum_components,
    small_quorum_within,
)


@attrs.frozen
class IntersectionResult:
    """``witness`` is ``None`` when every two quorums intersect, else two disjoint quorums."""

    intersecting: bool
    witness: tuple[tuple[NodeID, ...], tuple[NodeID, ...]] | None
    seconds: float


@attrs.frozen
class BlockingSetResult:
    """A minimum-size blocking set (``size`` = its length)."""

    size: int
    members: tuple[NodeID, ...]
    seconds: float


@attrs.frozen
class SplittingSetResult:
    """A minimum-size splitting set and the two quorums it splits (``None`` when there is none)."""

    size: int | None
    members: tuple[NodeID, ...]
    quorums: tuple[tuple[NodeID, ...], tuple[NodeID, ...]] | None
    seconds: float


def _relevant_nodes(fbas: Fbas) -> list[NodeID]:
    """Nodes with a known quorum set and the unknown ones some quorum set names."""
    return sorted(fbas.known | fbas.named_unknown)


def _require_known(fbas: Fbas) -> None:
    if not fbas.known:
        raise FormalError("formal.fbas_no_quorum_set", "no node has a known quorum set")


class _Problem:
    """A QF_FD problem written as SMT-LIB 2 text and handed to Z3 in one call: building it
    through Z3's Python objects costs more than solving it (about 10 ms on Stellar 2025).
    Boolean constants are named ``<prefix><index>``, the index into ``nodes``."""

    def __init__(self, nodes: Sequence[NodeID]) -> None:
        self.nodes = list(nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.lines: list[str] = []
        self._sets: dict[tuple[str, QuorumSet], str] = {}

    def declare_nodes(self, prefix: str) -> None:
        self.lines.extend(f"(declare-const {prefix}{i} Bool)" for i in range(len(self.nodes)))

    def var(self, prefix: str, node: NodeID) -> str:
        """The node's constant for ``prefix``, or ``false`` for a node outside the problem."""
        i = self.index.get(node)
        return "false" if i is None else f"{prefix}{i}"

    def satisfied(self, prefix: str, qset: QuorumSet) -> str:
        """A constant implying that the ``prefix`` side satisfies ``qset``; one per distinct
        inner set and side (equal sets are shared objects, so the cache compares identities)."""
        key = (prefix, qset)
        name = self._sets.get(key)
        if name is None:
            terms = [self.satisfied(prefix, m) if isinstance(m, QuorumSet)
                     else self.var(prefix, m) for m in qset.members]
            name = f"{prefix}q{len(self._sets)}"
            self.lines.append(f"(declare-const {name} Bool)")
            self.add(_implies_at_least(name, terms, qset.threshold))
            self._sets[key] = name
        return name

    def add(self, formula: str) -> None:
        self.lines.append(f"(assert {formula})")

    def solver(self) -> z3.Solver:
        solver = z3.SolverFor("QF_FD")
        solver.from_string("\n".join(self.lines))
        return solver

    def true_nodes(self, model: z3.ModelRef, prefix: str) -> tuple[NodeID, ...]:
        """The nodes whose ``prefix`` constant the model makes true."""
        chosen = []
        for decl in model.decls():
            name = decl.name()
            suffix = name[len(prefix):]
            if name.startswith(prefix) and suffix.isdigit() and \
                    z3.is_true(model.get_interp(decl)):
                chosen.append(self.nodes[int(suffix)])
        return tuple(sorted(chosen))


def _implies_at_least(guard: str, terms: Sequence[str], k: int) -> str:
    """``guard → (at least k of terms)`` in SMT-LIB (Z3's native cardinality constraint)."""
    if k <= 0:
        return "true"
    if k > len(terms):
        return f"(not {guard})"
    return f"(=> {guard} ((_ at-least {k}) {' '.join(terms)}))"


def _or(terms: Sequence[str]) -> str:
    return f"(or {' '.join(terms)})" if terms else "false"


def _check(solver: z3.Solver, *extra: str) -> bool:
    """Solve with ``extra`` assertions (SMT-LIB text) pushed for this call. On SAT the scope
    stays open for the caller to read ``solver.model()`` and pop; on UNSAT it is popped."""
    solver.push()
    for formula in extra:
        solver.from_string(f"(assert {formula})")
    verdict = solver.check()
    if verdict == z3.sat:
        return True
    solver.pop()
    if verdict == z3.unsat:
        return False
    raise FormalError("formal.solver_unknown",  # pragma: no cover - QF_FD is complete here
                      f"z3 gave up: {solver.reason_unknown()}")


def check_intersection(fbas: Fbas) -> IntersectionResult:
    """Decide whether every two quorums of ``fbas`` intersect; give two disjoint ones if not.

    Every quorum contains a minimal one, and the known nodes of a minimal quorum lie in one
    strongly connected component (``fbas_model.quorum_components``). With one such component
    the SAT problem is posed over it alone (Tier 1 on Stellar); with two, their quorums are the
    witness unless they share an unknown node, and then the whole FBAS is encoded.
    """
    _require_known(fbas)
    started = time.perf_counter()
    components = quorum_components(fbas, with_unknown=True)
    witness: tuple[frozenset[NodeID], frozenset[NodeID]] | None
    if len(components) == 1:
        witness = _disjoint_quorums_within(fbas, components[0])
    else:
        first, second = (largest_quorum_within(fbas, c) for c in components[:2])
        if first & second:
            witness = _disjoint_quorums_within(fbas, frozenset(fbas.nodes))
        else:
            witness = first, second
    elapsed = time.perf_counter() - started
    if witness is None:
        return IntersectionResult(True, None, elapsed)
    a, b = witness
    if not verify_disjoint_quorums(fbas, a, b):  # pragma: no cover - encoding bug
        raise FormalError("formal.solver_unknown", "z3's disjoint quorums do not check")
    return IntersectionResult(False, (tuple(sorted(a)), tuple(sorted(b))), elapsed)


def _disjoint_quorums_within(fbas: Fbas, allowed: frozenset[NodeID],
                             ) -> tuple[frozenset[NodeID], frozenset[NodeID]] | None:
    """Two disjoint quorums made of nodes of ``allowed``, or ``None`` (Z3 answered UNSAT)."""
    table = fbas.as_mapping()
    problem = _Problem([n for n in _relevant_nodes(fbas) if n in allowed])
    for side in ("a", "b"):
        problem.declare_nodes(side)
    for side in ("a", "b"):
        for n in problem.nodes:
            qset = table[n]
            if qset is not None:
                problem.add(f"(=> {problem.var(side, n)} {problem.satisfied(side, qset)})")
        problem.add(_or([problem.var(side, n) for n in problem.nodes if table[n]]))
    for n in problem.nodes:
        problem.add(f"(not (and {problem.var('a', n)} {problem.var('b', n)}))")
    solver = problem.solver()
    if not _check(solver):
        return None
    model = solver.model()
    return frozenset(problem.true_nodes(model, "a")), frozenset(problem.true_nodes(model, "b"))


def verify_disjoint_quorums(fbas: Fbas, first: Iterable[NodeID],
                            second: Iterable[NodeID]) -> bool:
    """The independent check of a witness: two quorums with no common node."""
    a, b = frozenset(first), frozenset(second)
    return is_quorum(fbas, a) and is_quorum(fbas, b) and not a & b


# --- minimal blocking set --------------------------------------------------------------------


def minimal_blocking_set(fbas: Fbas) -> BlockingSetResult:
    """A blocking set of minimum size: a set of nodes meeting every quorum once the nodes with
    an unknown quorum set count as failed (docs/quorum.md).

    Every quorum contains a minimal one, which lies in one component of
    ``fbas_model.quorum_components``; so the answer is the union, over those components, of a
    smallest set meeting every quorum inside the component (found by
    :func:`_minimum_hitting_set`).
    """
    _require_known(fbas)
    started = time.perf_counter()
    components = quorum_components(fbas, with_unknown=False)
    if not components:  # every quorum needs an unknown node: any one failure blocks
        members: tuple[NodeID, ...] = (min(fbas.known),)
    else:
        members = tuple(sorted(n for c in components for n in _minimum_hitting_set(fbas, c)))
    if not is_blocking(fbas, members):  # pragma: no cover - encoding bug
        raise FormalError("formal.solver_unknown", "the blocking set found does not block")
    return BlockingSetResult(len(members), members, time.perf_counter() - started)


def _minimum_hitting_set(fbas: Fbas, component: frozenset[NodeID]) -> tuple[NodeID, ...]:
    """The fewest nodes of ``component`` meeting every quorum inside it.

    Lower bound: unless ``S`` is the whole component, the greatest-fixpoint pruning of the rest
    must drop some node ``v`` outside ``S`` in its first round, so ``S`` blocks ``v``'s quorum
    set directly (nodes outside the component counting as failed). The cheapest such direct
    blocking set of each node is tried first; when one of lower-bound size blocks the component
    it is optimal (Stellar's Tier 1 and MobileCoin end here). Otherwise implicit hitting sets
    (the MaxHS scheme, Davies and Bacchus, CP 2011) close the gap: Z3 proposes a smallest set
    meeting the quorums collected so far, and the fixpoint check either finds no quorum avoiding
    it (optimal) or returns one, shrunk to a minimal quorum, as one more clause.
    """
    table = fbas.as_mapping()
    direct: list[frozenset[NodeID]] = [component]
    exact = True
    for v in sorted(component):
        qset = table[v]
        assert qset is not None
        found = _cheapest_direct_block(qset, component, v)
        if found is not None:
            direct.append(found)
        exact = exact and _members_disjoint(qset)
    # With overlapping inner sets the greedy direct block is only an upper bound.
    lower = min(len(d) for d in direct) if exact else 1
    for candidate in sorted(direct, key=lambda d: (len(d), sorted(d))):
        if len(candidate) > lower:
            break
        if not largest_quorum_within(fbas, component - candidate):
            return tuple(sorted(candidate))
    problem = _Problem(sorted(component))
    problem.declare_nodes("f")
    chosen = " ".join(problem.var("f", n) for n in problem.nodes)
    solver = problem.solver()
    bound = lower
    while True:
        if not _check(solver, f"((_ at-most {bound}) {chosen})"):
            bound += 1
            continue
        hitting = problem.true_nodes(solver.model(), "f")
        solver.pop()
        avoiding = largest_quorum_within(fbas, component - frozenset(hitting))
        if not avoiding:
            return hitting
        quorum = small_quorum_within(fbas, avoiding)
        solver.from_string(f"(assert {_or([problem.var('f', n) for n in sorted(quorum)])})")


def _members_disjoint(qset: QuorumSet) -> bool:
    """Whether no node is named twice in ``qset`` (then costs of members simply add up)."""
    seen: set[NodeID] = set()
    total = 0
    stack = [qset]
    while stack:
        current = stack.pop()
        for m in current.members:
            if isinstance(m, QuorumSet):
                stack.append(m)
            else:
                seen.add(m)
                total += 1
    return len(seen) == total


def _cheapest_direct_block(qset: QuorumSet, component: frozenset[NodeID],
                           owner: NodeID) -> frozenset[NodeID] | None:
    """The fewest nodes of ``component`` (never ``owner``) that, with every node outside the
    component, meet each slice of ``qset``; ``None`` when impossible. Exact when no node is
    named twice in ``qset`` (costs add up); otherwise a greedy upper bound."""
    options: list[frozenset[NodeID]] = []
    for m in qset.members:
        if isinstance(m, QuorumSet):
            inner = _cheapest_direct_block(m, component, owner)
            if inner is not None:
                options.append(inner)
        elif m not in component:
            options.append(frozenset())
        elif m != owner:
            options.append(frozenset({m}))
    need = len(qset.members) - qset.threshold + 1
    if len(options) < need:
        return None
    options.sort(key=lambda o: (len(o), sorted(o)))
    return frozenset().union(*options[:need])


# --- minimal splitting set -------------------------------------------------------------------


def minimal_splitting_set(fbas: Fbas, max_size: int | None = None) -> SplittingSetResult:
    """A splitting set of minimum size: the fewest nodes that, saying anything, leave two
    quorums meeting only inside them (python-fbas ``find_minimal_splitting_set``). Sizes are
    tried upwards from 0 with ``AtMost`` (``max_size`` caps the search)."""
    _require_known(fbas)
    started = time.perf_counter()
    table = fbas.as_mapping()
    problem = _Problem(_relevant_nodes(fbas))
    for prefix in ("f", "a", "b"):
        problem.declare_nodes(prefix)
    for side in ("a", "b"):
        correct_known = []
        for n in problem.nodes:
            qset = table[n]
            if qset is not None:
                correct = f"(and {problem.var(side, n)} (not {problem.var('f', n)}))"
                problem.add(f"(=> {correct} {problem.satisfied(side, qset)})")
                correct_known.append(correct)
        problem.add(_or(correct_known))
    for n in problem.nodes:
        problem.add(f"(or {problem.var('f', n)} (not {problem.var('a', n)}) "
                        f"(not {problem.var('b', n)}))")
    solver = problem.solver()
    faulty = " ".join(problem.var("f", n) for n in problem.nodes)
    limit = len(problem.nodes) if max_size is None else max_size
    for size in range(limit + 1):
        if _check(solver, f"((_ at-most {size}) {faulty})"):
            model = solver.model()
            members = problem.true_nodes(model, "f")
            first, second = problem.true_nodes(model, "a"), problem.true_nodes(model, "b")
            if not verify_split(fbas, members, first, second):  # pragma: no cover
                raise FormalError("formal.solver_unknown", "z3's splitting set does not check")
            return SplittingSetResult(len(members), members, (first, second),
                                      time.perf_counter() - started)
    return SplittingSetResult(None, (), None, time.perf_counter() - started)


def verify_split(fbas: Fbas, byzantine: Iterable[NodeID], first: Iterable[NodeID],
                 second: Iterable[NodeID]) -> bool:
    """The independent check of a splitting set: both sets are quorums when the nodes of
    ``byzantine`` may say anything, and they meet only inside ``byzantine``."""
    bad, a, b = frozenset(byzantine), frozenset(first), frozenset(second)
    return (is_byzantine_quorum(fbas, a, bad) and is_byzantine_quorum(fbas, b, bad)
            and a & b <= bad)
