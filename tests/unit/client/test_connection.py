"""The attested client (refimpl/client/connection.py) and the payment flow (pay.py) against a
minimal node built in the test on a real consensus enclave
(refimpl/enclave/consensus_api.py ``ConsensusEnclave.client_accept`` / ``client_tx_propose`` /
``form_block``), a real LMDB ledger, the node's BlockchainAPI servicer and ledger-access API,
all on one grpc server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import grpc
import pytest

from refimpl.client.connection import ConsensusClient, parse_client_uri
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import pay, result_name, submit, wait_for_key_images
from refimpl.client.wallet import Wallet
from refimpl.enclave.consensus_api import SimulatedNetwork
from refimpl.enclave.sgx.quote import ReportBody
from refimpl.errors import CODES, ClientError, RefImplError
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import consensus_common_pb2
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import Tx
from tests.unit.client._mini_node import RESPONDER_ID, MiniNode
from tests.unit.client._serving import TIMEOUT_S, serving_at
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    MINIMUM_FEE,
    WALLETS,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import rng_from

ALICE, BOB = WALLETS[:2]
ORIGIN = origin_outputs()


@attrs.frozen
class Served:
    node: MiniNode
    ledger: LedgerStore
    uri: str
    channel: grpc.Channel
    network: SimulatedNetwork

    def client(self, responder_id: str = RESPONDER_ID) -> ConsensusClient:
        return ConsensusClient(self.uri, responder_id, self.network.verifier(),
                               timeout_s=TIMEOUT_S, rng=rng_from("client"))


@pytest.fixture(scope="module")
def network() -> SimulatedNetwork:
    return SimulatedNetwork.create(b"client tests", 1)


@pytest.fixture
def served(network: SimulatedNetwork, tmp_path: Path) -> Iterator[Served]:
    ledger = create_ledger(tmp_path / "ledger", ORIGIN)
    node = MiniNode(network.locals[0], ledger)
    try:
        with serving_at(node.handlers()) as (channel, port):
            yield Served(node, ledger, f"insecure-mc://127.0.0.1:{port}/", channel, network)
    finally:
        ledger.close()


def payment(ledger: LedgerStore, position: int, seed: str = "pay") -> Tx:
    """A payment to Bob from the ``position``-th origin output Alice, Bob, Carol or Dave own."""
    owner = WALLETS[position // 3]
    owned = scan(ledger, owner)[position % 3]
    return build_payment(ledger, owner, [owned], BOB.default_subaddress(), 1000, rng_from(seed))


# --- attestation --------------------------------------------------------------------------------


def test_attest_verifies_the_nodes_enclave(served: Served) -> None:
    with served.client() as client:
        assert not client.is_attested
        channel_id = client.attest()
        assert client.is_attested and channel_id in served.node.enclave.clients
        identity = client.enclave_identity
        assert isinstance(identity, ReportBody)
        assert identity.mr_enclave == served.network.enclaves[0].mrenclave


def test_an_enclave_outside_the_policy_is_refused(served: Served) -> None:
    other = SimulatedNetwork.create(b"another network", 1).verifier()
    with ConsensusClient(served.uri, RESPONDER_ID, other, timeout_s=TIMEOUT_S) as client:
        with pytest.raises(RefImplError) as info:
            client.attest()
        assert info.value.code.startswith("attest.") and info.value.code in CODES
        assert not client.is_attested


def test_another_responder_id_breaks_the_handshake(served: Served) -> None:
    """The responder id is the Noise prologue: msg 2 does not decrypt under another one."""
    with served.client("127.0.0.1:9999") as client:
        with pytest.raises(RefImplError) as info:
            client.attest()
        assert info.value.code == "crypto.noise_decrypt_failed"


# --- proposing ----------------------------------------------------------------------------------


def test_a_proposed_tx_reaches_the_enclave_and_lands(served: Served) -> None:
    tx = payment(served.ledger, 0)
    with served.client() as client:
        response = client.propose_tx(tx)  # attests on first use
        assert response.result == consensus_common_pb2.Ok, response.err_msg
        assert client.attestations == 1
        assert tx.hash() in served.node.enclave.proposed
        assert response.block_count == served.ledger.num_blocks() == 2
        info = client.last_block_info()
        assert info.index == 1 and info.network_block_version == BLOCK_VERSION
        assert dict(info.minimum_fees) == FEE_MAP
        assert client.get_blocks(0, 10) == [served.ledger.get_block(i) for i in range(2)]


def test_permission_denied_re_attests_once(served: Served) -> None:
    with served.client() as client:
        client.attest()
        served.node.forget_sessions()  # e.g. the node restarted
        assert client.propose_tx(payment(served.ledger, 0)).result == consensus_common_pb2.Ok
        assert client.attestations == 2
        served.node.deny_all = True
        with pytest.raises(ClientError) as info:
            client.propose_tx(payment(served.ledger, 1))
        assert info.value.code == "client.rpc_failed"
        assert "PERMISSION_DENIED" in info.value.message
        assert client.attestations == 3 and not client.is_attested  # one retry, no more


def test_concurrent_proposals_keep_one_session_in_nonce_order(served: Served) -> None:
    """The server opens frames at its own receive counter: concurrent callers must be
    serialized, or frames arrive out of order and are refused."""
    txs = [payment(served.ledger, position, f"concurrent{position}") for position in range(6)]
    with served.client() as client, ThreadPoolExecutor(max_workers=6) as pool:
        client.attest()
        results = list(pool.map(client.propose_tx, txs, timeout=60))
        assert [r.result for r in results] == [consensus_common_pb2.Ok] * len(txs)
        assert client.attestations == 1
    assert served.ledger.num_blocks() == 1 + len(txs)


# --- paying -------------------------------------------------------------------------------------


def test_pay_submits_and_waits_for_the_block(served: Served) -> None:
    source = GrpcLedgerSource(served.channel)
    alice = Wallet(ALICE)
    with served.client() as client:
        done = pay(client, source, alice, BOB.default_subaddress(), 5000, rng=rng_from("p"),
                   timeout_s=TIMEOUT_S, poll_s=0.01)
    assert done.block_index == 1 and done.result_name == "Ok"
    assert done.fee == MINIMUM_FEE  # the node's minimum fee
    assert done.tombstone_block == 1 + 100
    assert done.committed_at >= done.submitted_at and done.latency_s >= 0
    assert served.ledger.check_key_image(done.key_images[0]) == 1
    assert done.to_json()["tx_hash"] == done.tx_hash.hex()
    bob = Wallet(BOB)
    bob.sync(source)
    assert [o.value for o in bob.owned if o.block_index == 1] == [5000]


def test_a_refused_tx_is_a_typed_error_naming_its_result(served: Served) -> None:
    tx = payment(served.ledger, 0)
    with served.client() as client:
        assert submit(client, tx).result == consensus_common_pb2.Ok
        with pytest.raises(ClientError) as info:
            submit(client, tx)  # its key images are spent now
    assert info.value.code == "client.tx_rejected"
    assert info.value.message.startswith("ContainsSpentKeyImage")
    assert result_name(consensus_common_pb2.ContainsSpentKeyImage) == "ContainsSpentKeyImage"
    assert result_name(9999) == "Unknown(9999)"


def test_waiting_ends_typed_on_timeout_and_tombstone(served: Served) -> None:
    source = GrpcLedgerSource(served.channel)
    never = [KeyImage.from_u64(7)]
    with pytest.raises(ClientError) as info:
        wait_for_key_images(source, never, timeout_s=0.0)
    assert info.value.code == "client.timeout"
    with pytest.raises(ClientError) as info:
        wait_for_key_images(source, never, timeout_s=TIMEOUT_S, tombstone_block=1)
    assert info.value.code == "client.tx_expired"


@pytest.mark.parametrize(("uri", "target"), [
    ("insecure-mc://127.0.0.1:3300/", "127.0.0.1:3300"),
    ("insecure-mc://localhost", "localhost:3223"),
    ("insecure-mc://[::1]:5/", "[::1]:5"),
])
def test_client_uris(uri: str, target: str) -> None:
    assert parse_client_uri(uri) == target


@pytest.mark.parametrize("uri", [
    "mc://127.0.0.1:3300/", "insecure-mcp://127.0.0.1:1/", "insecure-mc://127.0.0.1:x/",
    "insecure-mc:///", "insecure-mc://h:1/path", "127.0.0.1:3223", "insecure-mc://h:99999/",
])
def test_bad_client_uris(uri: str) -> None:
    with pytest.raises(ClientError) as info:
        parse_client_uri(uri)
    assert info.value.code == "client.bad_uri"
