"""Alice and Bob through fog on a local network: the steps the fog check of ``mcref check``
and the network tests share.

A demo account is fog-enabled by the network state's ``fog`` section
(:class:`refimpl.fog.client.network_state.FogNetworkState`); :func:`fund_fog_account` pays it
from a full-ledger demo wallet (the sender validates the recipient's report and encrypts the
hint to the ingest key: MobileCoin's ``fog/report/resolver`` + ``TransactionBuilder``); from
then on a :class:`~refimpl.fog.client.client.FogClient` sees and spends it through fog alone.
:func:`node_ledger_reads` sums what the validators say they served of their ledgers (their
``consensus_service_num_req`` counters for the block, TxOut and key-image methods), so a run
can show that a fog client never read the ledger from a node.
"""

from __future__ import annotations

import json
import re
import time

from refimpl.account.keys import AccountKey
from refimpl.client.connection import ConsensusClient
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import pay
from refimpl.client.wallet import Wallet
from refimpl.errors import FogError
from refimpl.fog.client.client import FogClient
from refimpl.fog.client.network_state import FogNetworkState
from refimpl.fog.report.client import fetch_reports
from refimpl.fog.report.validate import ingest_report_verifier, resolve_fog_keys
from refimpl.node.enclave import network_verifier
from refimpl.node.localnet import LocalNetwork
from refimpl.node.supervisor import admin_metrics

#: Node methods that hand out ledger contents: blocks, TxOuts, key images.
NODE_LEDGER_METHODS = ("GetBlocks", "GetBlockContents", "GetTxOuts", "CheckKeyImages")
#: Client-side method paths that would read the ledger from a validator.
VALIDATOR_LEDGER_PATHS = ("/consensus_common.BlockchainAPI/GetBlocks",
                          "/mcref_ledger.LedgerAccessAPI/")
_NUM_REQ = re.compile(r'^consensus_service_num_req(?:_total)?\{method="(\w+)"\} ([0-9.e+]+)$')


def fog_state(network: LocalNetwork) -> FogNetworkState:
    """The ``fog`` section of the network's state file."""
    document = json.loads((network.base_dir / "network-state.json").read_text())
    return FogNetworkState.from_json(document)


def fog_account(network: LocalNetwork, i: int) -> AccountKey:
    """Demo account ``i``, fog-enabled."""
    return fog_state(network).account(network.account_root_entropies[i])


def fog_client(network: LocalNetwork, who: AccountKey, node: int = 0) -> FogClient:
    """A fog client of ``who``, submitting through node ``node``."""
    target = network.nodes[node]
    consensus = ConsensusClient(target.client_uri, target.client_responder_id,
                                network_verifier(network.sgx_seed))
    return FogClient.connect(who, fog_state(network).endpoints, network.sgx_seed,
                             consensus=consensus)


def fund_fog_account(network: LocalNetwork, sender: int, to: AccountKey, amount: int,
                     timeout_s: float) -> int:
    """Demo account ``sender``'s full-ledger wallet pays ``to``'s fog address; returns the
    block that holds the payment."""
    node = network.nodes[0]
    with ConsensusClient(node.client_uri, node.client_responder_id,
                         network_verifier(network.sgx_seed)) as client:
        source = GrpcLedgerSource(client.channel)
        recipient = to.default_subaddress()
        resolver = resolve_fog_keys([recipient], fetch_reports,
                                    ingest_report_verifier(network.sgx_seed),
                                    source.num_blocks())
        wallet = Wallet(AccountKey.from_root_entropy(network.account_root_entropies[sender]))
        payment = pay(client, source, wallet, recipient, amount, timeout_s=timeout_s,
                      poll_s=0.1, fog_resolver=resolver)
    return payment.block_index


def node_ledger_reads(network: LocalNetwork) -> int:
    """Block, TxOut and key-image requests the nodes have answered, all nodes summed."""
    total = 0
    for node in network.nodes:
        for line in (admin_metrics(node) or "").splitlines():
            found = _NUM_REQ.match(line)
            if found and found.group(1) in NODE_LEDGER_METHODS:
                total += int(float(found.group(2)))
    return total


def validator_ledger_calls(client: FogClient) -> list[str]:
    """The client's calls that read the ledger from a validator (none, for a fog client)."""
    return [path for path in client.calls
            if any(path.startswith(p) for p in VALIDATOR_LEDGER_PATHS)]


def wait_fog_balance(client: FogClient, value: int, timeout_s: float) -> int:
    """Poll fog until the balance is ``value``; returns the block count it is valid as of
    (``fog.scenario_timeout`` when it is not reached in ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        balance = client.balance()  # polls fog first
        if balance.value == value:
            return balance.num_blocks
        if time.monotonic() > deadline:
            owned = [(o.block_index, o.value) for o in client.tx_data.owned.values()]
            raise FogError(
                "fog.scenario_timeout",
                f"balance {balance.value} as of {balance.num_blocks} blocks after {timeout_s} s, "
                f"expected {value}; found {owned}, view at "
                f"{client.rng_set.highest_processed_block_count}, missed ranges "
                f"{client.tx_data.missed_block_ranges}")
        time.sleep(0.2)
