"""Local networks: topologies, generated files, origin ledger, state (refimpl/node/localnet.py).

MobileCoin: ``tools/local-network/local_network.py`` (dense5: 3 of the 4 others).
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import CODES, NodeError
from refimpl.ledger.origin import DEMO_VALUE, demo_accounts, origin_contents
from refimpl.ledger.signature import verify
from refimpl.ledger.store import LedgerStore
from refimpl.node.config import (
    check_network_intersection,
    load_msg_signer_key,
    load_node_config,
    parse_peer_uri,
    validate_node,
)
from refimpl.node.localnet import (
    LocalNetwork,
    dense_quorum_sets,
    free_ports,
    generate_local_network,
    load_local_network,
    ring_quorum_sets,
    topology_quorum_sets,
)
from tests.unit.node._refusals import refused

SEED = b"localnet-test"



def ports_from(start: int) -> Callable[[], int]:
    counter = iter(range(start, start + 1000))
    return lambda: next(counter)


# --- topologies ----------------------------------------------------------------------------


def test_dense5_is_mobilecoins() -> None:
    qsets = dense_quorum_sets(5)
    assert qsets["n0"] == QuorumSet(3, ("n1", "n2", "n3", "n4"))
    assert all(q.threshold == 3 and name not in q.nodes() for name, q in qsets.items())


@pytest.mark.parametrize("n,threshold", [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (7, 4),
                                         (10, 6)])
def test_dense_threshold_formula_and_intersection(n: int, threshold: int) -> None:
    qsets = dense_quorum_sets(n)
    assert {q.threshold for q in qsets.values()} == {threshold}
    assert threshold == (n - 1) - (n - 1) // 3
    assert check_network_intersection(qsets) is None


def test_ring_quorum_sets_and_which_rings_intersect() -> None:
    assert ring_quorum_sets(5)["n3"] == QuorumSet(1, ("n4", "n0"))
    assert ring_quorum_sets(2)["n1"] == QuorumSet(1, ("n0",))
    assert ring_quorum_sets(1)["n0"] == QuorumSet(0, ())
    for n in (1, 2, 3, 5):
        assert check_network_intersection(ring_quorum_sets(n)) is None, n
    witness = check_network_intersection(ring_quorum_sets(4))
    assert witness is not None and set(map(frozenset, witness)) == {
        frozenset({"n0", "n2"}), frozenset({"n1", "n3"})}
    assert check_network_intersection(ring_quorum_sets(6)) is not None


def test_topology_names() -> None:
    assert topology_quorum_sets("dense", 4) == dense_quorum_sets(4)
    assert topology_quorum_sets("ring5", 5) == ring_quorum_sets(5)
    refused("node.localnet_bad_topology", lambda: topology_quorum_sets("dense5", 4), "dense5")
    refused("node.localnet_bad_topology", lambda: topology_quorum_sets("mesh", 4), "mesh")
    refused("node.localnet_bad_parameter", lambda: topology_quorum_sets("dense", 0))


def write_topology(path: Path, nodes: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"nodes": nodes}))
    return path


@pytest.mark.parametrize("document,words", [
    ({"nodes": {"n0": {"threshold": 1, "members": ["n1"]}}}, "n0..n1"),
    ({"nodes": {"n0": {"threshold": 1, "members": ["n1"]},
                "n1": {"threshold": 1, "members": ["n2"]}}}, "nodes.n1"),
    ({"nodes": {"n0": {"threshold": 1, "members": ["n0"]},
                "n1": {"threshold": 1, "members": ["n0"]}}}, "nodes.n0"),
    ({"nodes": {"n0": {"threshold": 2, "members": ["n1"]},
                "n1": {"threshold": 1, "members": ["n0"]}}}, "threshold"),
    ({"nodes": {"n0": {"threshold": 1}, "n1": {"threshold": 1, "members": ["n0"]}}}, "nodes.n0"),
    ({"quorum_sets": {}}, "expected"),
    ([], "expected"),
])
def test_malformed_topology_files(tmp_path: Path, document: Any, words: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(document))
    refused("node.localnet_bad_topology", lambda: topology_quorum_sets(path, 2), words)
    refused("node.localnet_bad_topology", lambda: topology_quorum_sets(tmp_path / "none.json", 2))


@given(st.recursive(st.none() | st.integers(-1, 3) | st.sampled_from(["n0", "n1", "n2", "x"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["nodes", "n0", "n1", "threshold", "members"]), inner,
                        max_size=3), max_leaves=10))
def test_random_topology_files_raise_typed_errors(document: Any) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write_topology(Path(d) / "t.json", document)
        try:
            qsets = topology_quorum_sets(path, 2)
        except Exception as exc:  # noqa: BLE001 - the point is the exception's type
            assert isinstance(exc, NodeError) and exc.code in CODES, repr(exc)
        else:
            assert set(qsets) == {"n0", "n1"}


# --- generated networks --------------------------------------------------------------------


def check_generated(net: LocalNetwork) -> None:
    """Every node file loads and validates; peering is symmetric; keys and tx sources agree."""
    qsets = net.quorum_sets()
    by_id = {n.peer_responder_id: n for n in net.nodes}
    peers_of: dict[str, set[str]] = {}
    for node in net.nodes:
        validated = validate_node(load_node_config(node.config_path), qsets)
        assert validated.quorum_set == node.quorum_set
        assert validated.msg_public_key == node.msg_public_key == \
            load_msg_signer_key(node.directory / "msg-signer.key").public_key().public_bytes_raw()
        assert validated.fee_map() == {0: net.minimum_fee}
        config = validated.config
        assert config.sgx_platform_index == node.index and config.sgx_seed == net.sgx_seed
        assert config.client_listen_uri.port == node.client_port
        assert config.admin_listen_uri is not None and \
            config.admin_listen_uri.port == node.admin_port
        assert config.archive_dir == node.archive_dir
        assert config.origin_block_path == net.origin_ledger
        peers = {p.responder_id for p in validated.network.broadcast_peers}
        assert node.quorum_set.nodes() <= peers
        for p in validated.network.broadcast_peers:  # every peer is named with its real key
            assert p.consensus_msg_key == by_id[p.responder_id].msg_public_key
        peers_of[node.peer_responder_id] = peers
        assert set(validated.network.tx_source_urls) == {
            o.archive_dir.as_uri() for o in net.nodes if o is not node}
        assert validated.network.known_peers == ()
        assert dict(validated.network.peer_quorum_sets) == {
            k: v for k, v in qsets.items() if k != node.peer_responder_id}
    for a, peers in peers_of.items():
        for b in peers:
            assert a in peers_of[b], (a, b)
        assert all(a in qsets[b].nodes() or b in qsets[a].nodes() for b in peers)


@pytest.fixture(scope="module")
def dense5(tmp_path_factory: pytest.TempPathFactory) -> LocalNetwork:
    return generate_local_network(tmp_path_factory.mktemp("d5") / "net", 5, "dense5", SEED,
                                  ports_from(20000))


def test_dense5_network(dense5: LocalNetwork) -> None:
    check_generated(dense5)
    assert [(n.client_port, n.peer_port, n.admin_port) for n in dense5.nodes] == [
        (20000 + 3 * i, 20001 + 3 * i, 20002 + 3 * i) for i in range(5)]
    assert all(n.quorum_set.threshold == 3 and len(n.quorum_set.members) == 4
               for n in dense5.nodes)
    tokens = json.loads(dense5.tokens_path.read_text())
    assert tokens == {"tokens": [{"token_id": 0, "minimum_fee": 1024, "allow_any_fee": True}]}
    node = tomllib.loads(dense5.nodes[2].config_path.read_text())
    assert node["peer_responder_id"] == "127.0.0.1:20007"
    assert node["ledger_path"] == "ledger" and node["origin_block_path"] == "../origin-ledger"


def test_origin_ledger_pays_the_demo_accounts(dense5: LocalNetwork) -> None:
    with LedgerStore.open(dense5.origin_ledger, read_only=True) as store:
        assert store.num_blocks() == 1 and store.num_tx_outs() == 20
        block = store.get_block(0)
        assert block.id == dense5.origin_block_id
        signature = store.get_block_signature(0)
        assert signature is not None
        verify(block, signature)
        outputs = store.get_block_contents(0).outputs
    assert len(dense5.account_root_entropies) == 20
    for i, (entropy, out) in enumerate(zip(dense5.account_root_entropies, outputs, strict=True)):
        account = AccountKey.from_root_entropy(entropy)
        amount, _ = out.view_key_match(account.view_private)
        assert amount.value == DEMO_VALUE == dense5.value_per_output, i


def test_generation_is_deterministic_but_for_ports(dense5: LocalNetwork, tmp_path: Path) -> None:
    again = generate_local_network(tmp_path / "net", 5, "dense", SEED, ports_from(21000),
                                   scp_debug_dump=False)
    assert again.origin_block_id == dense5.origin_block_id
    assert [n.msg_public_key for n in again.nodes] == [n.msg_public_key for n in dense5.nodes]
    assert again.sgx_seed == dense5.sgx_seed
    assert again.account_root_entropies == dense5.account_root_entropies
    assert load_node_config(again.nodes[0].config_path).scp_debug_dump is None
    other = generate_local_network(tmp_path / "other", 1, "dense", b"another seed")
    assert other.origin_block_id != dense5.origin_block_id
    assert other.nodes[0].msg_public_key != dense5.nodes[0].msg_public_key


def test_ring5_and_dense4(tmp_path: Path) -> None:
    ring = generate_local_network(tmp_path / "ring", 5, "ring5", SEED, ports_from(22000),
                                  accounts=2)
    check_generated(ring)
    assert ring.nodes[0].quorum_set == QuorumSet(1, ("127.0.0.1:22004", "127.0.0.1:22007"))
    dense4 = generate_local_network(tmp_path / "dense4", 4, "dense4", SEED, ports_from(22100),
                                    accounts=2, trace_epoch_ms=1234, variant="mobilecoin",
                                    scp_timebase_ms=100)
    check_generated(dense4)
    config = load_node_config(dense4.nodes[3].config_path)
    assert (config.trace_epoch_ms, config.variant, config.scp_timebase_ms) == (
        1234, "mobilecoin", 100)
    assert dense4.nodes[0].quorum_set.threshold == 2


def test_file_topology(tmp_path: Path) -> None:
    """Three nodes, one quorum set with an inner set, one node only trusted, not trusting."""
    path = write_topology(tmp_path / "t.json", {
        "n0": {"threshold": 2, "members": ["n1", {"threshold": 1, "members": ["n2"]}]},
        "n1": {"threshold": 1, "members": ["n0"]},
        "n2": {"threshold": 1, "members": ["n0", "n1"]},
    })
    net = generate_local_network(tmp_path / "net", 3, path, SEED, ports_from(23000), accounts=1)
    check_generated(net)
    assert net.nodes[0].quorum_set == QuorumSet(2, (
        "127.0.0.1:23004", QuorumSet(1, ("127.0.0.1:23007",))))
    assert net.topology == str(path)
    assert generate_local_network(tmp_path / "net2", 3, str(path), SEED, ports_from(23100),
                                  accounts=1).nodes[2].quorum_set.threshold == 1


def test_disjoint_file_topology_needs_the_override(tmp_path: Path) -> None:
    path = write_topology(tmp_path / "t.json", {
        "n0": {"threshold": 1, "members": ["n1"]}, "n1": {"threshold": 1, "members": ["n0"]},
        "n2": {"threshold": 1, "members": ["n3"]}, "n3": {"threshold": 1, "members": ["n2"]},
    })
    refused("node.config_quorums_do_not_intersect",
            lambda: generate_local_network(tmp_path / "net", 4, path, SEED, ports_from(24000)),
            "{n0, n1}", "{n2, n3}")
    assert not (tmp_path / "net").exists()  # refused before anything is written
    net = generate_local_network(tmp_path / "net", 4, path, SEED, ports_from(24000), accounts=1,
                                 allow_non_intersecting_quorums=True)
    check_generated(net)  # each node file carries the override...
    config = load_node_config(net.nodes[0].config_path)
    assert config.allow_non_intersecting_quorums
    refused("node.config_quorums_do_not_intersect",  # ...without which it would not start
            lambda: validate_node(attrs.evolve(config, allow_non_intersecting_quorums=False)))
    # n0's and n1's peers are each other only: peering follows the quorum sets
    assert [parse_peer_uri(u).responder_id for u in json.loads(
        (net.nodes[0].directory / "network.json").read_text())["broadcast_peers"]] == [
        net.nodes[1].peer_responder_id]


def test_many_outputs_per_account(tmp_path: Path) -> None:
    net = generate_local_network(tmp_path / "net", 1, "dense", SEED, ports_from(25000),
                                 accounts=3, outputs_per_account=50)
    assert net.value_per_output == DEMO_VALUE // 50
    with LedgerStore.open(net.origin_ledger, read_only=True) as store:
        outputs = store.get_block_contents(0).outputs
    assert len(outputs) == 150 and len({o.public_key for o in outputs}) == 150
    for index, out in enumerate(outputs):
        account = AccountKey.from_root_entropy(net.account_root_entropies[index // 50])
        assert out.view_key_match(account.view_private)[0].value == DEMO_VALUE // 50
    # the first output of each account is the one-output origin's (same tx key)
    single = origin_contents(SEED, demo_accounts(SEED, 3), DEMO_VALUE // 50)
    assert [outputs[50 * i] for i in range(3)] == list(single.outputs)


def test_ports(tmp_path: Path) -> None:
    explicit = list(range(26000, 26006))
    net = generate_local_network(tmp_path / "a", 2, "dense", SEED, explicit, accounts=1)
    assert [(n.client_port, n.peer_port, n.admin_port) for n in net.nodes] == [
        (26000, 26001, 26002), (26003, 26004, 26005)]
    for bad in ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 5], [0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, True]):
        refused("node.localnet_bad_ports",
                lambda bad=bad: generate_local_network(tmp_path / "b", 2, "dense", SEED, bad))
    refused("node.localnet_bad_ports",
            lambda: generate_local_network(tmp_path / "b", 2, "dense", SEED, lambda: 7))
    ports = free_ports(6)
    assert len(set(ports)) == 6 and all(1024 <= p <= 65535 for p in ports)
    default = generate_local_network(tmp_path / "c", 2, "ring", SEED, accounts=1)
    assert len({p for n in default.nodes for p in (n.client_port, n.peer_port, n.admin_port)}) \
        == 6


def test_refusals_before_writing(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    refused("node.localnet_exists",
            lambda: generate_local_network(tmp_path / "full", 1, "dense", SEED))
    for kwargs in ({"accounts": 0}, {"outputs_per_account": 1001}, {"accounts": True}):
        refused("node.localnet_bad_parameter",
                lambda kwargs=kwargs: generate_local_network(tmp_path / "n", 1, "dense", SEED,
                                                              **kwargs))
    for kwargs, code in (({"minimum_fee": 1000}, "node.config_bad_fee_map"),
                         ({"variant": "other"}, "node.config_bad_value"),
                         ({"block_version": 9}, "node.config_bad_value"),
                         ({"chain_id": ""}, "node.config_bad_value")):
        refused(code, lambda kwargs=kwargs: generate_local_network(tmp_path / "n", 1, "dense",
                                                                    SEED, **kwargs))
    assert not (tmp_path / "n").exists()


# --- the state file ------------------------------------------------------------------------


def test_state_round_trip(dense5: LocalNetwork) -> None:
    loaded = load_local_network(dense5.base_dir)
    assert loaded == dense5
    assert LocalNetwork.from_json(json.loads(json.dumps(dense5.to_json()))) == dense5
    assert loaded.node("n3") == loaded.node("node3") == loaded.nodes[3]
    refused("node.localnet_bad_state", lambda: loaded.node("n9"))


def test_missing_state_is_refused(tmp_path: Path) -> None:
    refused("node.localnet_bad_state", lambda: load_local_network(tmp_path))
    (tmp_path / "network-state.json").write_text("{")
    refused("node.localnet_bad_state", lambda: load_local_network(tmp_path))


@pytest.fixture(scope="module")
def state(dense5: LocalNetwork) -> Iterator[dict[str, Any]]:
    yield dense5.to_json()


def _corrupt(doc: Any, path: list[int], value: Any) -> Any:
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    out = doc.copy()
    out[key] = _corrupt(doc[key], path[1:], value)
    return out


@given(path=st.lists(st.integers(0, 30), min_size=1, max_size=4),
       value=st.none() | st.booleans() | st.integers(-1, 2**64) | st.text(max_size=8) |
       st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.none()))
def test_corrupted_state_raises_typed_errors(state: dict[str, Any], path: list[int],
                                             value: Any) -> None:
    try:
        LocalNetwork.from_json(_corrupt(state, path, value))
    except Exception as exc:  # noqa: BLE001
        assert isinstance(exc, NodeError) and exc.code == "node.localnet_bad_state", repr(exc)


# --- proxied peer links (links=True) -------------------------------------------------------


def test_links_route_every_peer_through_its_own_port(tmp_path: Path) -> None:
    net = generate_local_network(tmp_path / "net", 4, "dense4", SEED, ports_from(27000),
                                 accounts=1, links=True)
    check_generated(net)  # loads, validates, every peer named by its real id and key
    plain = generate_local_network(tmp_path / "plain", 4, "dense4", SEED, ports_from(27000),
                                   accounts=1)
    # same node ports and identities as without links; the 12 link ports come after them
    assert [(n.client_port, n.peer_port, n.admin_port, n.peer_responder_id) for n in net.nodes] \
        == [(n.client_port, n.peer_port, n.admin_port, n.peer_responder_id) for n in plain.nodes]
    assert len(net.links) == 12 and plain.links == ()
    assert [port for _, _, port, _ in net.links] == list(range(27012, 27024))
    by_name = {n.name: n for n in net.nodes}
    recorded = {(src, dst): (listen, target) for src, dst, listen, target in net.links}
    for node in net.nodes:
        config = load_node_config(node.config_path)
        network = json.loads((node.directory / "network.json").read_text())
        uris = [parse_peer_uri(u) for u in network["broadcast_peers"]]
        assert len({u.port for u in uris}) == len(uris) == 3
        for uri in uris:
            dst = net.node(uri.responder_id)
            assert uri.responder_id == dst.peer_responder_id == f"127.0.0.1:{dst.peer_port}"
            assert uri.consensus_msg_key == dst.msg_public_key
            assert recorded[(node.name, dst.name)] == (uri.port, dst.peer_port)
            assert uri.port != dst.peer_port and uri.host == "127.0.0.1"
        assert config.peer_responder_id == by_name[node.name].peer_responder_id
    # every link port is dialled by exactly one node and no link port is a node port
    node_ports = {p for n in net.nodes for p in (n.client_port, n.peer_port, n.admin_port)}
    assert not node_ports & {listen for _, _, listen, _ in net.links}
    assert load_local_network(net.base_dir) == net
    assert LocalNetwork.from_json(json.loads(json.dumps(net.to_json()))).links == net.links


def test_links_follow_the_peering(tmp_path: Path) -> None:
    """Only peers get links: in a FILE topology of two pairs, 2 links per pair."""
    path = write_topology(tmp_path / "t.json", {
        "n0": {"threshold": 1, "members": ["n1"]}, "n1": {"threshold": 1, "members": ["n0"]},
        "n2": {"threshold": 1, "members": ["n3"]}, "n3": {"threshold": 1, "members": ["n2"]},
    })
    net = generate_local_network(tmp_path / "net", 4, path, SEED, ports_from(28000), accounts=1,
                                 allow_non_intersecting_quorums=True, links=True)
    check_generated(net)
    assert [(s, d) for s, d, _, _ in net.links] == [("n0", "n1"), ("n1", "n0"), ("n2", "n3"),
                                                    ("n3", "n2")]
    assert all(t == net.node(d).peer_port for _, d, _, t in net.links)
    refused("node.localnet_bad_ports",  # 3 per node and one per link
            lambda: generate_local_network(tmp_path / "b", 2, "dense", SEED,
                                           list(range(29000, 29006)), links=True))
    two = generate_local_network(tmp_path / "c", 2, "dense", SEED, list(range(29000, 29008)),
                                 accounts=1, links=True)
    assert two.links == (("n0", "n1", 29006, 29004), ("n1", "n0", 29007, 29001))


@pytest.mark.parametrize("link", [["n0", "n9", 1000, 1001], ["n0", "n1", 0, 1001],
                                  ["n0", "n1", 1000], ["n0", 1, 1000, 1001], "n0",
                                  ["n0", "n1", True, 1001]])
def test_malformed_links_in_the_state(dense5: LocalNetwork, link: Any) -> None:
    doc = dense5.to_json()
    doc["links"] = [link]
    refused("node.localnet_bad_state", lambda: LocalNetwork.from_json(doc))
    doc["links"] = {}
    refused("node.localnet_bad_state", lambda: LocalNetwork.from_json(doc))
    del doc["links"]  # a state written before links existed
    assert LocalNetwork.from_json(doc) == dense5
