"""The node's configuration: node file, network file, peer URIs, tokens, keys, start-up checks.

MobileCoin vectors: ``consensus/service/config/src/lib.rs`` (msg-signer keys), ``network.rs``
(its example network file), ``util/uri/src/lib.rs`` (peer URIs), ``tokens.rs``, ``fee_map.rs``.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import CODES, NodeError
from refimpl.ledger.origin import demo_accounts, demo_block_signer, origin_block, origin_contents
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore
from refimpl.node.config import (
    ADMIN_SCHEMES,
    CLIENT_SCHEMES,
    MOB_MINIMUM_FEE,
    PEER_SCHEMES,
    check_enclave_fee_map,
    check_network_intersection,
    generate_msg_signer_key_file,
    load_msg_signer_key,
    load_network_config,
    load_node_config,
    load_tokens_config,
    load_validated_node,
    parse_listen_uri,
    parse_network_config,
    parse_node_config,
    parse_peer_uri,
    parse_tokens_config,
    peer_uri_for,
    public_key_uri_param,
    quorum_set_from_mobilecoin,
    quorum_set_to_mobilecoin,
    validate_node,
)
from refimpl.node.localnet import toml_document
from tests.unit.node._refusals import refused

SELF = "127.0.0.1:9001"
B, C, D = "127.0.0.1:9002", "127.0.0.1:9003", "127.0.0.1:9004"


def pub(i: int) -> bytes:
    return signing_key_from_bytes(bytes([i]) * 32).public_key().public_bytes_raw()


def peer(rid: str, i: int, extra: str = "") -> str:
    host, port = rid.split(":")
    return peer_uri_for(host, int(port), pub(i)) + extra



def assert_registered(exc: BaseException) -> None:
    assert isinstance(exc, NodeError), repr(exc)
    assert exc.code in CODES and exc.code.startswith("node.config_"), exc.code


# --- fixtures: one node with two peers, written as real files ---------------------------------


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real origin ledger (LMDB) for validate_node's ledger check."""
    path = tmp_path_factory.mktemp("origin") / "ledger"
    contents = origin_contents(b"cfg", demo_accounts(b"cfg", 1))
    block = origin_block(contents)
    with LedgerStore.create(path) as store:
        store.append_block(block, contents, sign(block, demo_block_signer(b"cfg")))
    return path


def network_doc() -> dict[str, Any]:
    return {
        "quorum_set": {"threshold": 2, "members": [{"type": "Node", "args": B},
                                                   {"type": "Node", "args": C}]},
        "broadcast_peers": [peer(B, 2), peer(C, 3)],
        "tx_source_urls": ["file:///tmp/archive-b", "file:///tmp/archive-c"],
    }


def node_table(origin: Path) -> dict[str, Any]:
    return {
        "chain_id": "local",
        "peer_responder_id": SELF,
        "client_responder_id": "127.0.0.1:3001",
        "msg_signer_key": "msg-signer.key",
        "network": "network.json",
        "peer_listen_uri": "insecure-mcp://127.0.0.1:9001/",
        "client_listen_uri": "insecure-mc://127.0.0.1:3001/",
        "ledger_path": "ledger",
        "origin_block_path": str(origin),
        "sealed_block_signing_key": "sealed.key",
        "sgx_seed": "00ff",
        "sgx_platform_index": 0,
    }


def write_node(d: Path, origin: Path, table: dict[str, Any] | None = None,
               network: dict[str, Any] | None = None, tokens: object = None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    generate_msg_signer_key_file(d / "msg-signer.key", bytes([1]) * 32)
    (d / "network.json").write_text(json.dumps(network_doc() if network is None else network))
    table = node_table(origin) if table is None else table
    if tokens is not None:
        (d / "tokens.json").write_text(json.dumps(tokens))
        table = {**table, "tokens": "tokens.json"}
    (d / "node.toml").write_text(toml_document(table))
    return d / "node.toml"


@pytest.fixture
def node_path(tmp_path: Path, origin: Path) -> Path:
    return write_node(tmp_path / "n", origin)


# --- message-signer keys -------------------------------------------------------------------


@pytest.mark.parametrize("encoded", [
    "MC4CAQAwBQYDK2VwBCIEIC50QXQll2Y9qxztvmsUgcBBIxkmk7EQjxzQTa926bKo",  # lib.rs tests
    "MC4CAQAwBQYDK2VwBCIEIFMx+OdFIVsMAXNDuOFtxrl/CiQRIblFjaf4/mQetmrq",
])
def test_mobilecoin_msg_signer_keys_load(tmp_path: Path, encoded: str) -> None:
    path = tmp_path / "k"
    path.write_text(encoded + "\n")
    key = load_msg_signer_key(path)
    assert key.private_bytes_raw() == base64.b64decode(encoded)[-32:]
    path.write_text(encoded[:40] + "\n" + encoded[40:] + "\n")  # base64 wraps long lines
    assert load_msg_signer_key(path).private_bytes_raw() == key.private_bytes_raw()


def test_generated_key_file_is_deterministic_and_loads(tmp_path: Path) -> None:
    a = generate_msg_signer_key_file(tmp_path / "a", b"\x07" * 32)
    generate_msg_signer_key_file(tmp_path / "b", b"\x07" * 32)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert (tmp_path / "a").read_text().startswith("MC4CAQAwBQYDK2VwBCIEI")
    assert load_msg_signer_key(tmp_path / "a").private_bytes_raw() == a.private_bytes_raw() \
        == b"\x07" * 32
    refused("node.config_bad_msg_signer_key",
            lambda: generate_msg_signer_key_file(tmp_path / "c", b"short"))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_key_file_and_uri_key_agree_with_openssl(tmp_path: Path) -> None:
    """openssl reads our key file as PKCS#8 DER and derives the SPKI our URI parameter holds."""
    key = generate_msg_signer_key_file(tmp_path / "k", b"\x09" * 32)
    (tmp_path / "k.der").write_bytes(base64.b64decode((tmp_path / "k").read_text()))
    spki = subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", str(tmp_path / "k.der"),
                           "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout
    param = public_key_uri_param(key.public_key().public_bytes_raw())
    assert base64.urlsafe_b64decode(param) == spki


def _p256_der(private: bool) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    if private:
        return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("content", [
    b"", b"not base64!", b"AAAA", base64.b64encode(b"\x30\x00"),
    base64.b64encode(_p256_der(private=True)),  # PKCS#8 DER, but not Ed25519
    b"\xff\xfe",
    b"MC4CAQAwBQYDK2VwBCIEIC50QXQll2Y9qxztvmsUgcBBIxkmk7EQjxzQTa926bKoAAAA",  # trailing data
    b"MC4CAQAwBQYDK2VwBCIEIC50QXQll2Y9qxztvmsUgcBBIxkmk7EQjxzQTa926bK",  # truncated
])
def test_bad_key_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "k"
    path.write_bytes(content)
    refused("node.config_bad_msg_signer_key", lambda: load_msg_signer_key(path), str(path))


def test_missing_key_file_is_refused(tmp_path: Path) -> None:
    refused("node.config_bad_msg_signer_key", lambda: load_msg_signer_key(tmp_path / "none"))


@given(st.binary(max_size=120))
def test_random_key_files_are_refused(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "k"
        path.write_bytes(content)
        try:
            load_msg_signer_key(path)
        except Exception as exc:  # noqa: BLE001 - the point is the exception's type
            assert_registered(exc)


# --- URIs ----------------------------------------------------------------------------------


def test_mobilecoin_peer_uri_vectors() -> None:
    # util/uri/src/lib.rs: URL-safe base64 of the SPKI DER -> these raw key bytes
    uri = parse_peer_uri("mcp://node1.test.mobilecoin.com/?consensus-msg-key="
                         "MCowBQYDK2VwAyEA7ge_uIUtt3Us9T_xnERgSy9kb1NxdbDhxLsIPN-FA30=")
    assert uri.responder_id == "node1.test.mobilecoin.com:8443" and uri.tls
    assert uri.consensus_msg_key == bytes([
        238, 7, 191, 184, 133, 45, 183, 117, 44, 245, 63, 241, 156, 68, 96, 75, 47,
        100, 111, 83, 113, 117, 176, 225, 196, 187, 8, 60, 223, 133, 3, 125])
    assert uri.broadcast_consensus_msgs and not uri.relay_incoming_txs
    hexed = parse_peer_uri("insecure-mcp://127.0.0.1/?consensus-msg-key="
                           + uri.consensus_msg_key.hex())
    assert hexed.addr == "127.0.0.1:8080" and not hexed.tls
    assert hexed.consensus_msg_key == uri.consensus_msg_key
    # network.rs example: no trailing slash, padded URL-safe base64
    ex = parse_peer_uri("insecure-mcp://0.0.0.0:8082?consensus-msg-key="
                        "MCowBQYDK2VwAyEA_ii3rCch5qhMbLZ2vVgpQr1iTrq1BBN2-i0mMPuAJhQ=")
    assert ex.responder_id == "0.0.0.0:8082"
    assert ex.consensus_msg_key == base64.b64decode(
        "MCowBQYDK2VwAyEA/ii3rCch5qhMbLZ2vVgpQr1iTrq1BBN2+i0mMPuAJhQ=")[-32:]


def test_peer_uri_parameters() -> None:
    key = public_key_uri_param(pub(5))
    uri = parse_peer_uri(f"insecure-mcp://10.0.0.1:7000/?consensus-msg-key={key}"
                         "&responder-id=peer5.example:443&broadcast-consensus-msgs=0"
                         "&consensus-relay-incoming-txs=true")
    assert (uri.host, uri.port, uri.responder_id) == ("10.0.0.1", 7000, "peer5.example:443")
    assert not uri.broadcast_consensus_msgs and uri.relay_incoming_txs
    assert uri.consensus_msg_key == pub(5)
    assert parse_peer_uri(f"insecure-mcp://[::1]:7/?consensus-msg-key={key}").responder_id \
        == "[::1]:7"
    assert parse_peer_uri(peer_uri_for("h", 1, pub(5))).consensus_msg_key == pub(5)
    assert parse_peer_uri(f"mcp://h/?consensus-msg-key={key.rstrip('=')}").port == 8443


@pytest.mark.parametrize("text,code", [
    # util/uri/src/lib.rs invalid peer URIs
    ("http://127.0.0.1/", "node.config_bad_uri"),
    ("127.0.0.1", "node.config_bad_uri"),
    ("127.0.0.1:12345", "node.config_bad_uri"),
    ("mcp://", "node.config_bad_uri"),
    ("mcp:///", "node.config_bad_uri"),
    ("mcp://    /", "node.config_bad_uri"),
    # ours
    ("insecure-mc://h:1/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:1/", "node.config_missing_msg_key"),
    ("insecure-mcp://h:1/?consensus-msg-key=", "node.config_missing_msg_key"),
    ("insecure-mcp://h:0/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:65536/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:x/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://u@h:1/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:1/path?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=K#frag", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=K&consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=K&typo=1", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=K&broadcast-consensus-msgs=yes",
     "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=K&responder-id=nohost", "node.config_bad_responder_id"),
    ("insecure-mcp://[::1/?consensus-msg-key=K", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=MCowBQYDK2VwAyEA", "node.config_bad_uri"),
    ("insecure-mcp://h:1/?consensus-msg-key=MCowBQYDK2VwAyEA/ii3rCch5qhMbLZ2vVgpQr1iTrq1BBN2+i0m"
     "MPuAJhQ=", "node.config_bad_uri"),  # standard alphabet: '/' and '+' are not URL-safe
])
def test_bad_peer_uris_are_refused(text: str, code: str) -> None:
    text = text.replace("=K", "=" + public_key_uri_param(pub(4)))
    refused(code, lambda: parse_peer_uri(text, "net.json", "broadcast_peers[0]"),
            "net.json", "broadcast_peers[0]")


def test_non_ed25519_msg_key_is_refused() -> None:
    p256 = base64.urlsafe_b64encode(_p256_der(private=False)).decode()
    refused("node.config_bad_uri",
            lambda: parse_peer_uri(f"insecure-mcp://h:1/?consensus-msg-key={p256}"), "Ed25519")


def test_listen_uris_use_their_own_schemes() -> None:
    assert parse_listen_uri("insecure-mc://0.0.0.0/", CLIENT_SCHEMES).port == 3223
    assert parse_listen_uri("mc://h/", CLIENT_SCHEMES).port == 443
    assert parse_listen_uri("insecure-mca://h/", ADMIN_SCHEMES).port == 9090
    assert parse_listen_uri("mcp://h/?tls-chain=a&tls-key=b", PEER_SCHEMES).tls
    refused("node.config_bad_uri",
            lambda: parse_listen_uri("insecure-mcp://h:1/", CLIENT_SCHEMES, "n.toml",
                                     "client_listen_uri"), "client_listen_uri")


@given(st.text(max_size=80) | st.builds(lambda s: "insecure-mcp://" + s, st.text(max_size=80)))
def test_random_uris_parse_or_raise_a_typed_error(text: str) -> None:
    for parse in (lambda: parse_peer_uri(text),
                  lambda: parse_listen_uri(text, PEER_SCHEMES)):
        try:
            parse()
        except Exception as exc:  # noqa: BLE001
            assert_registered(exc)


# --- the network file ----------------------------------------------------------------------

NETWORK_RS_TOML = """
broadcast_peers = [
    "insecure-mcp://0.0.0.0:8082?consensus-msg-key=MCowBQYDK2VwAyEA_ii3rCch5qhMbLZ2vVgpQr1iTrq1BBN2-i0mMPuAJhQ=",
    "insecure-mcp://0.0.0.0:8083?consensus-msg-key=MCowBQYDK2VwAyEA9C-J6AUm9XnSjrGEhplQpp_jMPNwIxBovFJrJRXtoVA=",
]
tx_source_urls = ["file:///tmp/dump"]
known_peers = [
    "insecure-mcp://0.0.0.0:8084?consensus-msg-key=MCowBQYDK2VwAyEAzxKNVxaVfJ4xELeA1bQ-aa-2HkcYyX2pDGcCqW9mzoo=",
]
quorum_set = { threshold = 2, members = [
    { type = "Node", args = "0.0.0.0:8082" },
    { type = "Node", args = "0.0.0.0:8083" },
    { type = "InnerSet", args = { threshold = 1, members = [
        { type = "Node", args = "0.0.0.0:8084" },
    ] } },
] }
"""  # noqa: E501 - network.rs's own example


def test_network_rs_example_in_toml_and_json(tmp_path: Path) -> None:
    (tmp_path / "network.toml").write_text(NETWORK_RS_TOML)
    (tmp_path / "network.json").write_text(json.dumps(tomllib.loads(NETWORK_RS_TOML)))
    a = load_network_config(tmp_path / "network.toml", "0.0.0.0:8081")
    b = load_network_config(tmp_path / "network.json", "0.0.0.0:8081")
    assert a.quorum_set == b.quorum_set == QuorumSet(2, (
        "0.0.0.0:8082", "0.0.0.0:8083", QuorumSet(1, ("0.0.0.0:8084",))))
    assert dict(a.peer_keys) == dict(b.peer_keys)
    assert a.peer_keys["0.0.0.0:8082"] == base64.b64decode(
        "MCowBQYDK2VwAyEA/ii3rCch5qhMbLZ2vVgpQr1iTrq1BBN2+i0mMPuAJhQ=")[-32:]
    assert a.known_peers is not None and len(a.known_peers) == 1
    assert quorum_set_from_mobilecoin(quorum_set_to_mobilecoin(a.quorum_set)) == a.quorum_set
    # network.rs's empty example parses, but threshold 2 of no members is invalid
    empty = {"broadcast_peers": [], "tx_source_urls": [],
             "quorum_set": {"threshold": 2, "members": []}}
    refused("node.config_bad_quorum_set",
            lambda: parse_network_config(empty, tmp_path / "e.json", SELF), "threshold")


def _net(**changes: Any) -> dict[str, Any]:
    doc = network_doc()
    doc.update(changes)
    return doc


NETWORK_REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("self among peers", _net(broadcast_peers=[peer(B, 2), peer(SELF, 1)]),
     "node.config_known_peers_contains_self"),
    ("self among known", _net(known_peers=[peer(SELF, 1)]),
     "node.config_known_peers_contains_self"),
    ("duplicate", _net(broadcast_peers=[peer(B, 2), peer(C, 3), peer(B, 2)]),
     "node.config_duplicate_responder_id"),
    ("mismatch", _net(known_peers=[peer(C, 9)]), "node.config_node_id_mismatch"),
    ("no tx sources", _net(tx_source_urls=[]), "node.config_missing_tx_source_urls"),
    ("unknown member", _net(broadcast_peers=[peer(B, 2)]), "node.config_unknown_quorum_member"),
    ("self in qset", _net(quorum_set={"threshold": 1, "members": [
        {"type": "Node", "args": SELF}, {"type": "Node", "args": B}]}),
     "node.config_self_in_quorum_set"),
    ("threshold", _net(quorum_set={"threshold": 3, "members": [
        {"type": "Node", "args": B}, {"type": "Node", "args": C}]}),
     "node.config_bad_quorum_set"),
    ("empty inner", _net(quorum_set={"threshold": 1, "members": [
        {"type": "InnerSet", "args": {"threshold": 0, "members": []}}]}),
     "node.config_bad_quorum_set"),
    ("bad member type", _net(quorum_set={"threshold": 1, "members": [
        {"type": "Validator", "args": B}]}), "node.config_bad_quorum_set"),
    ("member twice", _net(quorum_set={"threshold": 1, "members": [
        {"type": "Node", "args": B}, {"type": "Node", "args": B}]}), "node.config_bad_quorum_set"),
    ("no key", _net(broadcast_peers=[peer(B, 2), "insecure-mcp://127.0.0.1:9003/"]),
     "node.config_missing_msg_key"),
    ("bad tx source", _net(tx_source_urls=["ftp://x"]), "node.config_bad_uri"),
    ("unknown field", _net(peers=[]), "node.config_unknown_field"),
    ("bad peer_quorum_sets", _net(peer_quorum_sets={SELF: {"threshold": 0, "members": []}}),
     "node.config_bad_value"),
    ("missing quorum set", {k: v for k, v in network_doc().items() if k != "quorum_set"},
     "node.config_missing_field"),
    ("peers not a list", _net(broadcast_peers="x"), "node.config_bad_type"),
    ("qset responder id", _net(quorum_set={"threshold": 1, "members": [
        {"type": "Node", "args": "nohost"}]}), "node.config_bad_responder_id"),
]


@pytest.mark.parametrize("name,doc,code", NETWORK_REFUSALS, ids=[r[0] for r in NETWORK_REFUSALS])
def test_network_refusals(tmp_path: Path, name: str, doc: dict[str, Any], code: str) -> None:
    path = tmp_path / "network.json"
    path.write_text(json.dumps(doc))
    refused(code, lambda: load_network_config(path, SELF), str(path))


@pytest.mark.parametrize("name,content", [
    ("network", "{}"), ("network.yaml", "{}"), ("network.json", "{"),
    ("network.toml", "quorum_set = "), ("network.json", "[]"), ("network.json", "NaN"),
])
def test_network_file_format_refusals(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content)
    err = refused("node.config_bad_file" if name != "network.json" or content != "[]"
                  else "node.config_bad_type", lambda: load_network_config(tmp_path / name, SELF))
    assert name in err.message


def _mutations() -> st.SearchStrategy[Any]:
    scalar = st.none() | st.booleans() | st.integers(-3, 2**65) | st.text(max_size=12) | \
        st.sampled_from([B, C, SELF, "Node", "InnerSet", peer(B, 2), peer(D, 7)])
    return st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) |
                        st.dictionaries(st.sampled_from(
                            ["threshold", "members", "type", "args", B, "x"]), inner, max_size=3),
                        max_leaves=8)


def _corrupt(doc: Any, path: list[int], value: Any) -> Any:
    """Replace the node reached by following ``path`` (indices modulo the sizes) by ``value``."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    out = copy.copy(doc)
    out[key] = _corrupt(doc[key], path[1:], value)
    return out


@given(st.lists(st.integers(0, 10), max_size=5), _mutations())
def test_corrupted_network_files_raise_typed_errors(path: list[int], value: Any) -> None:
    doc = _corrupt(network_doc(), path, value)
    try:
        parse_network_config(doc, Path("network.json"), SELF)
    except Exception as exc:  # noqa: BLE001
        assert_registered(exc)


# --- tokens --------------------------------------------------------------------------------


def test_default_tokens_are_mob_at_400_micromob() -> None:
    assert load_tokens_config(None).fee_map() == {0: MOB_MINIMUM_FEE} == {0: 400_000_000}


@pytest.mark.parametrize("doc,fees", [
    ({"tokens": [{"token_id": 0}]}, {0: 400_000_000}),  # tokens.rs: MOB's default fee
    ({"tokens": [{"token_id": 0, "minimum_fee": 123_008}]}, {0: 123_008}),
    ({"tokens": [{"token_id": 0, "minimum_fee": 1024, "allow_any_fee": True},
                 {"token_id": 6, "minimum_fee": 456_064}]}, {0: 1024, 6: 456_064}),
    ({"tokens": [{"token_id": 0, "minimum_fee": 128, "allow_any_fee": True}],
      "governors_signature": ""}, {0: 128}),
])
def test_tokens_accepted(doc: dict[str, Any], fees: dict[int, int]) -> None:
    assert parse_tokens_config(doc).fee_map() == fees


@pytest.mark.parametrize("doc,code", [
    ({"tokens": []}, "node.config_missing_mob_token"),
    ({"tokens": [{"token_id": 1, "minimum_fee": 123_008}]}, "node.config_missing_mob_token"),
    ({"tokens": [{"token_id": 0}, {"token_id": 0}]}, "node.config_duplicate_token"),
    ({"tokens": [{"token_id": 0}, {"token_id": 2}]}, "node.config_missing_minimum_fee"),
    ({"tokens": [{"token_id": 0, "minimum_fee": 1024}]}, "node.config_fee_out_of_bounds"),
    ({"tokens": [{"token_id": 0, "minimum_fee": 10**12}]}, "node.config_fee_out_of_bounds"),
    ({"tokens": [{"token_id": 0}, {"token_id": 2, "minimum_fee": 1024, "allow_any_fee": True}]},
     "node.config_allow_any_fee_not_allowed"),
    ({"tokens": [{"token_id": 0, "minimum_fee": 100, "allow_any_fee": True}]},
     "node.config_bad_fee_map"),
    ({"tokens": [{"token_id": 0, "minimum_fee": 1023, "allow_any_fee": True}]},
     "node.config_bad_fee_map"),  # fee_map.rs: InvalidFeeNotDivisible(Mob, 1023)
    ({"tokens": [{"token_id": 0}, {"token_id": 2, "minimum_fee": 80_001}]},
     "node.config_bad_fee_map"),
    ({"tokens": [{"token_id": 0}, {"token_id": 2, "minimum_fee": 1024, "governors": {
        "signers": "", "threshold": 1}}]}, "node.config_minting_unsupported"),
    ({"tokens": [{"token_id": 0}], "governors_signature": "ab" * 64},
     "node.config_minting_unsupported"),
    ({"tokens": [{"token_id": 0, "fee": 1}]}, "node.config_unknown_field"),
    ({"tokens": [{"token_id": -1}]}, "node.config_bad_value"),
    ({"tokens": [{"token_id": "0"}]}, "node.config_bad_type"),
    ({"tokens": [{"token_id": 0, "allow_any_fee": 1}]}, "node.config_bad_type"),
    ({"tokens": {"token_id": 0}}, "node.config_bad_type"),
    ({}, "node.config_missing_field"),
])
def test_tokens_refused(doc: dict[str, Any], code: str) -> None:
    refused(code, lambda: parse_tokens_config(doc, "tokens.json"), "tokens.json")


def test_enclave_fee_map_rule() -> None:
    check_enclave_fee_map({0: 1024, 2: 3072})  # fee_map.rs valid maps
    for fees in ({0: 0}, {0: 10}, {0: 1024, 2: 0}, {0: 1023}, {0: 1024, 2: 80_001}, {2: 1024}):
        refused("node.config_bad_fee_map", lambda fees=fees: check_enclave_fee_map(fees))


@given(st.lists(_mutations(), max_size=3), st.lists(st.integers(0, 10), max_size=4),
       _mutations())
def test_random_tokens_raise_typed_errors(entries: list[Any], path: list[int], value: Any) -> None:
    doc = _corrupt({"tokens": [{"token_id": 0, "minimum_fee": 1024, "allow_any_fee": True},
                               *entries]}, path, value)
    try:
        fees = parse_tokens_config(doc).fee_map()
    except Exception as exc:  # noqa: BLE001
        assert_registered(exc)
    else:
        assert 0 in fees and all(f >= 128 and f % 128 == 0 for f in fees.values())


# --- the node file -------------------------------------------------------------------------


def test_node_config_defaults_and_relative_paths(node_path: Path, origin: Path) -> None:
    config = load_node_config(node_path)
    d = node_path.parent.resolve()
    assert config.path == node_path.resolve()
    assert config.network == d / "network.json" and config.ledger_path == d / "ledger"
    assert config.origin_block_path == origin and config.tokens is None
    assert (config.block_version, config.scp_timebase_ms, config.variant) == (3, 1000, "correct")
    assert not config.allow_non_intersecting_quorums and config.admin_listen_uri is None
    assert config.peer_listen_uri.addr == "127.0.0.1:9001"
    assert config.sgx_seed == b"\x00\xff" and config.trace_epoch_ms is None
    table = node_table(origin)
    del table["peer_listen_uri"], table["client_listen_uri"]
    defaults = parse_node_config(table, node_path)
    assert defaults.peer_listen_uri.addr == "0.0.0.0:8080"  # MobileCoin's flag defaults
    assert defaults.client_listen_uri.addr == "0.0.0.0:3223"


def test_validate_node_gives_everything_the_node_needs(node_path: Path) -> None:
    node = load_validated_node(node_path)
    assert node.node_id == SELF
    assert node.quorum_set == QuorumSet(2, (B, C))
    assert dict(node.peer_keys) == {B: pub(2), C: pub(3)}
    assert node.fee_map() == {0: 400_000_000}
    assert node.msg_public_key == pub(1)
    assert set(node.checked_quorum_sets) == {SELF}


NODE_REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown", {"client_auth_token_secret": "00"}, "node.config_unknown_field",
     "client_auth_token_secret"),
    ("missing", {"chain_id": None}, "node.config_missing_field", "chain_id"),
    ("type", {"sgx_platform_index": "0"}, "node.config_bad_type", "sgx_platform_index"),
    ("bool type", {"allow_non_intersecting_quorums": 1}, "node.config_bad_type",
     "allow_non_intersecting_quorums"),
    ("empty", {"ledger_path": ""}, "node.config_bad_value", "ledger_path"),
    ("variant", {"variant": "stellar"}, "node.config_bad_value", "variant"),
    ("block version", {"block_version": 5}, "node.config_bad_value", "block_version"),
    ("timebase", {"scp_timebase_ms": 0}, "node.config_bad_value", "scp_timebase_ms"),
    ("seed", {"sgx_seed": "abc"}, "node.config_bad_value", "sgx_seed"),
    ("peer uri", {"peer_listen_uri": "insecure-mc://h:1/"}, "node.config_bad_uri",
     "peer_listen_uri"),
    ("admin uri", {"admin_listen_uri": "insecure-mcp://h:1/"}, "node.config_bad_uri",
     "admin_listen_uri"),
    ("responder id", {"client_responder_id": "localhost"}, "node.config_bad_responder_id",
     "client_responder_id"),
]


@pytest.mark.parametrize("name,changes,code,field", NODE_REFUSALS,
                         ids=[r[0] for r in NODE_REFUSALS])
def test_node_file_refusals(tmp_path: Path, origin: Path, name: str, changes: dict[str, Any],
                            code: str, field: str) -> None:
    table = {k: v for k, v in {**node_table(origin), **changes}.items() if v is not None}
    path = write_node(tmp_path / "n", origin, table)
    refused(code, lambda: load_node_config(path), str(path), field)


@pytest.mark.parametrize("content", ["chain_id = ", "x = 1\nx = 2", "\xff", "[a"])
def test_malformed_node_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "node.toml"
    path.write_text(content, errors="surrogateescape")
    refused("node.config_bad_file", lambda: load_node_config(path), str(path))
    refused("node.config_bad_file", lambda: load_node_config(tmp_path / "node.json"))


def test_missing_files_named_by_the_node_file(tmp_path: Path, origin: Path) -> None:
    path = write_node(tmp_path / "n", origin, tokens={"tokens": [{"token_id": 0}]})
    validate_node(load_node_config(path))
    (path.parent / "tokens.json").unlink()
    refused("node.config_bad_file", lambda: validate_node(load_node_config(path)), "tokens.json")
    (path.parent / "network.json").unlink()
    refused("node.config_bad_file", lambda: validate_node(load_node_config(path)), "network.json")


def test_a_node_without_any_ledger_is_refused(tmp_path: Path, origin: Path) -> None:
    table = {**node_table(origin), "origin_block_path": "nowhere"}
    path = write_node(tmp_path / "n", origin, table)
    refused("node.config_no_ledger", lambda: validate_node(load_node_config(path)),
            "origin_block_path")
    del table["origin_block_path"]
    path = write_node(tmp_path / "m", origin, table)
    refused("node.config_no_ledger", lambda: validate_node(load_node_config(path)))
    shutil.copytree(origin, path.parent / "ledger")  # a ledger of its own suffices
    validate_node(load_node_config(path))


# --- quorum intersection -------------------------------------------------------------------


def test_check_network_intersection() -> None:
    assert check_network_intersection({}) is None
    dense = {n: QuorumSet(2, tuple(m for m in "abcd" if m != n)) for n in "abcd"}
    assert check_network_intersection(dense) is None
    split = {"a": QuorumSet(1, ("b",)), "b": QuorumSet(1, ("a",)),
             "c": QuorumSet(1, ("d",)), "d": QuorumSet(1, ("c",))}
    witness = check_network_intersection(split)
    assert witness is not None and set(map(frozenset, witness)) == {
        frozenset("ab"), frozenset("cd")}
    # a node whose quorum set alone is known is in every quorum
    assert check_network_intersection({"a": QuorumSet(1, ("b",))}) is None


def _split_network(peer_qsets: bool) -> dict[str, Any]:
    """This node needs B; C and D trust only each other."""
    doc = _net(quorum_set={"threshold": 1, "members": [{"type": "Node", "args": B}]},
               known_peers=[peer(D, 7)])
    if peer_qsets:
        doc["peer_quorum_sets"] = {
            B: quorum_set_to_mobilecoin(QuorumSet(1, (SELF,))),
            C: quorum_set_to_mobilecoin(QuorumSet(1, (D,))),
            D: quorum_set_to_mobilecoin(QuorumSet(1, (C,)))}
    return doc


def test_disjoint_quorums_are_refused_with_the_witness(tmp_path: Path, origin: Path) -> None:
    path = write_node(tmp_path / "a", origin, network=_split_network(peer_qsets=True))
    err = refused("node.config_quorums_do_not_intersect",
                  lambda: validate_node(load_node_config(path)), "allow_non_intersecting_quorums")
    assert f"{{{SELF}, {B}}}" in err.message and f"{{{C}, {D}}}" in err.message
    config = attrs.evolve(load_node_config(path), allow_non_intersecting_quorums=True)
    assert len(validate_node(config).checked_quorum_sets) == 4
    # the same network told only this node's quorum set: nothing to find
    path = write_node(tmp_path / "b", origin, network=_split_network(peer_qsets=False))
    validate_node(load_node_config(path))
    # ... and told the others' sets by the caller (as `mcref network up` does)
    others = {B: QuorumSet(1, (SELF,)), C: QuorumSet(1, (D,)), D: QuorumSet(1, (C,))}
    refused("node.config_quorums_do_not_intersect",
            lambda: validate_node(load_node_config(path), others))
    refused("node.config_bad_quorum_set",
            lambda: validate_node(load_node_config(path), {C: QuorumSet(2, (D,))}), C)


# --- random corruption of a whole node -----------------------------------------------------


@pytest.fixture(scope="module")
def corruption_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("corrupt")


_FIELDS = sorted(node_table(Path("/x"))) + [
    "tokens", "block_version", "variant", "admin_listen_uri", "scp_timebase_ms", "unknown_key",
    "archive_dir"]


@given(field=st.sampled_from(_FIELDS),
       value=st.none() | st.booleans() | st.integers(-2, 2**64) | st.floats(allow_nan=False) |
       st.text(max_size=20) | st.lists(st.integers(0, 3), max_size=2) |
       st.sampled_from(["network.json", "msg-signer.key", "../", "tokens.json", "node.toml",
                        "insecure-mca://h:1/", "correct", "mobilecoin", "0a"]))
def test_corrupted_node_files_raise_typed_errors(corruption_dir: Path, origin: Path, field: str,
                                                 value: Any) -> None:
    d = Path(tempfile.mkdtemp(dir=corruption_dir))
    path = write_node(d, origin, tokens={"tokens": [{"token_id": 0}]})
    table = {k: v for k, v in tomllib.loads(path.read_text()).items() if k != field}
    text = toml_document(table)
    if isinstance(value, str | int):  # booleans too
        text += toml_document({field: value})
    elif value is not None:  # floats and lists: their JSON is their TOML
        text += f"{field} = {json.dumps(value)}\n"
    path.write_text(text)
    try:
        validate_node(load_node_config(path))
    except Exception as exc:  # noqa: BLE001
        assert_registered(exc)
    shutil.rmtree(d)


@given(st.text(max_size=200))
def test_random_toml_raises_typed_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "node.toml"
        path.write_text(text, errors="surrogatepass")
        try:
            load_node_config(path)
        except Exception as exc:  # noqa: BLE001
            assert_registered(exc)
