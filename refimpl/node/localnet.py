"""Generate a local validator network: configs, network files, keys, tokens, origin ledger.

MobileCoin: ``tools/local-network/local_network.py`` (which also builds and starts the
processes; here ``mcref network up`` starts them from what this module writes).

Layout under ``base_dir``::

    tokens.json              MOB only, minimum fee 1024 picoMOB, allow_any_fee (test networks)
    origin-ledger/           the signed origin block paying the demo accounts (ledger/origin.py)
    network-state.json       :class:`LocalNetwork` (read by ``mcref network status|down``)
    node{i}/node.toml        the node file (refimpl/node/config.py); paths relative to node{i}
    node{i}/network.json     quorum set, broadcast peers, tx sources, peer_quorum_sets
    node{i}/msg-signer.key   base64 of the PKCS#8 DER Ed25519 message-signing key
    node{i}/archive/         its ledger-distribution directory (made by the node)

Every node listens on 127.0.0.1 with a client, a peer and an admin port from an injectable
allocator (default: :func:`free_ports`, binding port 0). The SCP ``NodeID`` of node ``i`` is its
peer responder id ``127.0.0.1:<peer port>``; topologies are written over the names ``n0`` ..
``n{N-1}`` and translated. ``broadcast_peers`` = the nodes its quorum set names plus the nodes
whose quorum sets name it (peering is symmetric); ``known_peers`` is empty; ``tx_source_urls``
are the ``file://`` URLs of every other node's archive; ``peer_quorum_sets`` lists every other
node's quorum set, so a single node checks the whole network's quorum intersection at start.

With ``links=True`` every ordered pair of peers ``(src, dst)`` also gets a link port (allocated
after the nodes' ports, pairs in node order, each node's peers in node order): ``src``'s network
file names ``dst`` as ``insecure-mcp://127.0.0.1:<link port>/?consensus-msg-key=<dst's key>&
responder-id=<dst's peer responder id>``, so ``src`` dials the link port while ``dst`` keeps its
identity; ``refimpl/node/linkproxy.py`` forwards each link port to ``dst``'s peer port (and can
cut it). The links are recorded in :attr:`LocalNetwork.links`. Without the proxy running, such
a network's peers cannot reach each other.

Topologies (``nodes`` = N; a name may carry its size, ``dense5``, which must equal N):

* ``dense``: every node trusts the N-1 others with threshold ``N-1 - floor((N-1)/3)``: for
  N = 5 that is MobileCoin's ``dense5`` (3 of the 4 others, 4 of 5 with itself). A quorum then
  has ``N - floor((N-1)/3) > N/2`` nodes, so any two intersect, and ``floor((N-1)/3)`` nodes
  may fail.
* ``ring``: node ``i`` trusts its next two neighbours, threshold 1 of 2 (N = 2: 1 of its one
  neighbour; N = 1: nobody). This is not MobileCoin's ``ring5`` (1 of the next node only, whose
  single quorum is the whole ring, so one failure halts it); ours survives one failure. A quorum
  has at least ``ceil(N/2)`` nodes, so rings of 1, 2, 3 and 5 nodes intersect and the others
  (``ring4``: ``{n0, n2}`` and ``{n1, n3}``) are refused by the intersection check.
* a FILE (``Path``): JSON ``{"nodes": {"n0": {"threshold": k, "members": [...]}, ...}}`` with
  exactly the names ``n0`` .. ``n{N-1}``; members are names (never the node itself) or inner
  sets of the same form.

Every generated network is checked for quorum intersection (``config.check_network_
intersection``); disjoint quorums are refused (``node.config_quorums_do_not_intersect``) unless
``allow_non_intersecting_quorums``, which is then written into every node file. Finally every
node file is loaded and validated with ``config.validate_node``.

Determinism: from ``seed``, node ``i``'s message-signing key seed is ``Blake2b256(
"mcref-localnet-msg-signer" || seed || LE32(i))``, the simulated SGX network's seed
``Blake2b256("mcref-localnet-sgx" || seed)``, and the origin block is ``ledger/origin.py``'s with
this seed (``accounts`` demo accounts, ``outputs_per_account`` outputs each). Only the ports vary.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import attrs

from refimpl import safe_json
from refimpl.consensus.scp.types import NodeID, QuorumMember, QuorumSet
from refimpl.crypto.hashing import blake2b256
from refimpl.errors import NodeError, RefImplError
from refimpl.ledger.origin import (
    DEMO_VALUE,
    demo_accounts,
    demo_block_signer,
    demo_root_entropy,
    origin_block,
    origin_contents,
)
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore
from refimpl.node.config import (
    DEFAULT_BLOCK_VERSION,
    DEFAULT_SCP_TIMEBASE_MS,
    check_network_intersection,
    generate_msg_signer_key_file,
    load_node_config,
    parse_node_config,
    parse_tokens_config,
    peer_uri_for,
    quorum_set_to_mobilecoin,
    validate_node,
)

STATE_FILE = "network-state.json"
ORIGIN_DIR = "origin-ledger"
TOKENS_FILE = "tokens.json"
NODE_FILE = "node.toml"
NETWORK_FILE = "network.json"
KEY_FILE = "msg-signer.key"
HOST = "127.0.0.1"
#: The MOB minimum fee of generated networks: low, a multiple of 128, with allow_any_fee.
LOCAL_MINIMUM_FEE = 1024
MAX_NODES = 64
MAX_ACCOUNTS = 1000
MAX_OUTPUTS_PER_ACCOUNT = 1000
STATE_VERSION = 1

_TOPOLOGY_NAME = re.compile(r"(dense|ring)([0-9]*)")

Ports: TypeAlias = Callable[[], int] | Sequence[int]


def _bad_topology(message: str) -> NodeError:
    return NodeError("node.localnet_bad_topology", message)


def node_name(i: int) -> str:
    return f"n{i}"


# --- topologies ------------------------------------------------------------------------------


def dense_quorum_sets(n: int) -> dict[str, QuorumSet]:
    """Every node: ``N-1 - floor((N-1)/3)`` of the N-1 others."""
    others = n - 1
    threshold = others - others // 3
    return {node_name(i): QuorumSet.flat(threshold, [node_name(j) for j in range(n) if j != i])
            for i in range(n)}


def ring_quorum_sets(n: int) -> dict[str, QuorumSet]:
    """Node ``i``: 1 of its next two neighbours (fewer for N < 3)."""
    out: dict[str, QuorumSet] = {}
    for i in range(n):
        nexts = list(dict.fromkeys(node_name((i + k) % n) for k in (1, 2) if (i + k) % n != i))
        out[node_name(i)] = QuorumSet.flat(1 if nexts else 0, nexts)
    return out


def load_topology_file(path: Path, n: int) -> dict[str, QuorumSet]:
    """A FILE topology (module docstring); ``node.localnet_bad_topology`` when malformed."""
    try:
        document = safe_json.parse(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise _bad_topology(f"{path}: cannot read a JSON topology ({type(exc).__name__})") \
            from None
    if not isinstance(document, dict) or set(document) != {"nodes"} or \
            not isinstance(document["nodes"], dict):
        raise _bad_topology(f"{path}: expected {{\"nodes\": {{\"n0\": quorum set, ...}}}}")
    names = {node_name(i) for i in range(n)}
    if set(document["nodes"]) != names:
        raise _bad_topology(f"{path}: the nodes must be exactly n0..n{n - 1} ({n} nodes)")
    out: dict[str, QuorumSet] = {}
    for name, raw in document["nodes"].items():
        try:
            qset = QuorumSet.from_json(raw)
            qset.validate()
        except RefImplError as exc:
            raise _bad_topology(f"{path}: nodes.{name}: {exc.message}") from None
        if name in qset.nodes() or not qset.nodes() <= names:
            raise _bad_topology(f"{path}: nodes.{name}: members must be other nodes of n0..n"
                                f"{n - 1}, not the node itself")
        out[name] = qset
    return {node_name(i): out[node_name(i)] for i in range(n)}


def topology_quorum_sets(topology: str | Path, n: int) -> dict[str, QuorumSet]:
    """``node name -> quorum set`` of a named or FILE topology with ``n`` nodes."""
    _check_range("nodes", n, 1, MAX_NODES)
    if isinstance(topology, str):
        match = _TOPOLOGY_NAME.fullmatch(topology)
        if match is None:
            if not topology.endswith(".json"):
                raise _bad_topology(f"unknown topology {topology!r}: dense, denseN, ring, ringN "
                                    "or a .json file")
            topology = Path(topology)
        else:
            kind, size = match.groups()
            if size and int(size) != n:
                raise _bad_topology(f"topology {topology} has {int(size)} nodes, not {n}")
            return dense_quorum_sets(n) if kind == "dense" else ring_quorum_sets(n)
    return load_topology_file(topology, n)


# --- ports -----------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports the OS reports free on 127.0.0.1 (all sockets are bound at once,
    then closed; another process may take a port before the node binds it)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _allocate(ports: Ports | None, count: int) -> list[int]:
    if ports is None:
        got = free_ports(count)
    elif callable(ports):
        got = [ports() for _ in range(count)]
    else:
        got = list(ports)
    if len(got) != count or len(set(got)) != count or \
            not all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 65535
                    for p in got):
        raise NodeError("node.localnet_bad_ports",
                        f"need {count} distinct ports in 1..65535 (client, peer, admin per "
                        f"node, then one per proxied link), got {got!r}"[:300])
    return got


# --- the recorded network --------------------------------------------------------------------


@attrs.frozen
class LocalNode:
    """One generated validator."""

    name: str
    index: int
    directory: Path
    peer_responder_id: str
    client_responder_id: str
    client_port: int
    peer_port: int
    admin_port: int
    msg_public_key: bytes
    quorum_set: QuorumSet
    """Over peer responder ids."""

    @property
    def config_path(self) -> Path:
        return self.directory / NODE_FILE

    @property
    def archive_dir(self) -> Path:
        return self.directory / "archive"

    @property
    def client_uri(self) -> str:
        return f"insecure-mc://{HOST}:{self.client_port}/"

    @property
    def admin_uri(self) -> str:
        return f"insecure-mca://{HOST}:{self.admin_port}/"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "index": self.index, "directory": str(self.directory),
            "config": str(self.config_path),
            "peer_responder_id": self.peer_responder_id,
            "client_responder_id": self.client_responder_id,
            "client_port": self.client_port, "peer_port": self.peer_port,
            "admin_port": self.admin_port, "msg_public_key": self.msg_public_key.hex(),
            "quorum_set": self.quorum_set.to_json(),
        }


@attrs.frozen
class LocalNetwork:
    """What :func:`generate_local_network` made; saved as ``base_dir/network-state.json``."""

    base_dir: Path
    chain_id: str
    topology: str
    seed: bytes
    sgx_seed: bytes
    nodes: tuple[LocalNode, ...]
    account_root_entropies: tuple[bytes, ...]
    outputs_per_account: int
    value_per_output: int
    minimum_fee: int
    origin_block_id: bytes
    links: tuple[tuple[str, str, int, int], ...] = ()
    """``(src, dst, listen_port, target_port)`` per proxied peer link (``links=True``)."""

    @property
    def origin_ledger(self) -> Path:
        return self.base_dir / ORIGIN_DIR

    @property
    def tokens_path(self) -> Path:
        return self.base_dir / TOKENS_FILE

    def quorum_sets(self) -> dict[NodeID, QuorumSet]:
        """Peer responder id -> quorum set, every node."""
        return {n.peer_responder_id: n.quorum_set for n in self.nodes}

    def node(self, name: str) -> LocalNode:
        for n in self.nodes:
            if name in (n.name, n.directory.name, n.peer_responder_id):
                return n
        raise NodeError("node.localnet_bad_state", f"no node {name!r} in {self.base_dir}")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION, "base_dir": str(self.base_dir),
            "chain_id": self.chain_id, "topology": self.topology, "seed": self.seed.hex(),
            "sgx_seed": self.sgx_seed.hex(), "origin_ledger": str(self.origin_ledger),
            "origin_block_id": self.origin_block_id.hex(), "tokens": str(self.tokens_path),
            "minimum_fee": self.minimum_fee, "outputs_per_account": self.outputs_per_account,
            "value_per_output": self.value_per_output,
            "accounts": [e.hex() for e in self.account_root_entropies],
            "nodes": [n.to_json() for n in self.nodes],
            "links": [list(link) for link in self.links],
        }

    @staticmethod
    def from_json(obj: object) -> LocalNetwork:
        """Parse :meth:`to_json`'s form; ``node.localnet_bad_state`` when malformed."""
        try:
            return _network_from_json(obj)
        except (KeyError, TypeError, ValueError, AttributeError, RefImplError) as exc:
            detail = exc.message if isinstance(exc, RefImplError) else f"{type(exc).__name__} {exc}"
            raise NodeError("node.localnet_bad_state",
                            f"malformed local network state: {detail}"[:300]) from None

    def save(self) -> Path:
        path = self.base_dir / STATE_FILE
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        return path


def _typed(obj: Any, key: str, kind: type) -> Any:
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key} must be {kind.__name__}")
    return value


def _port(obj: Any, key: str) -> int:
    value: int = _typed(obj, key, int)
    if not 1 <= value <= 65535:
        raise ValueError(f"{key} {value} is not a port")
    return value


def _link_from_json(obj: Any) -> tuple[str, str, int, int]:
    if not isinstance(obj, list) or len(obj) != 4:
        raise TypeError("a link is [src, dst, listen_port, target_port]")
    named = dict(zip(("src", "dst", "listen_port", "target_port"), obj, strict=True))
    return (_typed(named, "src", str), _typed(named, "dst", str), _port(named, "listen_port"),
            _port(named, "target_port"))


def _node_from_json(obj: Any) -> LocalNode:
    key = bytes.fromhex(_typed(obj, "msg_public_key", str))
    if len(key) != 32:
        raise ValueError("msg_public_key must be 32 bytes")
    return LocalNode(
        name=_typed(obj, "name", str), index=_typed(obj, "index", int),
        directory=Path(_typed(obj, "directory", str)),
        peer_responder_id=_typed(obj, "peer_responder_id", str),
        client_responder_id=_typed(obj, "client_responder_id", str),
        client_port=_port(obj, "client_port"), peer_port=_port(obj, "peer_port"),
        admin_port=_port(obj, "admin_port"), msg_public_key=key,
        quorum_set=QuorumSet.from_json(obj["quorum_set"]),
    )


def _network_from_json(obj: Any) -> LocalNetwork:
    if _typed(obj, "version", int) != STATE_VERSION:
        raise ValueError(f"version must be {STATE_VERSION}")
    nodes = tuple(_node_from_json(n) for n in _typed(obj, "nodes", list))
    links = tuple(_link_from_json(x) for x in (_typed(obj, "links", list) if "links" in obj
                                               else []))
    names = {n.name for n in nodes}
    if any(src not in names or dst not in names for src, dst, _, _ in links):
        raise ValueError("a link names a node that is not in the network")
    return LocalNetwork(
        base_dir=Path(_typed(obj, "base_dir", str)), chain_id=_typed(obj, "chain_id", str),
        topology=_typed(obj, "topology", str), seed=bytes.fromhex(_typed(obj, "seed", str)),
        sgx_seed=bytes.fromhex(_typed(obj, "sgx_seed", str)),
        nodes=nodes,
        account_root_entropies=tuple(bytes.fromhex(e) for e in _typed(obj, "accounts", list)),
        outputs_per_account=_typed(obj, "outputs_per_account", int),
        value_per_output=_typed(obj, "value_per_output", int),
        minimum_fee=_typed(obj, "minimum_fee", int),
        origin_block_id=bytes.fromhex(_typed(obj, "origin_block_id", str)),
        links=links,
    )


def load_local_network(base_dir: Path) -> LocalNetwork:
    """Read ``base_dir/network-state.json``."""
    path = Path(base_dir) / STATE_FILE
    try:
        document = safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise NodeError("node.localnet_bad_state",
                        f"{path}: cannot read the network state ({type(exc).__name__})") from None
    return LocalNetwork.from_json(document)


# --- writing ---------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_document(table: Mapping[str, str | int | bool]) -> str:
    """A flat TOML table (strings, integers, booleans), keys in the given order."""
    lines = []
    for key, value in table.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = _toml_string(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def _rename(qset: QuorumSet, ids: Mapping[str, str]) -> QuorumSet:
    members: list[QuorumMember] = [_rename(m, ids) if isinstance(m, QuorumSet) else ids[m]
                                   for m in qset.members]
    return QuorumSet(qset.threshold, tuple(members))


def _check_range(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise NodeError("node.localnet_bad_parameter",
                        f"{name} must be in {lo}..{hi}, not {value!r}")


def msg_signer_seed(seed: bytes, i: int) -> bytes:
    """The 32-byte seed of node ``i``'s message-signing key."""
    return blake2b256(b"mcref-localnet-msg-signer", seed, struct.pack("<I", i))


def generate_local_network(
    base_dir: Path,
    nodes: int,
    topology: str | Path,
    seed: bytes,
    ports: Ports | None = None,
    *,
    accounts: int = 20,
    outputs_per_account: int = 1,
    chain_id: str = "local",
    minimum_fee: int = LOCAL_MINIMUM_FEE,
    block_version: int = DEFAULT_BLOCK_VERSION,
    scp_timebase_ms: int = DEFAULT_SCP_TIMEBASE_MS,
    variant: str = "correct",
    scp_debug_dump: bool = True,
    trace_epoch_ms: int | None = None,
    allow_non_intersecting_quorums: bool = False,
    links: bool = False,
) -> LocalNetwork:
    """Write a local network of ``nodes`` validators under ``base_dir`` (which must be absent
    or empty: ``node.localnet_exists``) and return what it wrote (also saved as
    ``network-state.json``). Every parameter and file is checked before anything is written.
    See the module docstring."""
    _check_range("nodes", nodes, 1, MAX_NODES)
    _check_range("accounts", accounts, 1, MAX_ACCOUNTS)
    _check_range("outputs_per_account", outputs_per_account, 1, MAX_OUTPUTS_PER_ACCOUNT)
    named = topology_quorum_sets(topology, nodes)
    if not allow_non_intersecting_quorums:
        witness = check_network_intersection(named)
        if witness is not None:
            raise NodeError("node.config_quorums_do_not_intersect",
                            f"topology {topology}: the quorums {{{', '.join(witness[0])}}} and "
                            f"{{{', '.join(witness[1])}}} are disjoint; pass "
                            "allow_non_intersecting_quorums to generate it anyway")
    base = Path(base_dir).resolve()
    if base.exists() and (not base.is_dir() or any(base.iterdir())):
        raise NodeError("node.localnet_exists", f"{base} exists and is not an empty directory")
    names = [node_name(i) for i in range(nodes)]
    peers_of = {name: [other for other in names if other != name and
                       (other in named[name].nodes() or name in named[other].nodes())]
                for name in names}
    pairs = [(src, dst) for src in names for dst in peers_of[src]] if links else []
    port_list = _allocate(ports, 3 * nodes + len(pairs))
    tokens = {"tokens": [{"token_id": 0, "minimum_fee": minimum_fee, "allow_any_fee": True}]}
    parse_tokens_config(tokens, str(base / TOKENS_FILE))

    sgx_seed = blake2b256(b"mcref-localnet-sgx", seed)
    peer_ports = {name: port_list[3 * i + 1] for i, name in enumerate(names)}
    link_list = tuple((src, dst, port, peer_ports[dst])
                      for (src, dst), port in zip(pairs, port_list[3 * nodes:], strict=True))
    dial = {(src, dst): port for src, dst, port, _ in link_list}
    ids = {name: f"{HOST}:{peer_ports[name]}" for name in names}
    qsets = {name: _rename(named[name], ids) for name in names}
    pubs = {name: signing_key_from_bytes(msg_signer_seed(seed, i)).public_key().public_bytes_raw()
            for i, name in enumerate(names)}
    files: list[tuple[Path, str]] = []
    local_nodes = []
    for i, name in enumerate(names):
        client, peer, admin = port_list[3 * i:3 * i + 3]
        directory = base / f"node{i}"
        peers = peers_of[name]
        network = {
            "quorum_set": quorum_set_to_mobilecoin(qsets[name]),
            "broadcast_peers": [
                peer_uri_for(HOST, dial[(name, p)], pubs[p]) + f"&responder-id={ids[p]}"
                if links else peer_uri_for(HOST, peer_ports[p], pubs[p]) for p in peers],
            "tx_source_urls": [(base / f"node{j}" / "archive").as_uri()
                               for j in range(nodes) if j != i],
            "known_peers": [],
            "peer_quorum_sets": {ids[o]: quorum_set_to_mobilecoin(qsets[o])
                                 for o in names if o != name},
        }
        table: dict[str, str | int | bool] = {
            "chain_id": chain_id,
            "peer_responder_id": ids[name],
            "client_responder_id": f"{HOST}:{client}",
            "msg_signer_key": KEY_FILE,
            "network": NETWORK_FILE,
            "peer_listen_uri": f"insecure-mcp://{HOST}:{peer}/",
            "client_listen_uri": f"insecure-mc://{HOST}:{client}/",
            "admin_listen_uri": f"insecure-mca://{HOST}:{admin}/",
            "ledger_path": "ledger",
            "origin_block_path": f"../{ORIGIN_DIR}",
            "sealed_block_signing_key": "sealed-block-signing-key",
            "tokens": f"../{TOKENS_FILE}",
            "block_version": block_version,
            "archive_dir": "archive",
            "sgx_seed": sgx_seed.hex(),
            "sgx_platform_index": i,
            "scp_timebase_ms": scp_timebase_ms,
            "variant": variant,
            "allow_non_intersecting_quorums": allow_non_intersecting_quorums,
            # a full mesh hears every message first-hand: relaying would only repeat it
            "relay_consensus_msgs": len(peers) < nodes - 1,
        }
        if scp_debug_dump:
            table["scp_debug_dump"] = "scp-debug"
        if trace_epoch_ms is not None:
            table["trace_epoch_ms"] = trace_epoch_ms
        node_toml = toml_document(table)
        parse_node_config(tomllib.loads(node_toml), directory / NODE_FILE)  # refuse early
        files += [(directory / NETWORK_FILE, json.dumps(network, indent=2) + "\n"),
                  (directory / NODE_FILE, node_toml)]
        local_nodes.append(LocalNode(name, i, directory, ids[name], f"{HOST}:{client}", client,
                                     peer, admin, pubs[name], qsets[name]))

    # Everything is known to be well formed: write it.
    base.mkdir(parents=True, exist_ok=True)
    (base / TOKENS_FILE).write_text(json.dumps(tokens, indent=2) + "\n")
    keys = demo_accounts(seed, accounts)
    contents = origin_contents(seed, keys, DEMO_VALUE, outputs_per_account)
    block = origin_block(contents)
    with LedgerStore.create(base / ORIGIN_DIR) as store:
        store.append_block(block, contents, sign(block, demo_block_signer(seed)))
    for i in range(nodes):
        (base / f"node{i}").mkdir()
        generate_msg_signer_key_file(base / f"node{i}" / KEY_FILE, msg_signer_seed(seed, i))
    for path, text in files:
        path.write_text(text)

    result = LocalNetwork(
        base_dir=base, chain_id=chain_id,
        topology=str(topology), seed=seed, sgx_seed=sgx_seed, nodes=tuple(local_nodes),
        account_root_entropies=tuple(demo_root_entropy(seed, i) for i in range(accounts)),
        outputs_per_account=outputs_per_account,
        value_per_output=DEMO_VALUE // outputs_per_account, minimum_fee=minimum_fee,
        origin_block_id=block.id, links=link_list,
    )
    all_qsets = result.quorum_sets()
    for n in local_nodes:  # every node file must load and pass start-up validation
        validate_node(load_node_config(n.config_path), all_qsets)
    result.save()
    return result
