"""The client wallet (refimpl/client/wallet.py) over a node's ledger-access API: scanning,
incremental sync, spent tracking, and payments that the ledger rules accept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.client.ledger_source import GrpcLedgerSource, StoreLedgerSource
from refimpl.client.pay import wait_for_key_images
from refimpl.client.wallet import Wallet, build_payment, choose_ring_indices
from refimpl.errors import ClientError, TxError
from refimpl.ledger.apply import apply_transactions, validate_against_ledger
from refimpl.ledger.store import LedgerStore
from refimpl.node.ledger_access import LedgerAccessServicer
from refimpl.transaction.builder import RING_SIZE
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import Tx
from tests.unit.client._serving import serving
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    MINIMUM_FEE,
    ORIGIN_VALUE,
    WALLETS,
    create_ledger,
    origin_outputs,
)
from tests.unit.transaction._txbuild import rng_from

ALICE, BOB, CAROL = WALLETS[:3]
ORIGIN = origin_outputs()  # 3 outputs to each wallet, then 24 to a decoy owner


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerStore]:
    store = create_ledger(tmp_path / "ledger", ORIGIN)
    yield store
    store.close()


@pytest.fixture
def source(ledger: LedgerStore) -> Iterator[GrpcLedgerSource]:
    with serving([LedgerAccessServicer(ledger).handlers()]) as channel:
        yield GrpcLedgerSource(channel)


def apply(ledger: LedgerStore, *txs: Tx) -> None:
    result = apply_transactions(ledger, txs, BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    assert result.accepted == txs, [r.code for r in result.rejected]


def test_the_wallet_finds_its_origin_outputs(source: GrpcLedgerSource) -> None:
    for position, account in enumerate(WALLETS):
        wallet = Wallet(account)
        found = wallet.sync(source)
        assert [o.index for o in found] == [3 * position + k for k in range(3)]
        assert [o.value for o in found] == [ORIGIN_VALUE] * 3
        assert {o.block_index for o in found} == {0}
        assert len({o.key_image for o in found}) == 3
        assert wallet.balance() == 3 * ORIGIN_VALUE
        assert wallet.next_block == 1 and wallet.num_tx_outs == len(ORIGIN)
        assert wallet.sync(source) == []  # nothing new


def test_a_payment_built_over_grpc_passes_the_ledger_rules_and_sync_is_incremental(
    ledger: LedgerStore, source: GrpcLedgerSource
) -> None:
    alice, bob = Wallet(ALICE), Wallet(BOB)
    alice.sync(source)
    bob.sync(source)
    tx = alice.build_payment(source, BOB.default_subaddress(), 1000, rng_from("grpc-pay"),
                             fee=MINIMUM_FEE, tombstone_block=10, block_version=BLOCK_VERSION)
    assert all(len(i.ring) == RING_SIZE for i in tx.prefix.inputs)
    assert all(p.highest_index >= len(ORIGIN) - 1 for i in tx.prefix.inputs for p in i.proofs)
    validate_against_ledger(tx, ledger, BLOCK_VERSION, MINIMUM_FEE, rng_from("verify"))
    apply(ledger, tx)

    spent = {KeyImage(p) for p in tx.key_images()}
    new_for_alice = alice.sync(source)
    assert [o.value for o in new_for_alice] == [ORIGIN_VALUE - 1000 - MINIMUM_FEE]  # change
    assert [o.block_index for o in new_for_alice] == [1]
    assert [alice.spent_at(o) for o in alice.owned if o.key_image in spent] == [1]
    assert alice.balance() == 3 * ORIGIN_VALUE - 1000 - MINIMUM_FEE
    assert [o.value for o in bob.sync(source)] == [1000]  # only the new block was scanned
    assert bob.balance() == 3 * ORIGIN_VALUE + 1000


def test_inputs_selection_covers_amount_and_fee_or_refuses(source: GrpcLedgerSource) -> None:
    wallet = Wallet(CAROL)
    wallet.sync(source)
    two = wallet.select_inputs(ORIGIN_VALUE + 1)
    assert len(two) == 2
    with pytest.raises(ClientError) as info:
        wallet.select_inputs(3 * ORIGIN_VALUE + 1)
    assert info.value.code == "client.insufficient_funds"
    with pytest.raises(ClientError):
        wallet.select_inputs(3 * ORIGIN_VALUE, max_inputs=2)


def test_other_subaddresses_are_found_only_when_scanned(ledger: LedgerStore) -> None:
    local = StoreLedgerSource(ledger)
    bob = Wallet(BOB)
    bob.sync(local)
    tx = bob.build_payment(local, ALICE.subaddress(5), 777, rng_from("sub5"), fee=MINIMUM_FEE,
                           tombstone_block=10, block_version=BLOCK_VERSION)
    apply(ledger, tx)
    default_only, with_five = Wallet(ALICE), Wallet(ALICE, subaddresses=(0, 5))
    default_only.sync(local)
    with_five.sync(local)
    assert [o.value for o in with_five.owned if o.block_index == 1] == [777]
    assert [o.subaddress_index for o in with_five.owned if o.block_index == 1] == [5]
    assert all(o.block_index == 0 for o in default_only.owned)


def test_a_block_out_of_order_is_refused(ledger: LedgerStore) -> None:
    wallet = Wallet(ALICE)
    ((block, contents),) = StoreLedgerSource(ledger).get_block_contents(0, 1)
    wallet.scan_block(block, contents)
    with pytest.raises(ClientError) as info:
        wallet.scan_block(block, contents)
    assert info.value.code == "client.bad_response"


@given(
    num=st.integers(0, 300),
    exclude=st.sets(st.integers(0, 320), max_size=20),
    count=st.integers(0, 80),
    seed=st.binary(min_size=1, max_size=8),
)
def test_ring_indices_are_distinct_in_range_and_never_an_input(
    num: int, exclude: set[int], count: int, seed: bytes
) -> None:
    available = num - len({i for i in exclude if i < num})
    rng = rng_from(seed.hex())
    if available < count:
        with pytest.raises(TxError) as info:
            choose_ring_indices(num, exclude, count, rng)
        assert info.value.code == "tx.builder_not_enough_ring_members"
        return
    picks = choose_ring_indices(num, exclude, count, rng)
    assert len(picks) == len(set(picks)) == count
    assert all(0 <= i < num and i not in exclude for i in picks)


def test_grpc_source_key_image_status(ledger: LedgerStore, source: GrpcLedgerSource) -> None:
    alice = Wallet(ALICE)
    alice.sync(source)
    local = StoreLedgerSource(ledger)
    tx = alice.build_payment(local, CAROL.default_subaddress(), 5, rng_from("ki"),
                             fee=MINIMUM_FEE, tombstone_block=10, block_version=BLOCK_VERSION)
    images = [KeyImage(p) for p in tx.key_images()] + [KeyImage.from_u64(1)]
    assert source.check_key_images(images) == [None] * len(images)
    apply(ledger, tx)
    assert source.check_key_images(images) == [1] * (len(images) - 1) + [None]
    assert source.num_blocks() == 2


def test_grpc_errors_name_the_method(ledger: LedgerStore) -> None:
    with serving([LedgerAccessServicer(ledger).handlers()]) as channel:
        source = GrpcLedgerSource(channel)
        with pytest.raises(ClientError) as info:
            source.get_tx_outs([ledger.num_tx_outs()])
    assert info.value.code == "client.rpc_failed"
    assert "GetTxOuts" in info.value.message and "INVALID_ARGUMENT" in info.value.message
    assert "node.ledger_access_out_of_range" in info.value.message


def test_key_images_spent_in_different_blocks_are_a_conflict(ledger: LedgerStore) -> None:
    local = StoreLedgerSource(ledger)
    alice = Wallet(ALICE)
    alice.sync(local)
    images = []
    for position, owned in enumerate(alice.owned[:2]):
        tx = build_payment(local, ALICE, [owned], BOB.default_subaddress(), 10,
                           rng_from(f"conflict{position}"), fee=MINIMUM_FEE, tombstone_block=10,
                           block_version=BLOCK_VERSION)
        apply(ledger, tx)
        images += [KeyImage(p) for p in tx.key_images()]
    assert wait_for_key_images(local, images[:1], timeout_s=0.0) == 1
    with pytest.raises(ClientError) as info:
        wait_for_key_images(local, images, timeout_s=0.0)
    assert info.value.code == "client.tx_conflict"
