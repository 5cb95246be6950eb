"""The consensus enclave API on simulated SGX: attested sessions, tx proposal, GetTxs, form_block.

refimpl/enclave/consensus_api.py; MobileCoin consensus/enclave/api;
docs/findings.md#ix-responder-binding.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import attrs
import pytest

from refimpl.enclave.channel import client_init
from refimpl.enclave.consensus_api import ConsensusEnclave, SimulatedNetwork, TxContext
from refimpl.enclave.platform_sim import seeded_rng
from refimpl.errors import AttestError
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.tx import Tx
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    WALLETS,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import rng_from

ALICE, BOB = WALLETS[0], WALLETS[1]
CLIENT_RID = "node1.test.mobilecoin.com:443"
PEER_RID = "node1.test.mobilecoin.com:8443-5f0c"


@cache
def _network() -> SimulatedNetwork:
    return SimulatedNetwork.create(b"consensus-api-test", 3)


def _node(i: int, variant: str = "correct") -> ConsensusEnclave:
    net = _network()
    return ConsensusEnclave(
        client_responder_id=CLIENT_RID,
        peer_responder_id=PEER_RID,
        local=net.locals[i],
        verifier=net.verifier(),
        block_version=BLOCK_VERSION,
        fee_map=FEE_MAP,
        variant="mobilecoin" if variant == "mobilecoin" else "correct",
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerStore]:
    store = create_ledger(tmp_path / "ledger", origin_outputs())
    yield store
    store.close()


_tx: dict[str, Tx] = {}


def _payment(store: LedgerStore) -> Tx:
    if "tx" not in _tx:  # the origin is deterministic: the payment is valid on any fresh one
        owned = scan(store, ALICE)[0]
        _tx["tx"] = build_payment(
            store, ALICE, [owned], BOB.default_subaddress(), 1000, rng_from("enclave-api")
        )
    return _tx["tx"]


def _peer(a: ConsensusEnclave, b: ConsensusEnclave) -> tuple[ConsensusEnclave, ...]:
    rng = seeded_rng(b"peer")
    a, m1 = a.peer_init(PEER_RID, rng)
    b, m2 = b.peer_accept(m1, rng)
    a, channel = a.peer_connect(PEER_RID, m2)
    assert channel in b.peers and not a.pending
    return a, b


def test_client_proposes_peer_relays_and_block_is_formed(ledger: LedgerStore) -> None:
    tx = _payment(ledger)
    rng = seeded_rng(b"client")
    node1, node2 = _node(0), _node(1)
    pending, m1 = client_init(CLIENT_RID, node1.verifier, rng)
    node1, m2 = node1.client_accept(m1, rng)
    client = pending.finish(m2)
    identity = client.peer_identity
    assert getattr(identity, "mr_enclave", None) == _network().enclaves[0].mrenclave
    client, frame = client.seal(tx.to_protobuf())
    node1, context = node1.client_tx_propose(frame)
    assert context == TxContext.of(tx) and context.tx_hash == tx.hash()
    assert context.key_images == tuple(p.to_bytes() for p in tx.key_images())
    # GetTxs over the IX peer channel, then node2 forms the block
    node1, node2 = _peer(node1, node2)
    (channel,) = node1.peers
    node1, relay = node1.txs_for_peer([context.tx_hash], channel)
    node2, contexts = node2.peer_tx_propose(relay)
    assert contexts == (context,)
    block, contents = node2.form_block(ledger, [context.tx_hash], rng_from("form"))
    assert block.index == 1 and block.parent_id == ledger.get_block(0).id
    assert [k.to_bytes() for k in contents.key_images] == sorted(context.key_images)
    keys = {o.public_key.to_bytes() for o in contents.outputs}
    assert set(context.output_public_keys) <= keys


def test_unknown_sessions_txs_and_fee_maps_are_refused(ledger: LedgerStore) -> None:
    tx = _payment(ledger)
    node = _node(0)
    with pytest.raises(AttestError) as err:
        node.peer_connect("nobody", b"")
    assert err.value.code == "attest.unknown_channel"
    with pytest.raises(AttestError) as err:
        node.form_block(ledger, [bytes(32)], rng_from("x"))
    assert err.value.code == "attest.unknown_tx"
    rng = seeded_rng(b"fee")
    pending, m1 = client_init(CLIENT_RID, node.verifier, rng)
    node, m2 = node.client_accept(m1, rng)
    client = pending.finish(m2)
    other = attrs.evolve(tx, fee_map_digest=bytes(32))
    _, frame = client.seal(other.to_protobuf())
    with pytest.raises(AttestError) as err:
        node.client_tx_propose(frame)
    assert err.value.code == "attest.fee_map_mismatch"
    with pytest.raises(AttestError) as err:
        node.client_tx_propose(attrs.evolve(frame, channel_id=bytes(64)))
    assert err.value.code == "attest.unknown_channel"


def test_enclave_with_other_config_is_not_a_peer() -> None:
    other = SimulatedNetwork.create(b"consensus-api-test", 1, config=b"block_version=4")
    assert other.enclaves[0].mrenclave != _network().enclaves[0].mrenclave
    stranger = attrs.evolve(_node(1), local=other.locals[0], verifier=other.verifier())
    rng = seeded_rng(b"stranger")
    node, m1 = _node(0).peer_init(PEER_RID, rng)
    with pytest.raises(AttestError) as err:
        stranger.peer_accept(m1, rng)  # the stranger's policy refuses our MRENCLAVE
    assert err.value.code == "attest.measurement_not_allowed"
    # and we refuse the stranger even when it would accept us
    _, m2 = attrs.evolve(stranger, verifier=_network().verifier()).peer_accept(m1, rng)
    with pytest.raises(AttestError) as err:
        node.peer_connect(PEER_RID, m2)
    assert err.value.code == "attest.measurement_not_allowed"


@pytest.mark.parametrize("variant", ["correct", "mobilecoin"])
def test_mitm_with_public_evidence_and_gettxs(ledger: LedgerStore, variant: str) -> None:
    """docs/findings.md#ix-responder-binding: Mallory replays node3's public evidence with her own
    static key."""
    tx = _payment(ledger)
    node1 = _node(0, variant)
    rng = seeded_rng(b"client")
    pending, m1 = client_init(CLIENT_RID, node1.verifier, rng)
    node1, m2 = node1.client_accept(m1, rng)
    _, frame = pending.finish(m2).seal(tx.to_protobuf())
    node1, context = node1.client_tx_propose(frame)
    own_key = attrs.evolve(_network().locals[2], static_private=bytes(range(32)))
    mallory = attrs.evolve(_node(2), local=own_key)
    mallory, hello = mallory.peer_init(PEER_RID, seeded_rng(b"mallory"))
    if variant == "correct":
        with pytest.raises(AttestError) as err:
            node1.peer_accept(hello, rng)
        assert err.value.code == "attest.static_key_mismatch"
        return
    node1, reply = node1.peer_accept(hello, rng)
    mallory, channel = mallory.peer_connect(PEER_RID, reply)  # node1's evidence binds its key
    node1, leak = node1.txs_for_peer([context.tx_hash], channel)  # GetTxs on Mallory's session
    mallory, stolen = mallory.peer_tx_propose(leak)
    assert stolen == (context,) and mallory.proposed[context.tx_hash] == tx  # full plaintext tx
