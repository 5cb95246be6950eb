"""``mcref node run`` refuses a bad configuration before it starts anything: one line
``error[node.config_*]`` naming the file and the field, exit 2; a network whose quorums do not
intersect is refused with the two disjoint quorums unless the operator overrides it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refimpl.node.config import load_node_config, validate_node
from refimpl.node.localnet import LocalNetwork, generate_local_network
from refimpl.node.supervisor import Supervisor, admin_info


def _run(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "refimpl.cli", "node", "run", "--config",
                           str(config)], capture_output=True, text=True, timeout=60)


@pytest.fixture()
def network(tmp_path: Path) -> LocalNetwork:
    return generate_local_network(tmp_path / "net", 4, "dense", b"cli", accounts=2)


def _edit_network(network: LocalNetwork, name: str, change: dict[str, object]) -> None:
    path = network.node(name).directory / "network.json"
    document = json.loads(path.read_text())
    document.update(change)
    path.write_text(json.dumps(document))


def _one_error_line(result: subprocess.CompletedProcess[str], code: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error[{code}]"), result.stderr
    return lines[0]


def test_self_among_known_peers_is_refused(network: LocalNetwork) -> None:
    n0 = network.node("n0")
    network_file = json.loads((n0.directory / "network.json").read_text())
    own = network_file["broadcast_peers"][0].replace(
        str(network.node("n1").peer_port), str(n0.peer_port))
    _edit_network(network, "n0", {"known_peers": [own]})
    line = _one_error_line(_run(n0.config_path), "node.config_known_peers_contains_self")
    assert "network.json" in line


def test_missing_tx_sources_and_unknown_quorum_member_are_refused(
        network: LocalNetwork) -> None:
    _edit_network(network, "n1", {"tx_source_urls": []})
    _one_error_line(_run(network.node("n1").config_path), "node.config_missing_tx_source_urls")
    _edit_network(network, "n2", {"quorum_set": {"threshold": 1, "members": [
        {"type": "Node", "args": "127.0.0.1:1"}]}})
    _one_error_line(_run(network.node("n2").config_path), "node.config_unknown_quorum_member")


def test_disjoint_quorums_are_refused_unless_overridden(tmp_path: Path) -> None:
    network = generate_local_network(tmp_path / "net", 4, "dense", b"cli", accounts=2)
    # n0 and n1 trust only each other, n2 and n3 only each other: two disjoint quorums
    ids = [n.peer_responder_id for n in network.nodes]
    pairs = {0: 1, 1: 0, 2: 3, 3: 2}

    def qset(i: int) -> dict[str, object]:
        return {"threshold": 1, "members": [{"type": "Node", "args": ids[pairs[i]]}]}

    for i, node in enumerate(network.nodes):
        others = {ids[j]: qset(j) for j in range(4) if j != i}
        _edit_network(network, node.name, {"quorum_set": qset(i), "peer_quorum_sets": others})
    line = _one_error_line(_run(network.node("n0").config_path),
                           "node.config_quorums_do_not_intersect")
    assert ids[0] in line and ids[2] in line  # the witness names both quorums
    config = network.node("n0").config_path
    config.write_text(config.read_text().replace("allow_non_intersecting_quorums = false",
                                                 "allow_non_intersecting_quorums = true"))
    validated = validate_node(load_node_config(config))  # every check passes
    assert validated.quorum_set.nodes() == {ids[1]}


def test_a_second_process_on_a_nodes_ports_is_refused(network: LocalNetwork) -> None:
    supervisor = Supervisor(network)
    try:
        supervisor.start("n0")
        deadline = time.monotonic() + 60
        while admin_info(network.node("n0"), 1.0) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert admin_info(network.node("n0"), 1.0) is not None
        _one_error_line(_run(network.node("n0").config_path), "node.bind_failed")
        assert supervisor.running() == ["n0"]  # the first one still serves
    finally:
        supervisor.stop_all()
    assert supervisor.running() == []
