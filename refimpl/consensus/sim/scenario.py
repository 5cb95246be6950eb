"""Build simulation configurations from a few named parameters (the CLI and ``mcref check``).

``topology`` is ``mesh``, ``cyclic``, ``metamesh`` (MobileCoin's mock-network topologies,
``consensus/scp/tests/mock_network/*_topology.rs``) or the path of a stellarbeat-format JSON file
(``fbas.py``). Byzantine nodes are the last ``byzantine`` nodes of the configuration in its own
order, and take the behaviours of ``behaviour`` in turn (``mixed`` cycles through every behaviour).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from refimpl.consensus.scp.msg import Variant
from refimpl.consensus.sim.byzantine import BEHAVIOURS
from refimpl.consensus.sim.faults import FaultModel
from refimpl.consensus.sim.fbas import load_stellarbeat
from refimpl.consensus.sim.network import SimConfig
from refimpl.consensus.sim.topology import (
    Topology,
    cyclic,
    default_mesh_threshold,
    mesh,
    metamesh,
)
from refimpl.errors import ScpError

BUILTIN_TOPOLOGIES = ("mesh", "cyclic", "metamesh")


def build_topology(kind: str, nodes: int, threshold: int | None = None,
                   org_size: int = 3) -> tuple[Topology, dict[str, Any]]:
    """The quorum sets of a named topology (or a file) and a description for trace headers."""
    if kind == "mesh":
        k = default_mesh_threshold(nodes) if threshold is None else threshold
        return mesh(nodes, k), {"topology": "mesh", "nodes": nodes, "threshold": k}
    if kind == "cyclic":
        return cyclic(nodes), {"topology": "cyclic", "nodes": nodes}
    if kind == "metamesh":
        if org_size < 2 or nodes % org_size:
            raise ScpError("scp.sim_bad_parameters",
                           f"a metamesh of {nodes} nodes cannot have organisations of {org_size}")
        orgs = nodes // org_size
        k_orgs = default_mesh_threshold(orgs) + 1 if threshold is None else threshold
        k_servers = org_size - (org_size - 1) // 3
        label = {"topology": "metamesh", "nodes": nodes, "orgs": orgs, "k_orgs": k_orgs,
                 "servers": org_size, "k_servers": k_servers}
        return metamesh(orgs, k_orgs, org_size, k_servers), label
    path = Path(kind)
    topology = load_stellarbeat(path)
    return topology, {"topology": path.name, "nodes": len(topology)}


def choose_byzantine(topology: Topology, count: int, behaviour: str) -> dict[str, str]:
    """The last ``count`` nodes, with ``behaviour`` (or every behaviour in turn for ``mixed``)."""
    ids = list(topology)
    if not 0 <= count <= len(ids):
        raise ScpError("scp.sim_bad_parameters",
                       f"cannot make {count} of {len(ids)} nodes Byzantine")
    if behaviour != "mixed" and behaviour not in BEHAVIOURS:
        raise ScpError("scp.sim_bad_parameters", f"unknown Byzantine behaviour {behaviour!r}")
    chosen = ids[len(ids) - count:]
    return {
        node: BEHAVIOURS[i % len(BEHAVIOURS)] if behaviour == "mixed" else behaviour
        for i, node in enumerate(chosen)
    }


def build_config(topology_kind: str, nodes: int, slots: int, byzantine: int, seed: int, *,
                 variant: Variant = "correct", threshold: int | None = None,
                 org_size: int = 3, behaviour: str = "equivocate", values_per_slot: int = 3,
                 value_cap: int = 100, faults: FaultModel | None = None,
                 max_time_ms: int = 3_600_000) -> SimConfig:
    """A validated :class:`SimConfig` from named parameters."""
    topology, label = build_topology(topology_kind, nodes, threshold, org_size)
    config = SimConfig(
        topology=topology, slots=slots, values_per_slot=values_per_slot, value_cap=value_cap,
        byzantine=choose_byzantine(topology, byzantine, behaviour),
        faults=faults or FaultModel(), variant=variant, seed=seed, max_time_ms=max_time_ms,
        label=label,
    )
    config.validate()
    return config
