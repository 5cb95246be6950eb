"""Shared builders for the SCP core unit tests: small networks and hand-built messages."""

from __future__ import annotations

from collections.abc import Sequence

from refimpl.consensus.scp.msg import (
    Commit,
    Externalize,
    Msg,
    Nominate,
    NominatePrepare,
    Prepare,
    Topic,
)
from refimpl.consensus.scp.slot import Slot
from refimpl.consensus.scp.types import Ballot, QuorumSet, Value

IDS = ("n0", "n1", "n2", "n3")
x, y, z = b"x", b"y", b"z"


def mesh_qset(node: str, ids: Sequence[str] = IDS, k: int = 2) -> QuorumSet:
    """k-of-(the other nodes), self implicit: 4 nodes, k=2 -> quorums of 3 out of 4."""
    return QuorumSet(k, tuple(i for i in ids if i != node))


def b(n: int, *values: Value) -> Ballot:
    return Ballot(n, tuple(sorted(values)))


def combine(values: Sequence[Value]) -> tuple[Value, ...]:
    return tuple(sorted(set(values)))


def slot(node: str = "n0", index: int = 1, variant: str = "correct", qset: QuorumSet | None = None,
         valid: frozenset[Value] | None = None) -> Slot:
    return Slot(index, node, qset or mesh_qset(node), (lambda v: valid is None or v in valid),
                combine, variant=variant)  # type: ignore[arg-type]


def msg(sender: str, topic: Topic, index: int = 1, qset: QuorumSet | None = None) -> Msg:
    return Msg(sender, index, qset or mesh_qset(sender), topic)


def nom(X: Sequence[Value] = (), Y: Sequence[Value] = ()) -> Nominate:
    return Nominate(frozenset(X), frozenset(Y))


def prep(B: Ballot, P: Ballot | None = None, PP: Ballot | None = None, CN: int = 0,
         HN: int = 0) -> Prepare:
    return Prepare(B, P, PP, CN, HN)


def nomprep(n: Nominate, p: Prepare) -> NominatePrepare:
    return NominatePrepare(n, p)


def commit(B: Ballot, PN: int, CN: int, HN: int) -> Commit:
    return Commit(B, PN, CN, HN)


def ext(C: Ballot, HN: int) -> Externalize:
    return Externalize(C, HN)
