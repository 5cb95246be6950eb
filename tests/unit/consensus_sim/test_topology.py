"""MobileCoin's mock-network topologies (consensus/scp/tests/mock_network) and configuration
validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.types import QuorumSet
from refimpl.consensus.sim.topology import (
    cyclic,
    default_mesh_threshold,
    mesh,
    metamesh,
    validate_topology,
)
from refimpl.errors import ScpError


@given(st.integers(min_value=2, max_value=30), st.data())
def test_mesh_trusts_every_other_node(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n - 1))
    topology = mesh(n, k)
    assert sorted(topology) == sorted(f"n{i}" for i in range(n))
    for me, qset in topology.items():
        assert qset.threshold == k
        assert qset.nodes() == frozenset(topology) - {me}
    validate_topology(topology)


def test_mesh_threshold_larger_than_its_set_is_rejected() -> None:
    with pytest.raises(ScpError) as err:
        validate_topology(mesh(4, 4))
    assert err.value.code == "scp.config_threshold_too_large"


def test_default_threshold_is_the_bft_bound() -> None:
    assert default_mesh_threshold(4) == 2  # quorum 3 of 4, f = 1
    assert default_mesh_threshold(7) == 4  # quorum 5 of 7, f = 2
    assert default_mesh_threshold(100) == 66


def test_cycle_and_single_node() -> None:
    assert cyclic(3) == {
        "n0": QuorumSet(1, ("n1",)), "n1": QuorumSet(1, ("n2",)), "n2": QuorumSet(1, ("n0",))
    }
    assert cyclic(1) == {"n0": QuorumSet(1, ("n0",))}
    assert mesh(1, 0) == {"n0": QuorumSet(0, ())}
    validate_topology(mesh(1, 0))


def test_metamesh_3k2_3k1() -> None:
    topology = metamesh(3, 2, 3, 1)
    assert len(topology) == 9
    qset = topology["n4"]  # org 1, server 1
    own, other_a, other_b = qset.members
    assert qset.threshold == 2
    assert own == QuorumSet(1, ("n3", "n5"))  # max(k_m - 1, 1) of the other servers
    assert other_a == QuorumSet(1, ("n0", "n1", "n2"))
    assert other_b == QuorumSet(1, ("n6", "n7", "n8"))
    validate_topology(topology)


def test_unknown_validator_and_empty_configuration() -> None:
    with pytest.raises(ScpError) as err:
        validate_topology({"a": QuorumSet(1, ("b",))})
    assert err.value.code == "scp.config_unknown_validator"
    with pytest.raises(ScpError) as err:
        validate_topology({})
    assert err.value.code == "scp.sim_bad_parameters"
    with pytest.raises(ScpError) as err:
        mesh(0, 0)
    assert err.value.code == "scp.sim_bad_parameters"
