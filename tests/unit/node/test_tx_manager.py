"""The tx manager, pending values and the ProposeTxResult table, on a real LMDB ledger with
real transactions.

refimpl/node/tx_manager.py (MobileCoin ``consensus/service/src/tx_manager/mod.rs``,
``validators.rs``, ``byzantine_ledger/pending_values.rs``, ``consensus/api/src/conversions.rs``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.enclave.consensus_api import TxContext
from refimpl.enclave.platform_sim import seeded_rng
from refimpl.errors import CODES, NodeError, RefImplError
from refimpl.ledger import apply
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import consensus_common_pb2
from refimpl.node.enclave import NodeEnclave
from refimpl.node.tx_manager import (
    MAX_PENDING_VALUES_TO_NOMINATE,
    NO_PROPOSE_TX_RESULT,
    PENDING_LIMIT,
    PROPOSE_TX_RESULTS,
    PendingValues,
    TxManager,
    client_over_capacity,
    propose_tx_result,
)
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import RULES
from tests.unit.ledger._wallets import BLOCK_VERSION, FEE_MAP, MINIMUM_FEE, create_ledger
from tests.unit.ledger.test_apply import ORIGIN, payment

Result = consensus_common_pb2.ProposeTxResult


@attrs.frozen
class Node:
    ledger: LedgerStore
    enclave: NodeEnclave
    txs: TxManager


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    store = create_ledger(tmp_path / "ledger", ORIGIN)
    enclave = NodeEnclave(
        sgx_seed=b"tx-manager-test",
        index=0,
        client_responder_id="node0.test:3223",
        peer_responder_id="node0.test:8443",
        block_version=BLOCK_VERSION,
        fee_map=FEE_MAP,
        rng=seeded_rng(b"tx manager enclave"),
    )
    enclave.enclave_init(tmp_path / "sealed-key")
    yield Node(store, enclave, TxManager(enclave, store))
    store.close()


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(RefImplError) as info:
        call()
    return info.value.code


def _propose(node: Node, tx: Tx) -> TxContext:
    return node.enclave.tx_propose(tx)


def _append(node: Node, hashes: tuple[bytes, ...]) -> None:
    """Form, sign and append the block of ``hashes`` (what the worker does)."""
    parent = node.ledger.get_block(node.ledger.num_blocks() - 1)
    block, contents, sig = node.enclave.form_block(node.ledger, hashes, parent)
    node.ledger.append_block(block, contents, sig)


# --- the well-formed cache -----------------------------------------------------------------------


def test_insert_checks_once_and_caches_the_context(node: Node) -> None:
    tx = payment(node.ledger)
    context = _propose(node, tx)
    assert not node.txs.contains(tx.hash()) and node.txs.num_entries() == 0
    entry = node.txs.insert(context)
    assert entry.tx_hash == tx.hash() and entry.priority == 128
    assert entry.tombstone_block == tx.prefix.tombstone_block
    assert entry.key_images == context.key_images
    assert node.txs.get(tx.hash()) == entry and tx.hash() in node.txs
    assert node.txs.num_entries() == 1
    node.enclave.discard([tx.hash()])  # the enclave forgot it: only the cache can answer now
    assert node.txs.insert(context) == entry
    assert node.txs.get(bytes(32)) is None


def test_insert_refuses_proofs_past_the_ledger_and_invalid_transactions(node: Node) -> None:
    tx = payment(node.ledger)
    first = tx.prefix.inputs[0]
    future = attrs.evolve(first.proofs[0], highest_index=node.ledger.num_tx_outs())
    ahead = attrs.evolve(
        tx, prefix=attrs.evolve(tx.prefix, inputs=(attrs.evolve(first, proofs=(
            future, *first.proofs[1:])),))
    )
    assert _code(lambda: node.txs.insert(_propose(node, ahead))) == (
        "ledger.tx_out_index_out_of_bounds"
    )
    cheap = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, fee=MINIMUM_FEE - 1))
    assert _code(lambda: node.txs.insert(_propose(node, cheap))) == (
        "tx.invalid_transaction_signature"
    )
    assert node.txs.num_entries() == 0
    unknown = attrs.evolve(_propose(node, tx), tx_hash=bytes(32))
    assert _code(lambda: node.txs.insert(unknown)) == "attest.unknown_tx"


def test_validate_follows_the_ledger(node: Node) -> None:
    spender = payment(node.ledger)
    rival = payment(node.ledger, seed="rival")
    expiring = payment(node.ledger, 1, seed="late", tombstone_block=2)
    for tx in (spender, rival, expiring):
        node.txs.insert(_propose(node, tx))
        node.txs.validate(tx.hash())
    assert node.txs.is_valid(rival.hash())
    assert _code(lambda: node.txs.validate(bytes(32))) == "node.tx_not_in_cache"
    # the tombstone rule is validate_tombstone's: at most 20160 blocks ahead of the last block
    far = payment(node.ledger, 2, seed="far", tombstone_block=20161)
    assert _code(lambda: node.txs.insert(_propose(node, far))) == "tx.tombstone_block_too_far"
    _append(node, (spender.hash(),))
    assert _code(lambda: node.txs.validate(rival.hash())) == "ledger.contains_spent_key_image"
    assert _code(lambda: node.txs.validate(expiring.hash())) == "tx.tombstone_block_exceeded"
    assert not node.txs.is_valid(spender.hash())


def test_combine_orders_by_priority_and_drops_conflicts(node: Node) -> None:
    cheap_a = payment(node.ledger, 0, seed="a")
    cheap_b = payment(node.ledger, 1, seed="b")
    rich = payment(node.ledger, 2, seed="rich", fee=4 * MINIMUM_FEE)
    rival = payment(node.ledger, 0, seed="rival")  # spends the same output as cheap_a
    txs = (cheap_a, cheap_b, rival, rich)
    for tx in txs:
        node.txs.insert(_propose(node, tx))
    hashes = [tx.hash() for tx in txs]
    kept = node.txs.combine(hashes + hashes[:1])  # repeats count once
    expected = apply.combine(list(txs), FEE_MAP)
    assert kept == tuple(tx.hash() for tx in expected.kept)
    assert kept[0] == rich.hash() and len(kept) == 3
    assert (cheap_a.hash() in kept) != (rival.hash() in kept)
    assert node.txs.combine(hashes, max_elements=2) == kept[:2]
    assert _code(lambda: node.txs.combine([*hashes, bytes(32)])) == "node.tx_not_in_cache"
    # the kept set forms a block
    _append(node, kept)
    assert node.ledger.num_blocks() == 2


def test_remove_expired_drops_entries_at_or_past_their_tombstone(node: Node) -> None:
    soon = payment(node.ledger, 1, seed="late", tombstone_block=2)
    later = payment(node.ledger)
    for tx in (soon, later):
        node.txs.insert(_propose(node, tx))
    assert node.txs.remove_expired(1) == frozenset()
    assert node.txs.remove_expired(2) == {soon.hash()}
    assert not node.txs.contains(soon.hash()) and node.txs.contains(later.hash())
    assert not node.enclave.is_verified(soon.hash()) and node.enclave.is_verified(later.hash())
    parent = node.ledger.get_block(0)
    assert _code(lambda: node.enclave.form_block(node.ledger, [soon.hash()], parent)) == (
        "attest.unknown_tx"
    )


def test_concurrent_inserts_agree(node: Node) -> None:
    txs = [payment(node.ledger, i, seed=f"form{i}") for i in range(2)]
    contexts = [_propose(node, tx) for tx in txs]
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for context in contexts:
                node.txs.insert(context)
                node.txs.validate(context.tx_hash)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == [] and not any(t.is_alive() for t in threads)
    assert node.txs.num_entries() == 2


# --- pending values ------------------------------------------------------------------------------


def _hash(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_pending_values_are_fifo_without_repeats_and_only_valid() -> None:
    pending = PendingValues()
    valid = {_hash(n) for n in range(150) if n != 7}
    is_valid = valid.__contains__
    pushed = [pending.push(_hash(n), is_valid, float(n) if n % 2 else None) for n in range(150)]
    assert pushed == [n != 7 for n in range(150)]
    assert not pending.push(_hash(3), is_valid, 99.0)  # a repeat keeps its place and time
    assert len(pending) == 149 and _hash(7) not in pending
    assert MAX_PENDING_VALUES_TO_NOMINATE == 100
    first = pending.first()
    assert first == tuple(_hash(n) for n in range(101) if n != 7)
    assert pending.first(3) == (_hash(0), _hash(1), _hash(2))
    assert pending.received_at(_hash(3)) == 3.0 and pending.received_at(_hash(4)) is None
    pending.remove([_hash(0), _hash(1), _hash(500)])
    assert pending.first(2) == (_hash(2), _hash(3))
    pending.retain(lambda h: int.from_bytes(h, "big") % 10 == 0)
    assert list(pending) == [_hash(n) for n in range(10, 150, 10)]


@given(st.lists(st.integers(0, 20)), st.sets(st.integers(0, 20)))
def test_pending_values_keep_first_arrival_order(pushes: list[int], invalid: set[int]) -> None:
    pending = PendingValues()
    for n in pushes:
        pending.push(_hash(n), lambda h: int.from_bytes(h, "big") not in invalid, None)
    expected = [n for n in dict.fromkeys(pushes) if n not in invalid]
    assert list(pending) == [_hash(n) for n in expected]
    assert pending.first(5) == tuple(_hash(n) for n in expected[:5])


def test_clients_are_refused_from_500_pending_values() -> None:
    assert PENDING_LIMIT == 500
    assert not client_over_capacity(0) and not client_over_capacity(PENDING_LIMIT - 1)
    assert client_over_capacity(PENDING_LIMIT) and client_over_capacity(PENDING_LIMIT + 1)


# --- ProposeTxResult -----------------------------------------------------------------------------


def test_every_tx_and_ledger_code_is_mapped_or_explicitly_unmappable() -> None:
    codes = [c for c in CODES if c.startswith(("tx.", "ledger."))]
    for code in codes:
        assert (code in PROPOSE_TX_RESULTS) != (code in NO_PROPOSE_TX_RESULT), code
    assert set(PROPOSE_TX_RESULTS) | set(NO_PROPOSE_TX_RESULT) == {
        *codes, "attest.fee_map_mismatch"
    }
    defined = set(Result.values())
    for code in PROPOSE_TX_RESULTS:
        number = propose_tx_result(code)
        assert number in defined and number != Result.Value("Ok"), code
    for code in NO_PROPOSE_TX_RESULT:
        with pytest.raises(NodeError) as refused:
            propose_tx_result(code)
        assert refused.value.code == "node.no_propose_tx_result"
    # every rule of validate, and every ledger check of a proposal, has its result
    raised_by_proposals = {c for _rule, rule_codes in RULES for c in rule_codes} | {
        "ledger.tx_out_index_out_of_bounds",
        "ledger.contains_spent_key_image",
        "ledger.contains_existing_output_public_key",
        "ledger.token_not_yet_configured",
        "attest.fee_map_mismatch",
    } | {c for c in codes if c.startswith("tx.input_rule_")}
    assert raised_by_proposals <= set(PROPOSE_TX_RESULTS)


def test_propose_tx_results_are_mobilecoins_numbers() -> None:
    assert propose_tx_result("tx.no_inputs") == 11
    assert propose_tx_result("tx.invalid_transaction_signature") == 15
    assert propose_tx_result("tx.rct_range_proof") == 15  # the cause of an invalid signature
    assert propose_tx_result("tx.tombstone_block_exceeded") == 18
    assert propose_tx_result("ledger.contains_spent_key_image") == 27
    assert propose_tx_result("tx.bad_block_version") == 35  # Ledger("Invalid block version")
    assert propose_tx_result("ledger.token_not_yet_configured") == 42
    assert propose_tx_result("tx.input_rule_zero_partial_fill_change") == 50
    assert propose_tx_result("ledger.tx_out_index_out_of_bounds") == 54
    assert propose_tx_result("attest.fee_map_mismatch") == 55


@given(st.text(max_size=40))
def test_an_unknown_code_has_no_result(code: str) -> None:
    if code in PROPOSE_TX_RESULTS:
        return
    with pytest.raises(NodeError) as refused:
        propose_tx_result(code)
    assert refused.value.code == "node.no_propose_tx_result"


def test_a_refused_proposal_maps_to_its_result(node: Node) -> None:
    tx = payment(node.ledger)
    spent = payment(node.ledger, seed="rival")
    node.txs.insert(_propose(node, tx))
    _append(node, (tx.hash(),))
    node.txs.insert(_propose(node, spent))
    with pytest.raises(RefImplError) as refused:
        node.txs.validate(spent.hash())
    assert propose_tx_result(refused.value.code) == Result.Value("ContainsSpentKeyImage")
