"""A network partition that heals, with real node processes behind the link proxy.

Five validators (MobileCoin's ``dense5``: each needs 3 of its 4 peers) with every peer link
through :class:`refimpl.node.linkproxy.LinkProxy`. ``n0`` is cut off: the other four are a
quorum and commit two payments in two blocks; ``n0`` (no quorum alone) accepts a payment but
forms no block. The heal comes in two steps. First only ``n0``'s own links to the others come
back: nothing the others queued for ``n0`` reaches it, its keepalive (``peer_keepalive.rs``)
learns from ``GetLatestMsg`` that they are two slots ahead, which it cannot join by SCP, and it
catches up (``byzantine_ledger/ledger_sync_state.rs``: headers with ``GetBlocks`` through the
proxy, contents from the archives). Then every link comes back, the payment ``n0`` held lands,
and all five ledgers end with the same block ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from refimpl.account.keys import AccountKey
from refimpl.client.connection import ConsensusClient
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import Payment, minimum_fee, os_random, pay, submit, wait_for_key_images
from refimpl.client.wallet import Wallet
from refimpl.ledger.store import LedgerStore
from refimpl.node.enclave import network_verifier
from refimpl.node.linkproxy import LinkProxy, proxy_for
from refimpl.node.localnet import LocalNetwork, generate_local_network
from refimpl.node.supervisor import Supervisor, admin_metrics
from refimpl.transaction.key_image import KeyImage

SEED = b"partition-test"
OTHERS = ["n1", "n2", "n3", "n4"]
AMOUNT = 1_000_000


def _client(net: LocalNetwork, name: str) -> ConsensusClient:
    node = net.node(name)
    return ConsensusClient(node.client_uri, node.client_responder_id,
                           network_verifier(net.sgx_seed))


def _account(net: LocalNetwork, i: int) -> AccountKey:
    return AccountKey.from_root_entropy(net.account_root_entropies[i])


def _pay(net: LocalNetwork, name: str, payer: int, payee: int) -> Payment:
    with _client(net, name) as client:
        return pay(client, GrpcLedgerSource(client.channel), Wallet(_account(net, payer)),
                   _account(net, payee).default_subaddress(), AMOUNT, timeout_s=20)


def _submit(net: LocalNetwork, name: str, payer: int, payee: int) -> tuple[KeyImage, ...]:
    """Submit a payment (``Ok``) without waiting for it; its key images."""
    with _client(net, name) as client:
        source = GrpcLedgerSource(client.channel)
        wallet = Wallet(_account(net, payer))
        wallet.sync(source)
        info = client.last_block_info()
        tx = wallet.build_payment(source, _account(net, payee).default_subaddress(), AMOUNT,
                                  os_random, fee=minimum_fee(info, 0),
                                  tombstone_block=source.num_blocks() + 100,
                                  block_version=info.network_block_version)
        submit(client, tx)
    return tuple(KeyImage(p) for p in tx.key_images())


def _appended_blocks(net: LocalNetwork, name: str, how: str) -> int:
    """``mcref_blocks_appended{how=...}`` of one node (``formed`` or ``catchup``)."""
    text = admin_metrics(net.node(name))
    assert text is not None, name
    found = re.search(rf'^mcref_blocks_appended_total\{{how="{how}"\}} ([0-9.e+]+)$', text,
                      re.M)
    return 0 if found is None else int(float(found.group(1)))


def _block_ids(node_dir: Path) -> list[bytes]:
    with LedgerStore.open(node_dir / "ledger", read_only=True) as store:
        return [store.get_block(i).id for i in range(store.num_blocks())]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[LocalNetwork, LinkProxy, Supervisor]]:
    net = generate_local_network(tmp_path / "net", 5, "dense5", SEED, links=True,
                                 scp_timebase_ms=200, accounts=6, outputs_per_account=4)
    proxy = proxy_for(net)
    supervisor = Supervisor(net)
    try:
        proxy.start()
        supervisor.start_all()
        yield net, proxy, supervisor
    finally:
        supervisor.stop_all()
        proxy.stop()


@pytest.mark.slow
def test_isolated_node_catches_up_after_heal(
        running: tuple[LocalNetwork, LinkProxy, Supervisor]) -> None:
    net, proxy, supervisor = running
    supervisor.wait_serving(timeout_s=30)
    first = _pay(net, "n0", 0, 1)  # the whole network
    height = supervisor.wait_heights_equal(first.block_index + 1, timeout_s=15)

    formed_before = _appended_blocks(net, "n0", "formed")
    proxy.isolate("n0")
    held = _submit(net, "n0", 4, 5)  # accepted by n0, which cannot commit it alone
    _pay(net, "n2", 2, 3)  # n1..n4 are a quorum without n0
    during = _pay(net, "n3", 3, 2)  # spends the change: a later block
    assert during.block_index >= height + 1
    supervisor.wait_heights_equal(during.block_index + 1, timeout_s=15, names=OTHERS)
    assert supervisor.heights()["n0"] == height  # n0 alone is no quorum: no block
    with _client(net, "n1") as client:  # the others never saw n0's payment
        assert set(GrpcLedgerSource(client.channel).check_key_images(held)) == {None}
    cut = proxy.stats()
    assert all(cut[(a, b)].open == 0 for a, b in cut if "n0" in (a, b))

    for other in OTHERS:  # n0 may dial the others again; they still cannot reach n0
        proxy.heal_link("n0", other)
    supervisor.wait_heights_equal(during.block_index + 1, timeout_s=30)
    # every block n0 gained came from catch-up, none through SCP (once n0 can dial out, the
    # others may also have committed its held payment: then one more block was caught up)
    assert _appended_blocks(net, "n0", "catchup") >= during.block_index + 1 - height
    assert _appended_blocks(net, "n0", "formed") == formed_before
    now = proxy.stats()
    assert all(now[(o, "n0")].accepted == cut[(o, "n0")].accepted for o in OTHERS)
    assert sum(now[("n0", o)].bytes_to_src > cut[("n0", o)].bytes_to_src for o in OTHERS) >= 3

    proxy.heal()
    with _client(net, "n1") as client:  # the payment n0 held lands after all
        landed = wait_for_key_images(GrpcLedgerSource(client.channel), held, timeout_s=30)
    assert landed > during.block_index
    final = supervisor.wait_heights_equal(landed + 1, timeout_s=15)

    supervisor.stop_all()
    proxy.stop()
    chains = {node.name: _block_ids(node.directory) for node in net.nodes}
    assert len(chains["n0"]) >= final
    assert all(chain == chains["n0"] for chain in chains.values()), {
        n: len(c) for n, c in chains.items()}
