"""The ingest enclave: records a recipient finds with his KexRng and opens, fake hints, per-user
counters, egress rotation on overflow, and the sealed or peer-given ingress key."""

from __future__ import annotations

import pytest

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import FogError
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.ingest_enclave import INGRESS_KEY_SEAL_ID, MAX_CHUNK_RETRIES, IngestEnclave
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.oram.trace import AccessTrace
from refimpl.fog.records import decrypt_tx_out_record
from refimpl.fog.types import ETxOutRecord
from refimpl.transaction.amount import Amount
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut

SGX_SEED = b"fog ingest enclave unit tests"
FOG_URL = "fog://fog.example"
PAYLOAD_LEN = 237  # MobileCoin's observed payload size at the current block version


def _rng(seed: int) -> RandomSource:
    return std_rng_from_seed(seed.to_bytes(32, "little"))


def _account(seed: int) -> AccountKey:
    rng = _rng(seed)
    return AccountKey(Scalar.random(rng), Scalar.random(rng), FOG_URL)


BOB = _account(1)
ALICE = _account(2)


@pytest.fixture(scope="module")
def host() -> FogEnclave:
    return FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=0,
                      responder_id="ingest-0:3226")


@pytest.fixture(scope="module")
def other_host() -> FogEnclave:
    """Another machine (platform) running the same ingest enclave."""
    return FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=1,
                      responder_id="ingest-1:3226")


def _enclave(host: FogEnclave, user_capacity: int = 128, seed: int = 9) -> IngestEnclave:
    return IngestEnclave(host, user_capacity=user_capacity, rng=_rng(1000 + seed))


def _tx_out(hint: EncryptedFogHint, recipient: AccountKey = BOB, value: int = 10,
            seed: int = 0) -> TxOut:
    return TxOut.new(MAX_BLOCK_VERSION, Amount(value), recipient.default_subaddress(),
                     Scalar.random(_rng(500 + seed)), hint)


def _to(enclave: IngestEnclave, recipient: AccountKey, value: int = 10, seed: int = 0) -> TxOut:
    """A TxOut whose fog hint names ``recipient`` to ``enclave``'s ingress key."""
    hint = EncryptedFogHint.encrypt(_rng(700 + seed), enclave.ingress_public_key(),
                                    recipient.default_subaddress().view_public)
    return _tx_out(hint, recipient, value, seed)


def _fake(seed: int) -> TxOut:
    return _tx_out(EncryptedFogHint.fake_onetime_hint(_rng(900 + seed)), ALICE, seed=seed)


def _client_rng(enclave: IngestEnclave, account: AccountKey) -> VersionedKexRng:
    return VersionedKexRng.from_kex_pubkey(enclave.kex_rng_pubkey(),
                                           account.subaddress_view_private(0))


def _open(record: ETxOutRecord, account: AccountKey) -> TxOut:
    opened = decrypt_tx_out_record(account.subaddress_view_private(0), record.payload)
    return opened.get_fog_tx_out().try_recover_tx_out(account.view_private)


def test_a_real_hint_yields_a_record_the_recipient_finds_and_opens(host: FogEnclave) -> None:
    """fog/ingest/enclave/impl/tests/tx_processing.rs: ten outputs to Bob at block 1 from
    global index 100, timestamp 10."""
    enclave = _enclave(host)
    tx_outs = [_to(enclave, BOB, value=10 + i, seed=i) for i in range(10)]
    result = enclave.ingest_txs(1, 100, tx_outs, 10)
    assert result.rotated_to is None
    assert len(result.records) == 10
    assert {len(r.payload) for r in result.records} == {PAYLOAD_LEN}
    bob_rng = _client_rng(enclave, BOB)
    assert [r.search_key for r in result.records] == [next(bob_rng) for _ in range(10)]
    for i, record in enumerate(result.records):
        opened = decrypt_tx_out_record(BOB.subaddress_view_private(0), record.payload)
        assert (opened.block_index, opened.tx_out_global_index, opened.timestamp) == (1, 100 + i,
                                                                                     10)
        tx_out = _open(record, BOB)
        assert tx_out.view_key_match(BOB.view_private)[0] == Amount(10 + i)
        assert (tx_out.public_key, tx_out.target_key) == (tx_outs[i].public_key,
                                                          tx_outs[i].target_key)
    with pytest.raises(FogError):
        decrypt_tx_out_record(ALICE.subaddress_view_private(0), result.records[0].payload)


def test_fake_and_foreign_hints_still_yield_records_of_the_same_size(host: FogEnclave) -> None:
    enclave = _enclave(host)
    elsewhere = _enclave(host, seed=10)
    tx_outs = [
        _to(enclave, BOB),
        _fake(1),                                        # a user without fog
        _tx_out(EncryptedFogHint.zero(), ALICE, seed=2),  # a minted output's zero hint
        _to(elsewhere, ALICE, seed=3),                   # a user of another fog deployment
    ]
    records = enclave.ingest_txs(5, 0, tx_outs, 1).records
    assert len(records) == 4
    assert {len(r.payload) for r in records} == {PAYLOAD_LEN}
    assert len({r.search_key for r in records}) == 4
    alice_rng = _client_rng(enclave, ALICE)
    alice_keys = set(alice_rng.peek_ahead(4))
    assert not alice_keys & {r.search_key for r in records[1:]}
    for record in records[1:]:  # sealed to random points: nobody opens them
        with pytest.raises(FogError):
            decrypt_tx_out_record(ALICE.subaddress_view_private(0), record.payload)
    assert records[0].search_key == _client_rng(enclave, BOB).peek()


def test_counters_advance_per_user_within_and_across_chunks(host: FogEnclave) -> None:
    enclave = _enclave(host)
    first = enclave.ingest_txs(3, 40, [_to(enclave, BOB, seed=1), _to(enclave, ALICE, seed=2),
                                       _to(enclave, BOB, seed=3)], 7).records
    second = enclave.ingest_txs(4, 43, [_to(enclave, BOB, seed=4)], 8).records
    bob = _client_rng(enclave, BOB).peek_ahead(3)
    alice = _client_rng(enclave, ALICE).peek_ahead(1)
    assert [r.search_key for r in (first[0], first[2], second[0])] == bob
    assert first[1].search_key == alice[0]
    assert _open(second[0], BOB).public_key == _to(enclave, BOB, seed=4).public_key


def _chunk(first_seed: int, n: int) -> list[TxOut]:
    return [_fake(first_seed + i) for i in range(n)]


def test_overflow_rotates_the_egress_key_and_reports_it(host: FogEnclave) -> None:
    enclave = _enclave(host, user_capacity=1)
    capacity = enclave.rng_store_capacity
    before = enclave.kex_rng_pubkey()
    n = capacity // 2 + 1  # fits an empty store; two such chunks do not
    assert enclave.ingest_txs(0, 0, _chunk(0, n), 0).rotated_to is None
    rotated = None
    for block in range(1, 4):
        chunk = [_to(enclave, BOB, seed=block), *_chunk(1000 * block, n - 1)]
        result = enclave.ingest_txs(block, block * n, chunk, 0)
        if result.rotated_to is not None:
            rotated = result
            break
    assert rotated is not None and rotated.rotated_to is not None
    assert rotated.rotated_to != before
    assert rotated.rotated_to == enclave.kex_rng_pubkey()
    assert len(rotated.records) == n
    # the retried chunk is under the new key: Bob's first output of the new sequence
    assert rotated.records[0].search_key == _client_rng(enclave, BOB).peek()
    assert _open(rotated.records[0], BOB).view_key_match(BOB.view_private)[0] == Amount(10)


def test_a_chunk_larger_than_the_store_is_refused(host: FogEnclave) -> None:
    enclave = _enclave(host, user_capacity=1)
    too_many = _chunk(0, 2 * enclave.rng_store_capacity + 1)
    before = enclave.kex_rng_pubkey()
    with pytest.raises(FogError) as info:
        enclave.ingest_txs(0, 0, too_many, 0)
    assert info.value.code == "fog.ingest_chunk_too_big"
    assert str(MAX_CHUNK_RETRIES) in info.value.message
    assert enclave.kex_rng_pubkey() != before


def test_a_tx_out_without_amount_is_refused_before_any_counter_moves(host: FogEnclave) -> None:
    enclave = _enclave(host)
    good = _to(enclave, BOB)
    bare = TxOut(masked_amount=None, target_key=good.target_key, public_key=good.public_key,
                 e_fog_hint=good.e_fog_hint)
    with pytest.raises(FogError) as info:
        enclave.ingest_txs(0, 0, [good, bare], 0)
    assert info.value.code == "fog.ingest_invalid_block_data"
    (record,) = enclave.ingest_txs(0, 0, [good], 0).records
    assert record.search_key == _client_rng(enclave, BOB).peek()  # output 0: nothing moved


def test_new_egress_key_restarts_every_sequence(host: FogEnclave) -> None:
    enclave = _enclave(host)
    ingress = enclave.ingress_public_key()
    enclave.ingest_txs(0, 0, [_to(enclave, BOB)], 0)
    old = enclave.kex_rng_pubkey()
    enclave.new_egress_key()
    assert enclave.kex_rng_pubkey() != old
    assert enclave.ingress_public_key() == ingress
    (record,) = enclave.ingest_txs(1, 1, [_to(enclave, BOB, seed=1)], 0).records
    assert record.search_key == _client_rng(enclave, BOB).peek()
    enclave.new_keys()
    assert enclave.ingress_public_key() != ingress


def test_sealed_ingress_key_round_trip(host: FogEnclave, other_host: FogEnclave) -> None:
    enclave = _enclave(host)
    sealed, public = enclave.sealed_ingress_private_key()
    assert public == enclave.ingress_public_key()
    restarted = IngestEnclave(host, user_capacity=16, sealed_ingress_key=sealed,
                              rng=_rng(77))
    assert restarted.ingress_public_key() == public
    assert restarted.kex_rng_pubkey() != enclave.kex_rng_pubkey()  # egress is never sealed
    # the restarted enclave reads hints sealed to the old enclave's key
    (record,) = restarted.ingest_txs(0, 0, [_to(enclave, BOB)], 0).records
    assert record.search_key == _client_rng(restarted, BOB).peek()
    damaged = bytearray(sealed)
    damaged[-1] ^= 1
    for bad, on in ((bytes(damaged), host), (sealed[:20], host), (sealed, other_host)):
        with pytest.raises(FogError) as info:
            IngestEnclave(on, user_capacity=16, sealed_ingress_key=bad)
        assert info.value.code == "fog.bad_sealed_ingress_key"
    not_a_key = host.seal(INGRESS_KEY_SEAL_ID, b"\xff" * 32)
    with pytest.raises(FogError) as info:
        IngestEnclave(host, user_capacity=16, sealed_ingress_key=not_a_key)
    assert info.value.code == "fog.bad_ingress_key"


def test_ingress_key_handed_to_a_peer(host: FogEnclave, other_host: FogEnclave) -> None:
    active = _enclave(host)
    backup = _enclave(other_host, seed=11)
    key_bytes, public = active.get_ingress_private_key_for_peer()
    assert public == active.ingress_public_key() != backup.ingress_public_key()
    result = backup.set_ingress_private_key(key_bytes)
    assert result.did_private_key_change and result.new_public_key == public
    assert backup.ingress_public_key() == public
    assert not backup.set_ingress_private_key(key_bytes).did_private_key_change
    again = IngestEnclave(other_host, user_capacity=16, sealed_ingress_key=result.sealed_key)
    assert again.ingress_public_key() == public
    for bad in (b"", bytes(31), b"\xff" * 32):
        with pytest.raises(FogError) as info:
            backup.set_ingress_private_key(bad)
        assert info.value.code == "fog.bad_ingress_key"


def test_evidence_names_the_ingress_key(host: FogEnclave) -> None:
    enclave = _enclave(host)
    evidence = enclave.ingress_evidence()
    assert evidence.report_data is not None
    assert evidence.report_data.custom_identity == enclave.ingress_public_key().to_bytes()
    assert Point.from_bytes(evidence.report_data.custom_identity) == enclave.ingress_public_key()


def test_the_host_sees_the_same_accesses_for_every_kind_of_tx_out(host: FogEnclave) -> None:
    """A map large enough to leave the tree-top: the untrusted bucket accesses of one TxOut
    have the same shape whether it is for a new user, a known user or nobody."""
    trace = AccessTrace()
    enclave = IngestEnclave(host, user_capacity=2**20, rng=_rng(31), oram_trace=trace)
    shapes = []
    for block, tx_out in enumerate([_to(enclave, BOB, seed=1), _to(enclave, BOB, seed=2),
                                    _fake(3), _tx_out(EncryptedFogHint.zero(), seed=4)]):
        trace.clear()
        enclave.ingest_txs(block, block, [tx_out], 0)
        shapes.append(trace.shape())
    assert shapes[0] and all(shape == shapes[0] for shape in shapes)
