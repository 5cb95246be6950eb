"""Local networks of real node processes for the network tests.

Every network is generated under the test's tmp_path with ports picked free on 127.0.0.1, a
short SCP timebase (the protocol's 1000 ms base interval runs in ``TIMEBASE_MS`` real ms) and
is stopped in a ``finally``, which also asserts that no node process outlived the test.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc

from refimpl.account.keys import AccountKey
from refimpl.client.connection import ConsensusClient
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import Payment, pay
from refimpl.client.wallet import Wallet
from refimpl.errors import RefImplError
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.verify import verify_ledger
from refimpl.node.enclave import network_verifier
from refimpl.node.localnet import LocalNetwork, LocalNode, generate_local_network
from refimpl.node.supervisor import Supervisor

TIMEBASE_MS = 200
#: The longest any test waits for one payment or one convergence.
WAIT_S = 60.0


@contextlib.contextmanager
def running_network(
    base: Path, nodes: int = 4, *, accounts: int = 4, outputs_per_account: int = 3,
    start: bool = True, edit: dict[str, str] | None = None,
) -> Iterator[tuple[LocalNetwork, Supervisor]]:
    """A dense local network; ``edit`` appends lines to named nodes' node.toml first."""
    network = generate_local_network(base, nodes, "dense", b"network-tests", accounts=accounts,
                                     outputs_per_account=outputs_per_account,
                                     scp_timebase_ms=TIMEBASE_MS,
                                     trace_epoch_ms=int(time.time() * 1000))
    for name, lines in (edit or {}).items():
        path = network.node(name).config_path
        path.write_text(path.read_text() + lines + "\n")
    supervisor = Supervisor(network)
    try:
        if start:
            supervisor.start_all()
            supervisor.wait_serving(timeout_s=WAIT_S)
        yield network, supervisor
    finally:
        supervisor.stop_all()
        leftover = supervisor.running()
        assert not leftover, f"node processes still running: {leftover}"


def account(network: LocalNetwork, i: int) -> AccountKey:
    return AccountKey.from_root_entropy(network.account_root_entropies[i])


def client_for(network: LocalNetwork, node: LocalNode) -> ConsensusClient:
    return ConsensusClient(node.client_uri, node.client_responder_id,
                           network_verifier(network.sgx_seed))


def pay_through(network: LocalNetwork, node_name: str, sender: int, recipient: int,
                amount: int = 1_000_000, timeout_s: float = WAIT_S) -> Payment:
    """One payment from demo account ``sender`` to ``recipient`` through ``node_name``."""
    node = network.node(node_name)
    with grpc.insecure_channel(f"127.0.0.1:{node.client_port}") as channel, \
            client_for(network, node) as client:
        source = GrpcLedgerSource(channel)
        return pay(client, source, Wallet(account(network, sender)),
                   account(network, recipient).default_subaddress(), amount,
                   timeout_s=timeout_s, poll_s=0.1)


class BackgroundPayment:
    """:func:`pay_through` on a thread: for a payment that must wait (no quorum yet)."""

    def __init__(self, network: LocalNetwork, node_name: str, sender: int, recipient: int,
                 timeout_s: float = 3 * WAIT_S) -> None:
        self.outcome: list[Payment | str] = []
        self._thread = threading.Thread(target=self._pay, daemon=True,
                                        args=(network, node_name, sender, recipient, timeout_s))
        self._thread.start()

    def _pay(self, network: LocalNetwork, node_name: str, sender: int, recipient: int,
             timeout_s: float) -> None:
        try:
            self.outcome.append(pay_through(network, node_name, sender, recipient,
                                            timeout_s=timeout_s))
        except RefImplError as exc:
            self.outcome.append(exc.one_line())

    def result(self, timeout_s: float = 3 * WAIT_S) -> Payment:
        """Wait for the payment; it must have committed."""
        self._thread.join(timeout=timeout_s)
        assert len(self.outcome) == 1 and isinstance(self.outcome[0], Payment), self.outcome
        return self.outcome[0]


def block_ids(path: Path) -> list[bytes]:
    with LedgerStore.open(path, read_only=True) as store:
        return [store.get_block(i).id for i in range(store.num_blocks())]


def assert_ledgers_identical_and_sound(network: LocalNetwork, names: list[str] | None = None
                                       ) -> list[bytes]:
    """Every named node's ledger (all by default) has the same block ids and passes
    ``mcref ledger verify``; returns the common chain."""
    chains = {}
    for node in network.nodes:
        if names is not None and node.name not in names:
            continue
        with LedgerStore.open(node.directory / "ledger", read_only=True) as store:
            report = verify_ledger(store)
            assert report.ok, f"{node.name}: {report}"
        chains[node.name] = block_ids(node.directory / "ledger")
    first = next(iter(chains.values()))
    for name, chain in chains.items():
        assert chain == first, f"{name} differs: {len(chain)} vs {len(first)} blocks"
    return first
