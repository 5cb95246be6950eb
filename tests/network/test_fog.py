"""Fog end to end on a local network of real processes: validators, ingest, report, a view
router over two block-range stores, ledger; phone-style clients that never download a block.

Alice and Bob are fog-enabled demo accounts (their addresses name the network's report server
and sign the operator's root key). Alice is funded by a full-ledger wallet paying her fog
address (the sender validates the report and encrypts the hint to the ingest key); from then
on Alice and Bob use only fog (view, ledger, report) plus the node's ``GetLastBlockInfo`` and
``ClientTxPropose``. The nodes' own request counters show that no block, TxOut or key image
was read from a validator while they did so.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import decode_compressed_ristretto
from refimpl.client.connection import ConsensusClient
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import pay
from refimpl.client.wallet import Wallet
from refimpl.fog.client.client import FogClient
from refimpl.fog.client.network_state import FogNetworkState
from refimpl.fog.ingest.client import IngestAdminClient
from refimpl.fog.localnet import LocalFog, add_fog_services, generate_local_fog
from refimpl.fog.report.client import fetch_reports
from refimpl.fog.report.validate import ingest_report_verifier, resolve_fog_keys
from refimpl.node.enclave import network_verifier
from refimpl.node.localnet import LocalNetwork
from refimpl.node.supervisor import Supervisor, admin_metrics
from tests.network._net import WAIT_S, account, running_network

pytestmark = pytest.mark.slow

FUNDING = 5_000_000_000
#: node RPCs that hand out ledger contents (blocks, TxOuts, key images)
BLOCK_DOWNLOAD_METHODS = ("GetBlocks", "GetBlockContents", "GetTxOuts", "CheckKeyImages")
#: client-side method paths that would be a block download from a validator
VALIDATOR_LEDGER_PATHS = ("/consensus_common.BlockchainAPI/GetBlocks",
                          "/mcref_ledger.LedgerAccessAPI/")


@contextlib.contextmanager
def fog_network(tmp_path: Path) -> Iterator[tuple[LocalNetwork, Supervisor, LocalFog]]:
    """A 3-node network with fog; every process is stopped (and checked stopped) at the end."""
    with running_network(tmp_path / "net", 3, accounts=4, outputs_per_account=3) as (
            network, supervisor):
        fog = generate_local_fog(network, view_shards=2, shard_blocks=3)
        names = add_fog_services(supervisor, fog)
        try:
            supervisor.start_services()
            supervisor.wait_serving(names, timeout_s=WAIT_S)
            yield network, supervisor, fog
        finally:
            for name in names:
                supervisor.stop(name)
            assert not set(names) & set(supervisor.running())


def fog_state(network: LocalNetwork) -> FogNetworkState:
    return FogNetworkState.from_json(
        json.loads((network.base_dir / "network-state.json").read_text()))


def fog_account(network: LocalNetwork, i: int) -> AccountKey:
    return fog_state(network).account(network.account_root_entropies[i])


def fog_client(network: LocalNetwork, who: AccountKey) -> FogClient:
    state = fog_state(network)
    node = network.nodes[0]
    consensus = ConsensusClient(node.client_uri, node.client_responder_id,
                                network_verifier(network.sgx_seed))
    return FogClient.connect(who, state.endpoints, network.sgx_seed, consensus=consensus)


def fund(network: LocalNetwork, to: AccountKey, amount: int = FUNDING) -> int:
    """A full-ledger wallet (demo account 0) pays ``to``'s fog address; returns the block."""
    node = network.nodes[0]
    with ConsensusClient(node.client_uri, node.client_responder_id,
                         network_verifier(network.sgx_seed)) as client:
        source = GrpcLedgerSource(client.channel)
        recipient = to.default_subaddress()
        resolver = resolve_fog_keys([recipient], fetch_reports,
                                    ingest_report_verifier(network.sgx_seed),
                                    source.num_blocks())
        payment = pay(client, source, Wallet(account(network, 0)), recipient, amount,
                      timeout_s=WAIT_S, poll_s=0.1, fog_resolver=resolver)
    return payment.block_index


_NUM_REQ = re.compile(r'^consensus_service_num_req(?:_total)?\{method="(\w+)"\} ([0-9.e+]+)$')


def ledger_reads(network: LocalNetwork) -> int:
    """Requests for blocks, TxOuts or key images the nodes have answered, all nodes summed."""
    total = 0
    for node in network.nodes:
        text = admin_metrics(node) or ""
        for line in text.splitlines():
            found = _NUM_REQ.match(line)
            if found and found.group(1) in BLOCK_DOWNLOAD_METHODS:
                total += int(float(found.group(2)))
    return total


def wait_balance(client: FogClient, value: int, timeout_s: float = WAIT_S) -> int:
    """Poll fog until the balance is ``value``; returns the block count it is valid as of."""
    deadline = time.monotonic() + timeout_s
    while True:
        client.poll()
        balance = client.balance()
        if balance.value == value:
            return balance.num_blocks
        assert time.monotonic() < deadline, (
            f"balance {balance.value} as of {balance.num_blocks}, expected {value}; found "
            f"{[(o.block_index, o.value) for o in client.tx_data.owned.values()]}, view at "
            f"{client.rng_set.highest_processed_block_count}, missed "
            f"{client.tx_data.missed_block_ranges}, ledger {client.tx_data.ledger_num_blocks}")
        time.sleep(0.2)


def assert_no_validator_ledger_calls(*clients: FogClient) -> None:
    for client in clients:
        used = [path for path in client.calls
                if any(path.startswith(p) for p in VALIDATOR_LEDGER_PATHS)]
        assert not used, used


def test_alice_and_bob_pay_each_other_through_fog(tmp_path: Path) -> None:
    with fog_network(tmp_path) as (network, _supervisor, _fog):
        alice_key, bob_key = fog_account(network, 1), fog_account(network, 2)
        fund(network, alice_key)
        before = ledger_reads(network)
        with fog_client(network, alice_key) as alice, fog_client(network, bob_key) as bob:
            wait_balance(alice, FUNDING)
            paid = alice.pay(bob_key.default_subaddress(), 1_000_000_000, timeout_s=WAIT_S)
            fee = paid.fee
            wait_balance(bob, 1_000_000_000)
            (found,) = bob.balance().unspent
            assert bob.tx_data.spent_at(found.index) is None  # fog ledger: not spent
            back = bob.pay(alice_key.default_subaddress(), 300_000_000, timeout_s=WAIT_S)
            as_of = wait_balance(alice, FUNDING - 1_000_000_000 - fee + 300_000_000)
            assert as_of > back.block_index
            wait_balance(bob, 1_000_000_000 - 300_000_000 - back.fee)
            assert_no_validator_ledger_calls(alice, bob)
            assert alice.calls["/fog_view.FogViewAPI/Query"] > 0
        assert ledger_reads(network) == before, "a fog client read the ledger from a node"


def test_ingest_restart_with_a_new_key_and_a_lost_key(tmp_path: Path) -> None:
    """Ingest dies; Alice pays Bob under the old key while it is down; ingest restarts with a
    new key; the operator reports the old key lost. Bob finds the next payment (to the new key)
    through its new RNG record, and Alice's by scanning the missed block range."""
    with fog_network(tmp_path) as (network, supervisor, fog):
        alice_key, bob_key = fog_account(network, 1), fog_account(network, 2)
        fund(network, alice_key)
        admin_address = f"127.0.0.1:{fog.ingest_admin_port}"
        with IngestAdminClient(admin_address) as admin:
            old_key = decode_compressed_ristretto(admin.get_status().ingress_pubkey).to_bytes()
        with fog_client(network, alice_key) as alice, fog_client(network, bob_key) as bob:
            wait_balance(alice, FUNDING)
            wait_balance(bob, 0)
            rngs_before = len(bob.rng_set.rngs)

            supervisor.kill("fog-ingest")
            during = alice.pay(bob_key.default_subaddress(), 100_000_000, timeout_s=WAIT_S)

            service = supervisor.services["fog-ingest"]
            supervisor.services["fog-ingest"] = attrs.evolve(
                service, argv=(*service.argv, "--new-keys"))
            supervisor.start("fog-ingest")
            supervisor.wait_serving(["fog-ingest"], timeout_s=WAIT_S)
            with IngestAdminClient(admin_address) as admin:
                new_key = decode_compressed_ristretto(
                    admin.get_status().ingress_pubkey).to_bytes()
                assert new_key != old_key
                admin.report_lost_ingress_key(old_key)
                missed = admin.get_missed_block_ranges()
            assert any(r.contains(during.block_index) for r in missed), (missed, during)

            # a new block for the new key to ingest (the view vouches only for ingested blocks)
            after = fund(network, bob_key, 200_000_000)
            as_of = wait_balance(bob, 300_000_000)
            assert as_of > after
            assert len(bob.rng_set.rngs) > rngs_before, "the new RNG record was not learned"
            found_in = {o.block_index for o in bob.tx_data.owned.values()}
            assert {during.block_index, after} <= found_in
            assert bob.calls["/fog_ledger.FogBlockAPI/GetBlocks"] > 0
            assert_no_validator_ledger_calls(alice, bob)
