"""Network topologies of MobileCoin's mock-network tests, as ``{node_id: QuorumSet}``.

Source: mobilecoinfoundation/mobilecoin ``consensus/scp/tests/mock_network/`` (builders
``mesh_topology::dense_mesh``, ``cyclic_topology::directed_cycle``,
``metamesh_topology::metamesh``). MobileCoin leaves the local node out of its own quorum set (it
is implicitly part of every slice, ``quorum_set_ext.rs``), and so do we.
Simulated node ids are ``"n0"``, ``"n1"``, ... (docs/scp-interface.md, "Types").
"""

from __future__ import annotations

from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import ScpError

NodeID = str
Topology = dict[NodeID, QuorumSet]


def node_id(index: int) -> NodeID:
    return f"n{index}"


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise ScpError("scp.sim_bad_parameters", what)


def mesh(n: int, k: int) -> Topology:
    """``dense_mesh(n, k)``: every node trusts all n-1 others with threshold k."""
    _need(n >= 1, f"a mesh needs at least one node, got {n}")
    ids = [node_id(i) for i in range(n)]
    return {me: QuorumSet(k, tuple(other for other in ids if other != me)) for me in ids}


def default_mesh_threshold(n: int) -> int:
    """k = n-1-f with f = floor((n-1)/3): a quorum is n-f nodes, the classic BFT bound."""
    return (n - 1) - (n - 1) // 3


def cyclic(n: int) -> Topology:
    """``directed_cycle(n)``: node i trusts only node i+1 (mod n), threshold 1."""
    _need(n >= 1, f"a cycle needs at least one node, got {n}")
    return {node_id(i): QuorumSet(1, (node_id((i + 1) % n),)) for i in range(n)}


def metamesh(orgs: int, k_orgs: int, servers: int, k_servers: int) -> Topology:
    """``metamesh(n, k_n, m, k_m)``: ``orgs`` organisations of ``servers`` nodes each.

    A node's quorum set is k_orgs-of-[its own organisation: max(k_servers-1, 1)-of-its
    servers-1 peers; each other organisation: k_servers-of-its servers]. Node ids number the
    servers organisation by organisation: org o, server s is ``n{o*servers+s}``.
    """
    _need(orgs >= 1 and servers >= 2, "a metamesh needs >= 1 organisation of >= 2 servers")
    members = [[node_id(o * servers + s) for s in range(servers)] for o in range(orgs)]
    topology: Topology = {}
    for o in range(orgs):
        for me in members[o]:
            own = QuorumSet(max(k_servers - 1, 1), tuple(x for x in members[o] if x != me))
            others = tuple(QuorumSet(k_servers, tuple(members[p])) for p in range(orgs) if p != o)
            topology[me] = QuorumSet(k_orgs, (own, *others))
    return topology


def validate_topology(topology: Topology) -> None:
    """Every quorum set is valid and names only nodes of the configuration."""
    known = set(topology)
    if not known:
        raise ScpError("scp.sim_bad_parameters", "the configuration has no nodes")
    for me, quorum_set in sorted(topology.items()):
        quorum_set.validate()
        unknown = sorted(quorum_set.nodes() - known)
        if unknown:
            raise ScpError(
                "scp.config_unknown_validator",
                f"the quorum set of {me} names unknown validator(s) {', '.join(unknown[:3])}",
            )
