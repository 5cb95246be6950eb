"""From records a real ingest enclave makes, and from missed blocks, to owned outputs."""

from __future__ import annotations

import attrs
import pytest

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX
from refimpl.crypto.ristretto import Point
from refimpl.errors import FogError
from refimpl.fog.client.recovery import MissedBlock, OutputRecognizer
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.onetime_keys import recover_onetime_private_key
from tests.unit.fog.client._fog import account, hinted_tx_out, ingest_enclave

BOB = account(1)
ALICE = account(2)


def _key_image(tx_out_public_key: Point, subaddress: int) -> KeyImage:
    onetime = recover_onetime_private_key(tx_out_public_key, BOB.view_private,
                                          BOB.subaddress_spend_private(subaddress))
    return KeyImage.from_private_key(onetime)


def test_a_found_record_becomes_an_owned_output_with_its_key_image() -> None:
    enclave = ingest_enclave(seed=20)
    ingress = enclave.ingress_public_key()
    to_bob = hinted_tx_out(ingress, BOB.default_subaddress(), 123, 1)
    change = hinted_tx_out(ingress, BOB.change_subaddress(), 45, 2,
                           hint_for=BOB.default_subaddress())
    records = enclave.ingest_txs(7, 300, [to_bob, change], 99).records
    bob = OutputRecognizer(BOB)
    first = bob.owned_from_payload(records[0].payload)
    assert (first.index, first.block_index, first.value, first.subaddress_index) == \
        (300, 7, 123, 0)
    assert first.key_image == _key_image(to_bob.public_key, 0)
    assert first.tx_out.public_key == to_bob.public_key
    assert first.tx_out.e_fog_hint == EncryptedFogHint.zero()  # the ledger's copy differs
    second = bob.owned_from_payload(records[1].payload)
    assert (second.index, second.value, second.subaddress_index) == \
        (301, 45, CHANGE_SUBADDRESS_INDEX)
    assert second.key_image == _key_image(change.public_key, CHANGE_SUBADDRESS_INDEX)


def test_another_accounts_payload_and_a_forged_record_are_refused() -> None:
    enclave = ingest_enclave(seed=21)
    ingress = enclave.ingress_public_key()
    records = enclave.ingest_txs(0, 0, [hinted_tx_out(ingress, BOB.default_subaddress(), 5, 3),
                                        hinted_tx_out(ingress, ALICE.default_subaddress(), 5, 4)],
                                 1).records
    bob = OutputRecognizer(BOB)
    with pytest.raises(FogError) as info:
        bob.owned_from_payload(records[1].payload)
    assert info.value.code == "fog.tx_out_record_decryption_failed"
    record = bob.open_payload(records[0].payload)
    forged = attrs.evolve(record, tx_out_amount_commitment_data_crc32=(
        record.tx_out_amount_commitment_data_crc32 ^ 1))
    with pytest.raises(FogError) as info:
        bob.owned_from_record(forged)
    assert info.value.code == "fog.client_record_not_ours"
    assert "tx.fog_checksum_mismatch" in info.value.message
    # Alice's record opened by Alice is hers, not Bob's (his root view key does not match)
    alices = OutputRecognizer(ALICE).open_payload(records[1].payload)
    with pytest.raises(FogError) as info:
        bob.owned_from_record(alices)
    assert info.value.code == "fog.client_record_not_ours"


def test_a_missed_block_is_scanned_with_the_view_key() -> None:
    outputs = (hinted_tx_out(None, ALICE.default_subaddress(), 1, 5),
               hinted_tx_out(None, BOB.default_subaddress(), 60, 6),
               hinted_tx_out(None, BOB.change_subaddress(), 7, 7))
    block = MissedBlock(index=4, global_txo_count=20, outputs=outputs)
    assert block.first_global_index == 17
    found = OutputRecognizer(BOB).scan_block(block)
    assert [(o.index, o.block_index, o.value, o.subaddress_index) for o in found] == \
        [(18, 4, 60, 0), (19, 4, 7, CHANGE_SUBADDRESS_INDEX)]
    assert found[0].tx_out == outputs[1]  # the ledger's TxOut, hint included
    assert OutputRecognizer(ALICE).scan_block(block)[0].value == 1
    assert Amount(60) == found[0].tx_out.view_key_match(BOB.view_private)[0]
