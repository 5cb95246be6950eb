"""The node's consensus enclave: simulated SGX identities, the sealed block-signing key, the
blockchain-config responder id, the cached well-formed verdict, forming and signing blocks.

refimpl/node/enclave.py (MobileCoin ``consensus/enclave/impl/src/lib.rs``,
``consensus/enclave/api/src/config.rs``) over refimpl/enclave/consensus_api.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from refimpl.enclave.channel import client_init
from refimpl.enclave.consensus_api import SIM_CONSENSUS_CODE
from refimpl.enclave.evidence import decode_evidence
from refimpl.enclave.platform_sim import seeded_rng
from refimpl.enclave.sgx.quote import ReportBody
from refimpl.errors import RefImplError
from refimpl.ledger import signature
from refimpl.ledger.apply import apply_transactions, root_proofs_for, validate_against_ledger
from refimpl.ledger.store import LedgerStore
from refimpl.node.enclave import (
    NodeEnclave,
    blockchain_config_digest,
    consensus_mrenclave,
    fee_map_digest,
    network_verifier,
    simulated_platform,
)
from refimpl.transaction import validation
from refimpl.transaction.membership_proofs.merkle import MerkleTree
from refimpl.transaction.tx import Tx
from refimpl.transaction.validation import (
    validate,
    validate_ledger_rules,
    validate_without_ledger,
)
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    MINIMUM_FEE,
    create_ledger,
    origin_outputs,
)
from tests.unit.ledger.test_apply import ORIGIN, payment
from tests.unit.transaction._txbuild import example_budget, rng_from

SEED = b"node-enclave-test"


def _enclave(
    index: int = 0,
    *,
    code: bytes = SIM_CONSENSUS_CODE,
    fee_map: dict[int, int] | None = None,
    block_version: int = BLOCK_VERSION,
    rng_seed: bytes = b"",
) -> NodeEnclave:
    return NodeEnclave(
        sgx_seed=SEED,
        index=index,
        client_responder_id=f"node{index}.test:3223",
        peer_responder_id=f"node{index}.test:8443",
        block_version=block_version,
        fee_map=FEE_MAP if fee_map is None else fee_map,
        enclave_code=code,
        rng=seeded_rng(b"enclave %d %s" % (index, rng_seed)),
    )


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(RefImplError) as info:
        call()
    return info.value.code


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerStore]:
    store = create_ledger(tmp_path / "ledger", ORIGIN)
    yield store
    store.close()


# --- identities ----------------------------------------------------------------------------------


def test_platforms_share_one_root_and_differ_per_index() -> None:
    a, b = simulated_platform(SEED, 0), simulated_platform(SEED, 1)
    assert a.root_cert_der == b.root_cert_der
    assert a.pck.der != b.pck.der
    simulated_platform.cache_clear()  # derived again from the seed alone: the same bytes
    assert simulated_platform(SEED, 0).pck.der == a.pck.der
    assert simulated_platform(b"another network", 0).root_cert_der != a.root_cert_der
    assert _enclave(0).mrenclave == _enclave(1).mrenclave == consensus_mrenclave()
    assert _enclave(0, code=b"patched").mrenclave != consensus_mrenclave()
    # the evidence published in block metadata and GetNodeConfig verifies under the network
    evidence = decode_evidence(_enclave(1).evidence_bytes)
    assert evidence.report_data is not None
    body = network_verifier(SEED)(evidence, evidence.report_data)
    assert isinstance(body, ReportBody) and body.mr_enclave == consensus_mrenclave()


def _handshake(initiator: NodeEnclave, responder: NodeEnclave, dial_as: str) -> None:
    message1 = initiator.peer_init(dial_as)
    message2, accepted = responder.peer_accept(message1)
    assert initiator.peer_connect(dial_as, message2) == accepted


def test_peers_attest_each_other_and_refuse_other_code_or_config() -> None:
    a, b = _enclave(0), _enclave(1)
    _handshake(a, b, "node1.test:8443")
    _handshake(b, a, "node0.test:8443")
    rogue = _enclave(2, code=b"mcref consensus enclave (patched)")
    assert _code(lambda: _handshake(rogue, a, "node0.test:8443")) == (
        "attest.measurement_not_allowed"
    )
    assert _code(lambda: _handshake(a, rogue, "node2.test:8443")) == (
        "attest.measurement_not_allowed"
    )
    # another fee map or block version: another responder id, so the handshake cannot finish
    for other in (_enclave(3, fee_map={0: 2048}), _enclave(3, block_version=BLOCK_VERSION - 1)):
        assert other.peer_responder_id != _enclave(3).peer_responder_id
        assert _code(partial(_handshake, a, other, "node3.test:8443")) == (
            "crypto.noise_decrypt_failed"
        )


def test_config_digest_names_fee_map_and_block_version() -> None:
    enclave = _enclave(0)
    digest = blockchain_config_digest(FEE_MAP, BLOCK_VERSION)
    assert enclave.peer_responder_id == "node0.test:8443-" + digest.hex()
    assert len(digest) == 32
    assert blockchain_config_digest({0: 1024, 5: 2048}, 3) == blockchain_config_digest(
        {5: 2048, 0: 1024}, 3
    )
    assert blockchain_config_digest({0: 1024, 5: 2048}, 3) != blockchain_config_digest(
        {0: 1024, 5: 4096}, 3
    )
    assert blockchain_config_digest(FEE_MAP, 3) != blockchain_config_digest(FEE_MAP, 2)
    assert enclave.fee_map_digest == fee_map_digest(FEE_MAP) != digest


# --- the sealed block-signing key ----------------------------------------------------------------


def test_sealed_key_persists_and_only_opens_in_the_same_enclave_on_the_same_machine(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sealed-block-signing-key"
    first = _enclave(0)
    assert _code(lambda: first.block_signing_public_key) == "node.enclave_not_initialized"
    first.enclave_init(path)
    key = first.block_signing_public_key
    sealed = path.read_bytes()
    assert key not in sealed and len(key) == 32
    again = _enclave(0)
    again.enclave_init(path)
    assert again.block_signing_public_key == key
    assert path.read_bytes() != sealed  # sealed again under a fresh nonce
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    resealed = path.read_bytes()
    for stranger in (_enclave(0, code=b"patched"), _enclave(1)):
        assert _code(partial(stranger.enclave_init, path)) == "node.enclave_unseal_failed"
        assert path.read_bytes() == resealed  # a refused file is left for the operator
    damaged = bytearray(resealed)
    damaged[-1] ^= 1
    path.write_bytes(bytes(damaged))
    assert _code(lambda: _enclave(0).enclave_init(path)) == "node.enclave_unseal_failed"
    fresh = _enclave(0, rng_seed=b"another start")
    fresh.enclave_init(tmp_path / "new-key")
    assert fresh.block_signing_public_key != key


# --- client sessions -----------------------------------------------------------------------------


def test_a_client_proposes_over_an_attested_session(ledger: LedgerStore) -> None:
    enclave = _enclave(0)
    tx = payment(ledger)
    rng = seeded_rng(b"client")
    pending, message1 = client_init(enclave.client_responder_id, network_verifier(SEED), rng)
    message2, channel = enclave.client_accept(message1)
    session = pending.finish(message2)
    assert session.channel_id == channel
    session, dropped = session.seal(tx.to_protobuf())
    enclave.client_discard_message(dropped)  # refused by the host, nonce kept in step
    session, frame = session.seal(tx.to_protobuf())
    context = enclave.client_tx_propose(frame)
    assert context.tx_hash == tx.hash()
    proofs = root_proofs_for(tx, ledger)
    entry = enclave.tx_is_well_formed(context, proofs, ledger.num_blocks() - 1)
    assert entry.tx_hash == tx.hash() and entry.priority == 128
    # root proofs from two ledger states imply two roots: the host's proofs are inconsistent
    older = MerkleTree([ledger.get_tx_out(i) for i in range(ledger.num_tx_outs() - 1)])
    mixed = (*proofs[:-1], older.proof(0))
    assert _code(lambda: enclave.tx_is_well_formed(context, mixed, 0)) == (
        "ledger.invalid_local_membership_proof"
    )
    # the fee token must be configured
    elsewhere = _enclave(0, fee_map={5: MINIMUM_FEE})
    assert _code(lambda: elsewhere.tx_is_well_formed(tx, proofs, 0)) == (
        "ledger.token_not_yet_configured"
    )
    other_map = attrs.evolve(tx, fee_map_digest=bytes(32))
    assert _code(lambda: enclave.tx_propose(other_map)) == "attest.fee_map_mismatch"
    enclave.tx_propose(attrs.evolve(tx, fee_map_digest=fee_map_digest(FEE_MAP)))


# --- the cached verdict is the verdict of full validation -----------------------------------------


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The hashes of the transactions whose RingCT signature is verified (a spy: the real
    verification runs)."""
    calls: list[bytes] = []
    real = validation.verify_tx

    def spy(tx: Tx, block_version: int, rng: object) -> None:
        calls.append(tx.hash())
        real(tx, block_version, rng)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "verify_tx", spy)
    return calls


def _full_verdict(tx: Tx, store: LedgerStore) -> str:
    try:
        validate_against_ledger(tx, store, BLOCK_VERSION, MINIMUM_FEE, rng_from("full"))
    except RefImplError as exc:
        return exc.code
    return "ok"


def _enclave_verdict(enclave: NodeEnclave, tx: Tx, store: LedgerStore) -> str:
    try:
        enclave.form_block(store, [tx.hash()], store.get_block(store.num_blocks() - 1))
    except RefImplError as exc:
        return exc.code
    return "ok"


def test_cached_verdicts_match_full_validation_as_the_ledger_changes(
    ledger: LedgerStore, tmp_path: Path, verify_calls: list[bytes]
) -> None:
    enclave = _enclave(0)
    enclave.enclave_init(tmp_path / "key")
    spender = payment(ledger)
    rival = payment(ledger, seed="rival")  # the same input as spender
    expiring = payment(ledger, 1, seed="late", tombstone_block=2)
    txs = (spender, rival, expiring)
    for tx in txs:
        enclave.tx_is_well_formed(tx, root_proofs_for(tx, ledger), ledger.num_blocks() - 1)
        assert enclave.is_verified(tx.hash())
    assert verify_calls == [tx.hash() for tx in txs]
    # on the origin ledger every cached verdict is "ok", as full validation says
    assert [_enclave_verdict(enclave, tx, ledger) for tx in txs] == ["ok"] * 3
    assert verify_calls == [tx.hash() for tx in txs]
    assert [_full_verdict(tx, ledger) for tx in txs] == ["ok"] * 3
    # a block spends the rival's input and passes the expiring tx's tombstone
    apply_transactions(ledger, [spender], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    verify_calls.clear()
    cached = [_enclave_verdict(enclave, tx, ledger) for tx in (rival, expiring)]
    assert verify_calls == []  # the cached verdicts were used: no RingCT verification
    assert cached == ["ledger.contains_spent_key_image", "tx.tombstone_block_exceeded"]
    assert cached == [_full_verdict(tx, ledger) for tx in (rival, expiring)]


def test_membership_proofs_are_checked_again_against_another_ledger(
    ledger: LedgerStore, tmp_path: Path
) -> None:
    """A cached transaction offered to a ledger whose TxOuts differ (same size): its proofs
    no longer match, and the cached path says so as full validation does."""
    enclave = _enclave(0)
    enclave.enclave_init(tmp_path / "key")
    tx = payment(ledger)
    enclave.tx_is_well_formed(tx, root_proofs_for(tx, ledger), 0)
    other = create_ledger(tmp_path / "other", origin_outputs(seed="another origin"))
    try:
        assert _enclave_verdict(enclave, tx, other) == "tx.invalid_tx_out_membership_proof"
        assert _full_verdict(tx, other) == "tx.invalid_tx_out_membership_proof"
        assert _code(lambda: enclave.tx_is_well_formed(tx, root_proofs_for(tx, other), 0)) == (
            "tx.invalid_tx_out_membership_proof"
        )
    finally:
        other.close()


def _tampered(tx: Tx) -> dict[str, Tx]:
    """Invalid transactions: a bad signature (the fee is signed), no outputs (a ledger-free
    rule before the signature), a forged membership proof (rule 8 fails before the signature
    is looked at: that transaction's signature verdict is unknown, so nothing is cached)."""
    prefix = tx.prefix
    first = prefix.inputs[0]
    proof = first.proofs[0]
    forged = attrs.evolve(
        proof,
        elements=(proof.elements[0], attrs.evolve(proof.elements[1], hash=bytes(32)),
                  *proof.elements[2:]),
    )
    forged_input = attrs.evolve(first, proofs=(forged, *first.proofs[1:]))
    return {
        "tx.invalid_transaction_signature": attrs.evolve(
            tx, prefix=attrs.evolve(prefix, fee=prefix.fee + 128)
        ),
        "tx.no_outputs": attrs.evolve(tx, prefix=attrs.evolve(prefix, outputs=())),
        "tx.invalid_tx_out_membership_proof": attrs.evolve(
            tx, prefix=attrs.evolve(prefix, inputs=(forged_input, *prefix.inputs[1:]))
        ),
    }


def test_a_transaction_failing_validation_is_never_cached(
    ledger: LedgerStore, tmp_path: Path, verify_calls: list[bytes]
) -> None:
    enclave = _enclave(0)
    enclave.enclave_init(tmp_path / "key")
    for expected, bad in _tampered(payment(ledger)).items():
        proofs = root_proofs_for(bad, ledger)
        for _attempt in range(2):  # the second attempt runs the full check again
            assert _code(partial(enclave.tx_is_well_formed, bad, proofs, 0)) == expected
            assert not enclave.is_verified(bad.hash())
        assert _enclave_verdict(enclave, bad, ledger) == expected == _full_verdict(bad, ledger)
    # the signature was verified on each attempt at the bad-signature tx, never skipped
    bad_signature = _tampered(payment(ledger))["tx.invalid_transaction_signature"].hash()
    assert verify_calls.count(bad_signature) == 4


@settings(max_examples=example_budget(25), deadline=None)
@given(
    block_index=st.one_of(st.integers(0, 12), st.integers(0, 2**64 - 1)),
    proof_tree=st.sampled_from(["current", "older", "forged"]),
)
@example(block_index=1, proof_tree="current")  # ok
@example(block_index=11, proof_tree="current")  # the tombstone
@example(block_index=1, proof_tree="forged")
def test_ledger_rules_give_validates_verdict_for_a_tx_passing_the_ledger_free_rules(
    tmp_path_factory: pytest.TempPathFactory, block_index: int, proof_tree: str
) -> None:
    store = _origin(tmp_path_factory)
    tx = payment(store)
    validate_without_ledger(tx, BLOCK_VERSION, MINIMUM_FEE, rng_from("free"))
    outs = [store.get_tx_out(i) for i in range(store.num_tx_outs())]
    indices = [p.highest_index for tx_in in tx.prefix.inputs for p in tx_in.proofs]
    tree = MerkleTree(outs if proof_tree == "current" else outs[:-1])
    proofs = [tree.proof(min(i, tree.num_leaves() - 1)) for i in indices]
    if proof_tree == "forged":
        proofs[0] = attrs.evolve(proofs[0], elements=proofs[0].elements[:1])

    def verdict(check: Callable[[], None]) -> str:
        try:
            check()
        except RefImplError as exc:
            return exc.code
        return "ok"

    full = verdict(
        lambda: validate(tx, block_index, BLOCK_VERSION, proofs, MINIMUM_FEE, rng_from("f"))
    )
    assert full == verdict(lambda: validate_ledger_rules(tx, block_index, proofs))


_stores: dict[str, LedgerStore] = {}


def _origin(factory: pytest.TempPathFactory) -> LedgerStore:
    if "origin" not in _stores:
        _stores["origin"] = create_ledger(factory.mktemp("origin") / "ledger", ORIGIN)
    return _stores["origin"]


# --- forming and signing blocks ------------------------------------------------------------------


def test_two_nodes_form_the_same_block_and_sign_it_with_their_own_keys(
    tmp_path: Path,
) -> None:
    ledgers = [create_ledger(tmp_path / f"ledger{i}", ORIGIN) for i in range(2)]
    try:
        txs = [payment(ledgers[0], 0, seed="a"), payment(ledgers[0], 1, seed="b")]
        formed = []
        for i, store in enumerate(ledgers):
            enclave = _enclave(i)
            enclave.enclave_init(tmp_path / f"key{i}")
            for tx in reversed(txs) if i else txs:  # arrival order does not matter
                enclave.tx_is_well_formed(tx, root_proofs_for(tx, store), 0)
            hashes = [tx.hash() for tx in txs]
            block, contents, sig = enclave.form_block(store, hashes, store.get_block(0))
            assert sig.signer == enclave.block_signing_public_key and sig.signed_at == 0
            signature.verify(block, sig)
            formed.append((block, contents, sig))
        (block0, contents0, sig0), (block1, contents1, sig1) = formed
        assert block0.id == block1.id and contents0 == contents1
        assert sig0.signer != sig1.signer
        assert _code(lambda: signature.verify(block0, attrs.evolve(sig1, signer=sig0.signer))) \
            == "ledger.bad_block_signature"
        stamped = attrs.evolve(sig0, signed_at=1_700_000_000)
        signature.verify(block0, stamped)  # the time is not signed
        ledgers[0].append_block(block0, contents0, stamped)
        assert ledgers[0].get_block_signature(1) == stamped
    finally:
        for store in ledgers:
            store.close()


def test_form_block_refuses_a_stale_parent_another_root_and_unknown_txs(
    ledger: LedgerStore, tmp_path: Path
) -> None:
    enclave = _enclave(0)
    tx = payment(ledger)
    parent = ledger.get_block(0)
    enclave.tx_is_well_formed(tx, root_proofs_for(tx, ledger), 0)
    assert _code(lambda: enclave.form_block(ledger, [tx.hash()], parent)) == (
        "node.enclave_not_initialized"
    )
    enclave.enclave_init(tmp_path / "key")
    older_root = MerkleTree([ledger.get_tx_out(i) for i in range(5)]).root_element()
    assert _code(lambda: enclave.form_block(ledger, [tx.hash()], parent, older_root)) == (
        "ledger.invalid_local_membership_root_element"
    )
    assert _code(lambda: enclave.form_block(ledger, [bytes(32)], parent)) == "attest.unknown_tx"
    block, contents, sig = enclave.form_block(ledger, [tx.hash()], parent, ledger.root_element())
    ledger.append_block(block, contents, sig)
    assert _code(lambda: enclave.form_block(ledger, [tx.hash()], parent)) == (
        "node.form_block_parent_mismatch"
    )
    enclave.discard([tx.hash()])
    assert not enclave.is_verified(tx.hash())
    last = ledger.get_block(1)
    assert _code(lambda: enclave.form_block(ledger, [tx.hash()], last)) == "attest.unknown_tx"
